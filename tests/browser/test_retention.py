"""The retention review in a browser: a legal hold placed on a case due soon, and one lifted."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import expect_done, expect_heading, menu, sign_in

pytestmark = pytest.mark.browser

REVIEW = "Cases due for review under the retention rule"


def test_the_coordinator_places_a_legal_hold_and_lifts_another(demo, new_page, console_log):
    page: Page = new_page()
    sign_in(page, "coordinator")
    menu(page, "Cases")
    page.get_by_role("link", name=REVIEW).click()
    expect_heading(page, REVIEW)
    due = page.get_by_role("row").filter(has_text="Glenys Ashworth")
    held = page.get_by_role("row").filter(has_text="Carys Penhallow")
    expect(held).to_contain_text("On hold")
    expect(held).to_contain_text("county court")
    expect(page.get_by_role("row").filter(has_text="Margery Threlkeld")).to_have_count(0)

    due.get_by_role("link", name="Place a legal hold").click()
    expect_heading(page, re.compile(r"^Place a legal hold on NB-\d{4}-\d{4}$"))
    page.get_by_role("button", name="Place the hold").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the case must be kept")
    expect(page.locator(".govuk-error-message")).to_contain_text("Enter why the case must be kept")
    page.get_by_label("Why the case must be kept").fill(
        "A domestic homicide review has asked for it."
    )
    page.get_by_role("button", name="Place the hold").click()
    expect_done(page, "is on legal hold")
    expect(due).to_contain_text("On hold")
    expect(due).to_contain_text("domestic homicide review")

    held.get_by_role("link", name="Lift the hold").click()
    expect_heading(page, re.compile(r"^Lift the legal hold on NB-\d{4}-\d{4}$"))
    page.get_by_label("Why the hold can end").fill("The county court gave judgment.")
    page.get_by_role("button", name="Lift the hold").click()
    expect_done(page, "is lifted")
    expect(held).to_contain_text("Place a legal hold")
    assert console_log.csp_violations == []
