"""The steering group member opens the steering page from the menu, follows a figure to its
definition, and sees counts only: small ones hidden, no name and no case reference."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.steps import CASE_REFERENCE, expect_heading, menu, sign_in, without_refusals

pytestmark = pytest.mark.browser


def test_the_steering_member_reads_the_figures_and_their_definitions(demo, page, console_log):
    sign_in(page, "steering")
    expect(page.get_by_role("heading", name="Steering group")).to_be_visible()
    menu(page, "Steering group")
    expect_heading(page, "Steering group figures")
    for title in ("Each agency's engagement", "Repeat rate", "Days from referral to conference"):
        expect(page.get_by_role("heading", name=title, exact=True, level=2)).to_be_visible()
    expect(page.locator('[data-table="engagement"] tbody tr').first).to_be_visible()

    # Every heading of a figure takes the reader to what it counts.
    page.locator('[data-table="waits"]').get_by_role("link", name="90th percentile").click()
    definition = page.locator("#define-waits-p90")
    expect(definition).to_be_in_viewport()
    expect(definition).to_contain_text("Nine in ten")

    text = page.locator("main").inner_text()
    assert CASE_REFERENCE.search(text) is None
    expect(page.locator("#many-repeats-references")).to_have_count(0)

    # Her menu has the figures and the schedule, and nothing about a case.
    nav = page.get_by_role("navigation", name="Main menu")
    for absent in ("Screening", "Cases", "Research", "Our actions", "Audit log"):
        expect(nav.get_by_role("link", name=absent, exact=True)).to_have_count(0)
    menu(page, "Data return")
    expect_heading(page, "Data return")
    expect(page.get_by_text("this page shows small counts exactly")).to_have_count(0)
    assert without_refusals(console_log) == []
