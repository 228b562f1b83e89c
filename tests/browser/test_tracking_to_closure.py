"""Tracking to closure: the owner agency closes its overdue action, the coordinator watches the
tracker's count fall and closes the case once its plan is done."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from conference.db import utcnow
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, menu, sign_in, sign_out, without_refusals

pytestmark = pytest.mark.browser


def agency_row(page: Page, agency: str):
    return page.locator("#agency-counts").get_by_role("row").filter(has_text=agency)


def test_the_coordinator_sees_the_overdue_count_fall_and_closes_the_case(
    app, new_page, console_log
):
    world = factories.meeting_world(cases=1)
    # A case heard before, whose last action is overdue; it is not on this month's agenda.
    case = factories.accepted_case(world.marac, given_name="Vera", now=utcnow())
    action = factories.past_action(
        world, case, due_on=utcnow().date() - timedelta(days=9), description="Fit a panic alarm"
    )
    page = new_page()

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    menu(page, "Action tracker")
    police = agency_row(page, world.police.name)
    expect(police.locator('[data-count="overdue"]')).to_have_text(re.compile(r"^\s*1"))
    expect(police.locator('[data-count="escalated"]')).to_have_text(re.compile(r"^\s*1 seven days"))
    check_accessibility(page)
    sign_out(page)

    sign_in(page, world.police_rep.email, factories.PASSWORD)
    menu(page, "Our actions")
    block = page.locator(f"#action-{action.id}")
    block.get_by_text("Report on this action").click()
    block.get_by_label("Done", exact=True).check()
    block.get_by_label("Note").fill("Alarm fitted and tested with her")
    block.get_by_role("button", name=re.compile("Save the update")).click()
    expect(page.locator(f"#action-{action.id}")).to_contain_text("Closed. It leaves this list.")
    sign_out(page)

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    menu(page, "Action tracker")
    expect(agency_row(page, world.police.name)).to_have_count(0)
    expect(page.get_by_text("No open actions.")).to_be_visible()
    page.get_by_label("Status").select_option(label="Done")
    page.get_by_role("button", name="Show actions").click()
    row = page.locator(f"#tracked-{action.id}")
    expect(row).to_contain_text("Alarm fitted and tested with her")
    check_accessibility(page, again=True)  # the tracker filtered
    row.get_by_role("link", name=case.reference).click()

    expect(page.get_by_text("Every action is closed: the plan is done.")).to_be_visible()
    check_accessibility(page)
    page.get_by_role("button", name="Close the case").click()
    expect_done(page, f"Case {case.reference} is closed.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Closed")
    expect(page.get_by_role("button", name="Close the case")).to_have_count(0)
    assert without_refusals(console_log) == []
