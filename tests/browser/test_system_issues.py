"""The system issues log as people click it: the chair logs a gap found on the case at the
console; the steering group finds it in its log with no case named, and records the outcome;
with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conference.accounts.models import Role
from conference.conferences import queries
from tests import factories
from tests.browser.steps import (
    CASE_REFERENCE,
    expect_done,
    expect_heading,
    menu,
    sign_in,
    sign_out,
    without_refusals,
)

pytestmark = pytest.mark.browser

WORDS = "The police notification reached children's social care eleven days late."


@pytest.mark.parametrize("javascript", [True, False])
def test_the_chair_logs_an_issue_and_the_steering_group_records_its_outcome(
    app, new_page, console_log, javascript
):
    world = factories.meeting_world()
    factories.open_meeting(world)
    steering = factories.make_user(Role.STEERING, marac=world.marac, name="Stella Steer")
    first = queries.agenda_items(world.conference.id)[0]
    page = new_page(java_script_enabled=javascript)

    sign_in(page, world.chair.email, factories.PASSWORD)
    page.goto(f"/conferences/{world.conference.id}/meeting")
    page.get_by_role("button", name="Open the first case").click()
    expect(page.locator("#case-heading")).to_contain_text(first.case.reference)
    issues = page.locator("#system-issues")
    issues.get_by_text("Log a system issue").click()
    if not javascript:  # the fold's form is drawn when its link opens the console again
        issues.get_by_role("link", name="Show this part of the case: Log a system issue").click()
        issues = page.locator("#system-issues")
    issues.get_by_label("A process between agencies").check()
    issues.get_by_label("What went wrong").fill(WORDS)
    issues.get_by_label("Who will take it forward (optional)").fill("Police DA lead")
    issues.get_by_role("button", name="Log the issue").click()
    expect_done(page, "The system issue is logged")
    expect(page.locator("#case-system-issues")).to_contain_text("eleven days late")
    # The case is still open on the console.
    expect(page.locator("#case-heading")).to_contain_text(first.case.reference)
    sign_out(page)

    sign_in(page, steering.email, factories.PASSWORD)
    menu(page, "System issues")
    expect_heading(page, "System issues")
    row = page.locator("#system-issues tbody tr").first
    expect(row).to_contain_text("eleven days late")
    assert CASE_REFERENCE.search(page.locator("main").inner_text()) is None
    row.get_by_role("link", name=re.compile(r"Issue \d+")).click()
    expect_heading(page, re.compile(r"System issue \d+"))
    page.get_by_label("Resolved: record the outcome").check()
    page.get_by_label("What came of it, or what was done").fill(
        "Notifications now go to both teams the same day."
    )
    page.get_by_role("button", name="Save").click()
    expect_done(page, "is saved: resolved")
    expect(page.locator("#issue-outcome")).to_contain_text("the same day")
    expect(page.locator("#issue-history")).to_contain_text("Stella Steer")
    assert CASE_REFERENCE.search(page.locator("main").inner_text()) is None
    assert without_refusals(console_log) == []
