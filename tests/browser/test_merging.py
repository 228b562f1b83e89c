"""Two people saving one case's record at once, in the browser: the second sees the part both
changed side by side, keeps the other person's text, and her own other change is saved with it;
then every revision can be read. With JavaScript (htmx swaps) and without."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from conference.conferences import queries
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import console
from conference.meetings.console import record_of
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import sign_in, without_refusals

pytestmark = pytest.mark.browser


def _on_the_console(new_page, world, user, **options) -> Page:
    page = new_page(**options)
    sign_in(page, user.email, factories.PASSWORD)
    page.goto(f"/conferences/{world.conference.id}/meeting")
    expect(page.get_by_role("button", name="Save the record")).to_be_visible()
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "plain"])
def test_the_second_save_shows_the_clash_side_by_side_and_her_choice_saves(
    app, new_page, console_log, javascript
):
    world = factories.meeting_world()
    meeting = factories.open_meeting(world)
    item = queries.agenda_items(world.conference.id)[0]
    console.open_item(meeting, item, actor=world.chair, now=utcnow())
    db.session.commit()

    chair = _on_the_console(new_page, world, world.chair)
    coordinator = _on_the_console(
        new_page, world, world.coordinator, java_script_enabled=javascript
    )
    chair.get_by_label("Decisions").fill("Refer to the housing panel")
    chair.get_by_role("button", name="Save the record").click()
    expect(chair.get_by_text("Last saved by Chay Ring")).to_be_visible()

    coordinator.get_by_label("Decisions").fill("Ask the police for a welfare check")
    coordinator.get_by_label("Risks to staff").fill("A dog at the address")
    coordinator.get_by_role("button", name="Save the record").click()
    clash = coordinator.locator(".app-clash")
    expect(clash).to_contain_text("Decisions: you both changed this")
    expect(clash).to_contain_text("Refer to the housing panel")
    expect(clash).to_contain_text("Ask the police for a welfare check")
    expect(coordinator.get_by_label("Risks to staff")).to_have_value("A dog at the address")
    check_accessibility(coordinator, again=True)
    assert record_of(item).risk_to_staff == ""  # nothing saved yet

    coordinator.get_by_label("Keep theirs").check()
    coordinator.get_by_role("button", name="Save the record").click()
    expect(coordinator.get_by_text("Last saved by Cora Ordinator")).to_be_visible()
    db.session.expire_all()
    record = record_of(item)
    assert record.decisions == "Refer to the housing panel"
    assert record.risk_to_staff == "A dog at the address"

    coordinator.get_by_role("link", name="Every revision").click()
    expect(coordinator.get_by_role("heading", level=1)).to_have_text("Revisions")
    revisions = coordinator.locator("main")
    expect(revisions).to_contain_text("Cora Ordinator")  # hers, then his: newest first
    expect(revisions).to_contain_text("A dog at the address")
    expect(revisions).to_contain_text("Refer to the housing panel")
    check_accessibility(coordinator, again=True)
    # The one refusal expected: the 409 that showed the clash.
    assert [m for m in without_refusals(console_log) if "status of 409" not in m] == []
