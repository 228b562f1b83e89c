"""Closing cases whose plan is complete, as the coordinator clicks it: three at once from the
ready-to-close list, with the standard reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from conference.extensions import db
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.browser.steps import expect_done, expect_heading, menu, sign_in, without_refusals
from tests.closure.conftest import heard_case

pytestmark = pytest.mark.browser


def test_the_coordinator_closes_three_cases_whose_plan_is_complete(app, new_page, console_log):
    world = factories.held_meeting_world()
    cases = []
    for n, name in enumerate(("Wren", "Ivy", "Fern")):
        case = heard_case(world, 40 + n, given_name=name)
        case.status = CaseStatus.PLAN_COMPLETE
        cases.append(case)
    db.session.commit()
    page = new_page()

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    menu(page, "Cases")
    page.get_by_role("link", name="Cases ready to close").click()
    expect_heading(page, "Cases ready to close")
    for case in cases:
        page.get_by_label(f"Close case {case.reference}").check()
    page.get_by_label("The plan is complete: every action was done or closed as not done.").check()
    page.get_by_role("button", name="Close the cases ticked").click()
    expect_done(page, "Closed 3 cases")
    expect(page.get_by_text("No case is ready to close.")).to_be_visible()
    page.goto(f"/cases/{cases[0].id}")
    expect(page.get_by_text("Flagged as a repeat until")).to_be_visible()
    assert without_refusals(console_log) == []
