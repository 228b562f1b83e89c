"""A case closed before its plan is done: the police representative still finds the open
action on "Our actions", marked "Case closed", and reports it done in place."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from conference.actions.models import Action
from conference.closure import services as closure
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_not_reloaded, mark_page, menu, sign_in, without_refusals

pytestmark = pytest.mark.browser


def test_the_police_report_on_an_action_of_a_case_closed_early(app, new_page, console_log):
    world = factories.held_meeting_world()
    case = world.cases[0]
    action = db.session.scalars(sa.select(Action).where(Action.case_id == case.id)).one()
    closure.close_case(
        case, actor=world.coordinator, reason="She has moved out of the area", now=utcnow()
    )
    db.session.commit()

    page = new_page()
    sign_in(page, world.police_rep.email, factories.PASSWORD)
    menu(page, "Our actions")
    block = page.locator(f"#action-{action.id}")
    expect(block).to_contain_text(case.reference)
    expect(block).to_contain_text("Case closed")
    expect(block).to_contain_text("stays open on the record until you report")
    check_accessibility(page)
    mark_page(page)
    block.get_by_text("Report on this action").click()
    block.get_by_label("Done", exact=True).check()
    block.get_by_label("Note").fill("Address flagged before she moved")
    block.get_by_role("button", name=re.compile("Save the update")).click()
    expect(page.locator(f"#action-{action.id}")).to_contain_text("Closed. It leaves this list.")
    expect_not_reloaded(page)
    page.reload()
    expect(page.locator(f"#action-{action.id}")).to_have_count(0)
    assert without_refusals(console_log) == []
