"""Account journeys clicked through in a real browser: onboarding a practitioner, and 2FA."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from conference.demo.seed import DEMO_DOMAIN
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import SIGN_IN_URL, sign_in, sign_out

pytestmark = pytest.mark.browser

ADMIN = f"admin@{DEMO_DOMAIN}"
CHAIR = f"chair@{DEMO_DOMAIN}"
HOME_URL = re.compile(r"^http://[^/]+/$")
REFUSED = "Enter a correct email address and password"

# A synthetic practitioner: no real person, a reserved example domain.
NEWCOMER_NAME = "Alex Rowan"
NEWCOMER_EMAIL = "alex.rowan@northshire-police.example"
NEWCOMER_TITLE = "Detective Constable"
NEWCOMER_PASSWORD = "copper kettle harbour lantern"


def menu(page: Page, name: str) -> None:
    """Follow a link in the service navigation at the top of every signed-in page."""
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name).click()


def expect_heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    check_accessibility(page)


def expect_done(page: Page, text: str) -> None:
    """The green 'Done' banner a successful change leaves on the next page."""
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def expect_field_error(page: Page, field: str, message: str) -> None:
    """A GOV.UK error: the summary at the top links to the field, the message sits beside it."""
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field}")
    expect(summary).to_be_focused()  # GOV.UK Frontend's error summary started under the CSP
    expect(page.locator(f"#{field}-error")).to_contain_text(message)
    check_accessibility(page)


def settle(page: Page) -> None:
    """Our module script ran under the CSP, the page loaded, and its console messages arrived."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    page.wait_for_load_state("load")
    page.evaluate("() => null")


def expect_no_page_problems(console_log) -> None:
    """No CSP violation and no script error. A refused form answers 422, which Chromium logs as
    'Failed to load resource'; that is expected, so only other console errors count."""
    assert console_log.csp_violations == []
    assert console_log.errors == []
    unexpected = [m for m in console_log.console_errors if "status of 422" not in m]
    assert unexpected == [], console_log.messages


def test_an_admin_onboards_a_practitioner_who_sets_a_password_and_is_later_deactivated(
    demo, new_page, live_server, console_log
):
    admin = new_page()
    sign_in(admin, ADMIN)
    expect(admin).to_have_url(HOME_URL)

    # Administration → Users → Add a user
    menu(admin, "Administration")
    expect_heading(admin, "Administration")
    admin.get_by_role("link", name="Users", exact=True).click()
    expect_heading(admin, "Users")
    admin.get_by_role("button", name="Add a user").click()
    expect_heading(admin, "Add a user")
    settle(admin)

    # The email address is forgotten: refused, with what was typed kept.
    admin.get_by_label("Full name").fill(NEWCOMER_NAME)
    admin.get_by_label("Job title").fill(NEWCOMER_TITLE)
    admin.get_by_label("Agency").select_option(label="Northshire Police")
    admin.get_by_role("button", name="Save user").click()

    expect(admin).to_have_title(re.compile(r"^Error: Add a user"))
    expect_field_error(admin, "email", "Enter the user's email address")
    expect(admin.get_by_label("Full name")).to_have_value(NEWCOMER_NAME)
    expect(admin.get_by_label("Job title")).to_have_value(NEWCOMER_TITLE)
    expect(admin.locator("#agency_id option:checked")).to_have_text("Northshire Police")
    settle(admin)

    admin.get_by_label("Email address").fill(NEWCOMER_EMAIL)
    admin.get_by_role("button", name="Save user").click()

    # The new user's page: no role and no password yet.
    expect_heading(admin, NEWCOMER_NAME)
    expect_done(admin, f"{NEWCOMER_NAME} added. Now grant them a role")
    expect(admin.locator("#user-details")).to_contain_text(NEWCOMER_EMAIL)
    expect(admin.locator("#user-details")).to_contain_text("Northshire Police")
    expect(admin.locator("#user-status")).to_contain_text("No password")
    expect(admin.get_by_text(f"{NEWCOMER_NAME} has no roles yet")).to_be_visible()

    admin.get_by_label("Role", exact=True).select_option(label="Agency representative")
    admin.get_by_label("MARAC", exact=True).select_option(label="Northbridge MARAC")
    admin.get_by_role("button", name="Grant role").click()

    expect_done(
        admin, f"{NEWCOMER_NAME} now has the Agency representative role in Northbridge MARAC."
    )
    roles = admin.locator("#roles tbody tr")
    expect(roles).to_have_count(1)
    expect(roles.first).to_contain_text("Agency representative")
    expect(roles.first).to_contain_text("Northbridge MARAC")

    admin.get_by_role("button", name="Issue a password-set link").click()
    expect_heading(admin, f"Password-set link for {NEWCOMER_NAME}")
    link = admin.locator("#password-link").inner_text().strip()
    assert link.startswith(f"{live_server}/set-password/"), link
    settle(admin)
    sign_out(admin)

    # The newcomer, in a browser of their own, follows the link.
    newcomer = new_page()
    newcomer.goto(link)
    expect_heading(newcomer, "Set your password")
    expect(newcomer.get_by_text(f"For the account {NEWCOMER_EMAIL}")).to_be_visible()
    settle(newcomer)

    newcomer.get_by_label("New password", exact=True).fill("too short")
    newcomer.get_by_label("Confirm new password", exact=True).fill("too short")
    newcomer.get_by_role("button", name="Set password").click()

    expect(newcomer).to_have_title(re.compile(r"^Error: Set your password"))
    expect_field_error(newcomer, "password", "Password must be 12 characters or more")
    settle(newcomer)

    newcomer.get_by_label("New password", exact=True).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_label("Confirm new password", exact=True).fill(NEWCOMER_PASSWORD)
    newcomer.get_by_role("button", name="Set password").click()

    expect(newcomer).to_have_url(SIGN_IN_URL)
    expect_done(newcomer, "Your password is set. Sign in with it now.")

    sign_in(newcomer, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
    # First, Northbridge's information-sharing agreement; then home.
    expect_heading(newcomer, "Information-sharing agreement")
    newcomer.get_by_role("button", name="I accept the Northbridge MARAC agreement").click()
    expect(newcomer).to_have_url(HOME_URL)
    expect_heading(newcomer, f"Welcome, {NEWCOMER_NAME}")
    section = newcomer.locator('section[data-role="agency_rep"]')
    expect(section).to_have_count(1)
    expect(section.get_by_role("heading", level=2)).to_contain_text("Agency representative")
    expect(section.get_by_role("heading", level=2)).to_contain_text("Northbridge MARAC")
    expect(newcomer.locator("section[data-role]")).to_have_count(1)
    settle(newcomer)

    # The admin, back in their own browser, deactivates the account.
    sign_in(admin, ADMIN)
    menu(admin, "Administration")
    admin.get_by_role("link", name="Users", exact=True).click()
    admin.get_by_label("Search by name or email address").fill("rowan")
    admin.get_by_role("button", name="Search", exact=True).click()
    expect(admin.locator("#user-count")).to_contain_text("1 user matching")
    admin.locator("#users").get_by_role("link", name=NEWCOMER_NAME).click()
    expect_heading(admin, NEWCOMER_NAME)
    expect(admin.locator("#user-account")).to_contain_text("Active: can sign in")
    admin.get_by_role("button", name="Deactivate account").click()

    expect_done(admin, f"{NEWCOMER_NAME} is deactivated and has been signed out everywhere.")
    expect(admin.locator("#user-account")).to_contain_text("Deactivated: cannot sign in")
    settle(admin)

    # The newcomer's open page is signed out the next time they go anywhere.
    menu(newcomer, "Your account")
    expect(newcomer).to_have_url(SIGN_IN_URL)
    expect_heading(newcomer, "Sign in")
    expect(newcomer.get_by_text("Sign in to continue.")).to_be_visible()
    expect(newcomer.get_by_role("button", name="Sign out")).to_have_count(0)

    # And their password no longer lets them in.
    sign_in(newcomer, NEWCOMER_EMAIL, NEWCOMER_PASSWORD)
    expect(newcomer).to_have_title(re.compile(r"^Error: Sign in"))
    expect(newcomer.locator("#password-error")).to_contain_text(REFUSED)
    settle(newcomer)

    expect_no_page_problems(console_log)


def test_a_user_sets_up_two_step_verification_and_signs_in_with_a_code(demo, page, console_log):
    sign_in(page, CHAIR)
    expect(page).to_have_url(HOME_URL)

    menu(page, "Your account")
    expect_heading(page, "Your account")
    page.get_by_role("link", name="Set up two-step verification").click()
    expect_heading(page, "Set up two-step verification")
    expect(page.locator(".app-qr svg")).to_have_count(1)
    key = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", key), key
    settle(page)

    app = pyotp.TOTP(key)  # the authenticator app on the user's phone
    page.get_by_label("Code from your authenticator app").fill(app.now())
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(HOME_URL)
    expect_done(page, "Two-step verification is on.")
    menu(page, "Your account")
    expect(page.get_by_text(re.compile(r"^On since "))).to_be_visible()
    sign_out(page)

    # The password alone is no longer enough.
    sign_in(page, CHAIR)
    expect(page).to_have_url(re.compile(r"/sign-in/code$"))
    expect_heading(page, "Check your authenticator app")
    settle(page)

    # A code from none of the steps the server accepts (now, and one either side).
    near = {app.at(time.time() + drift) for drift in (-60, -30, 0, 30, 60)}
    wrong = next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)
    page.get_by_label("Code from your authenticator app").fill(wrong)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(re.compile(r"^Error: Enter your code"))
    expect_field_error(
        page, "code", "Enter the current code from your authenticator app (each code works once)"
    )
    settle(page)

    # The code used to enrol works only once, so use the next step's: the server allows one
    # step of drift, and the next step is always later than the one already spent.
    page.get_by_label("Code from your authenticator app").fill(app.at(time.time() + 30))
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(HOME_URL)
    expect_heading(page, "Welcome, Sam Carter")
    expect(page.locator('section[data-role="chair"]')).to_have_count(1)
    settle(page)

    expect_no_page_problems(console_log)
