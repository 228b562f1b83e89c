"""Steps shared by the browser journeys, written as a person does them."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from conference.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD

SIGN_IN_URL = re.compile(r"/sign-in(\?.*)?$")


def demo_email(local: str) -> str:
    """The demo account's address from its local part, e.g. 'chair'."""
    return local if "@" in local else f"{local}@{DEMO_DOMAIN}"


def sign_in(page: Page, who: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the sign-in form; who is an email or a demo local part."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(demo_email(who))
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_text("You have signed out.")).to_be_visible()


def menu(page: Page, name: str) -> None:
    """Follow a link in the service navigation at the top of every signed-in page."""
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name=name).click()


def expect_heading(page: Page, text: str | re.Pattern[str]) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def expect_done(page: Page, text: str | re.Pattern[str]) -> None:
    """The green 'Done' banner a successful change leaves on the next page."""
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def row_of(page: Page, reference: str) -> Locator:
    """The row of a table (Your referrals, Screening) that names the referral."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))
