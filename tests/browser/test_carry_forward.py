"""The previous plan beside the new one, in the browser: an unfinished action of the case's
earlier plan carried into the new one in one step, focus on the carried action and the live
region saying so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conference.actions.choices import ActionStatus
from conference.conferences import queries
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import sign_in, without_refusals

pytestmark = pytest.mark.browser


def test_the_chair_carries_an_unfinished_action_into_the_new_plan(app, new_page, console_log):
    world = factories.meeting_world(cases=2)
    today = utcnow().date()
    unfinished = factories.past_action(
        world, world.cases[0], due_on=today - timedelta(days=4), description="Fit a door alarm"
    )
    factories.past_action(
        world,
        world.cases[0],
        due_on=today - timedelta(days=30),
        status=ActionStatus.DONE,
        description="Change the locks",
    )
    factories.open_meeting(world)
    first = queries.agenda_items(world.conference.id)[0]
    chair = new_page(viewport={"width": 1366, "height": 768})
    sign_in(chair, world.chair.email, factories.PASSWORD)
    chair.goto(f"/conferences/{world.conference.id}/meeting")
    loads: list[str] = []
    chair.on("load", lambda page: loads.append(page.url))
    chair.get_by_role("button", name="Open the first case").click()
    expect(chair.locator("#case-heading")).to_contain_text(first.case.reference)

    earlier = chair.locator("#case-earlier")
    expect(earlier).to_have_attribute("open", "")
    expect(earlier.get_by_text("Change the locks")).to_contain_text("Done")
    expect(earlier.get_by_role("button", name="Carry into this plan")).to_have_count(1)
    earlier.get_by_role("button", name="Carry into this plan").click()

    carried = chair.locator(f"#actions-{first.id} .app-plan__action")
    expect(carried).to_have_count(1)
    expect(carried).to_contain_text("Fit a door alarm")
    expect(carried).to_contain_text("Carried forward from an earlier plan")
    expect(carried).to_be_focused()
    expect(chair.locator("#console-announce")).to_have_text("Action carried forward into this plan")
    # The earlier plan now says how the old action ended, with nothing left to carry.
    expect(earlier.get_by_text("Fit a door alarm")).to_contain_text(
        "Carried forward into a later plan"
    )
    expect(earlier.get_by_role("button", name="Carry into this plan")).to_have_count(0)
    # The live region was never replaced: it is the same element as before.
    assert chair.evaluate("document.querySelectorAll('#console-announce').length") == 1
    check_accessibility(chair, again=True)
    assert loads == []
    db.session.expire_all()
    assert db.session.get(type(unfinished), unfinished.id).status is ActionStatus.CARRIED_FORWARD
    assert without_refusals(console_log) == []
