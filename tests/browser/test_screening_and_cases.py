"""Journeys after a referral is sent: a question back to the referrer, withdrawing, and the
coordinator reading a refuge case. They use the demo referrals (conference/demo/referrals.py)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, expect_heading, menu, row_of, sign_in

pytestmark = pytest.mark.browser

REFERENCE = re.compile(r"R-\d{5}")
REFUGE_ADDRESS = re.compile(r"Demo Street, Northbridge")


def test_the_referrer_answers_a_request_for_more_and_the_coordinator_gets_it_back(
    demo, new_page, console_log
):
    housing = new_page()
    sign_in(housing, "housing")
    # The request arrives as a notification naming only the referral.
    nav = housing.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name=re.compile(r"^Notifications \d+ unread$")).click()
    expect_heading(housing, "Notifications")
    note = housing.get_by_role("button", name=re.compile("More information is needed"))
    expect(note).not_to_contain_text("Farah")
    reference = REFERENCE.search(note.inner_text()).group(0)
    note.click()
    expect(housing.get_by_role("heading", level=1)).to_contain_text(
        f"Referral {reference} More information requested"
    )
    expect(housing.get_by_text("which incidents the police attended").first).to_be_visible()
    check_accessibility(housing)
    housing.get_by_role("link", name="Answer and send the referral again").click()
    expect_heading(housing, "Check the referral and send it")
    housing.get_by_role("button", name="Send the referral").click()
    expect(housing.get_by_text("Write your answer").first).to_be_visible()  # refused: no answer
    check_accessibility(housing)
    housing.get_by_label("Your answer").fill("Police attended twice; forced marriage was asked.")
    housing.get_by_role("button", name="Send the referral").click()
    expect_done(housing, f"Referral {reference} is sent.")

    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    menu(coordinator, "Screening")
    expect(row_of(coordinator, reference)).to_be_visible()
    check_accessibility(coordinator)
    row_of(coordinator, reference).get_by_role("link", name=reference).click()
    expect(
        coordinator.get_by_text("Police attended twice; forced marriage was asked.")
    ).to_be_visible()
    check_accessibility(coordinator)
    assert [m for m in console_log.problems() if "status of 422" not in m] == []


def test_a_referrer_withdraws_a_referral_giving_a_reason(demo, page, console_log):
    sign_in(page, "police")
    menu(page, "Your referrals")
    waiting = page.get_by_role("row").filter(has_text="Kamila Nowicka")
    reference = REFERENCE.search(waiting.inner_text()).group(0)
    check_accessibility(page)
    waiting.get_by_role("link", name=reference).click()
    page.get_by_role("link", name="Withdraw this referral").click()
    expect_heading(page, f"Withdraw the referral {reference}")
    page.get_by_role("button", name="Withdraw the referral").click()
    expect(page.get_by_text("Give a reason").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Why are you withdrawing it?").fill("She has moved out of the area.")
    page.get_by_role("button", name="Withdraw the referral").click()
    expect_done(page, f"Referral {reference} is withdrawn.")
    expect(row_of(page, reference)).to_contain_text("Withdrawn")
    assert [m for m in console_log.problems() if "status of 422" not in m] == []


def test_the_coordinator_sees_a_refuge_address_only_after_giving_a_reason(demo, page, console_log):
    sign_in(page, "coordinator")
    menu(page, "Cases")
    expect_heading(page, "Cases")
    refuge = page.get_by_role("row").filter(has_text="Tessa Braithwaite")
    reference = refuge.get_by_role("link").inner_text()
    refuge.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Case {reference}")
    expect(page.get_by_text("Confidential (refuge)")).to_be_visible()
    expect(page.get_by_text(REFUGE_ADDRESS)).to_have_count(0)
    expect(page.get_by_text("Withheld").first).to_be_visible()
    check_accessibility(page)

    page.get_by_role("button", name="Show the contact details").click()
    expect(
        page.get_by_text("Give your reason: it is kept in the audit trail").first
    ).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Why do you need to see the address?").fill("Arranging a safe visit.")
    page.get_by_role("button", name="Show the contact details").click()
    expect(page.get_by_text(REFUGE_ADDRESS)).to_be_visible()
    expect(page.get_by_text("Your reason is in the audit trail")).to_be_visible()
    check_accessibility(page, again=True)

    # The next visit hides it again.
    page.goto(page.url.rsplit("/address", 1)[0])
    expect(page.get_by_text(REFUGE_ADDRESS)).to_have_count(0)
    assert [m for m in console_log.problems() if "status of 422" not in m] == []


def test_an_admin_sets_a_marac_s_own_screening_thresholds(demo, page, console_log):
    sign_in(page, "admin")
    page.goto("/admin/maracs")
    page.get_by_role("row").filter(has_text="Northbridge MARAC").get_by_role("link").first.click()
    expect_heading(page, "Change Northbridge MARAC")
    expect(page.get_by_label("Risk checklist")).to_have_value("dash-24")
    threshold = page.get_by_label("Incidents for potential escalation")
    threshold.fill("three")
    page.get_by_role("button", name="Save MARAC").click()
    expect(page.get_by_text("Enter a whole number, like 3").first).to_be_visible()
    check_accessibility(page)
    expect(page.get_by_label("Name")).to_have_value("Northbridge MARAC")
    threshold.fill("2")
    page.get_by_label("Escalation window, in days").fill("182")
    page.get_by_role("button", name="Save MARAC").click()
    expect_done(page, "Northbridge MARAC saved.")
    page.get_by_role("row").filter(has_text="Northbridge MARAC").get_by_role("link").first.click()
    expect(page.get_by_label("Incidents for potential escalation")).to_have_value("2")
    assert [m for m in console_log.problems() if "status of 422" not in m] == []
