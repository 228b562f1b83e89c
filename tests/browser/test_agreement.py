"""First sign-in with the information-sharing agreement, and a new version, in a browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.steps import expect_done, expect_heading, sign_in, sign_out

pytestmark = pytest.mark.browser

HOME = re.compile(r"^http://[^/]+/$")


def test_a_person_yet_to_accept_reads_the_agreement_first_then_goes_in(demo, page: Page):
    sign_in(page, "probation")
    expect(page).to_have_url(re.compile(r"/agreements/"))
    expect_heading(page, "Information-sharing agreement")
    expect(page.get_by_text("Refuge and safe addresses")).to_be_visible()
    # Straight to a case page: still the agreement.
    page.goto("/research/")
    expect(page).to_have_url(re.compile(r"/agreements/\?next=/research/"))
    page.get_by_role("button", name="I accept the Northbridge MARAC agreement").click()
    expect(page).to_have_url(re.compile(r"/research/$"))
    expect_done(page, "You accepted version 2 of the agreement.")
    page.goto("/")
    expect(page).to_have_url(HOME)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Aisha Rahman")


def test_the_coordinator_sees_who_has_not_accepted_and_a_new_version_asks_again(demo, new_page):
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    expect(coordinator).to_have_url(HOME)
    coordinator.get_by_role("link", name="Information-sharing agreement").first.click()
    coordinator.get_by_role("link", name=re.compile("Northbridge MARAC: the agreement")).click()
    expect_heading(coordinator, "Northbridge MARAC: information-sharing agreement")
    expect(coordinator.locator("#waiting")).to_contain_text("Aisha Rahman")
    expect(coordinator.locator("#waiting")).to_contain_text("accepted version 1")
    expect(coordinator.locator("#waiting")).not_to_contain_text("Lee Morgan")

    coordinator.get_by_role("link", name="Change the agreement").click()
    expect_heading(coordinator, "Northbridge MARAC: change the information-sharing agreement")
    box = coordinator.get_by_label("The agreement")
    box.fill(box.input_value() + "\n\n8. Devices. Case details are never kept on a personal phone.")
    coordinator.get_by_role("button", name="Save as a new version").click()
    expect_done(coordinator, "Version 3 saved.")
    expect(coordinator.locator("#waiting")).to_contain_text("Lee Morgan")
    sign_out(coordinator)

    police = new_page()
    sign_in(police, "police")
    expect(police).to_have_url(re.compile(r"/agreements/"))
    expect(police.get_by_text("Case details are never kept on a personal phone")).to_be_visible()
    police.get_by_role("button", name="I accept the Northbridge MARAC agreement").click()
    expect(police).to_have_url(HOME)
    expect(police.get_by_role("heading", level=1)).to_have_text("Welcome, Lee Morgan")
