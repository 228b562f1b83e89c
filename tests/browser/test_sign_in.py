"""Signing in and out in a real browser, under the real Content-Security-Policy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conference.demo.seed import DEMO_DOMAIN, USERS
from tests.browser.accessibility import check_accessibility, describe, violations
from tests.browser.steps import SIGN_IN_URL, sign_in, sign_out

pytestmark = pytest.mark.browser

NAMES = {local: name for local, name, *_ in USERS}
ROLES = ["admin", "coordinator", "chair", "advocate", "agency_rep"]
DASHBOARD_URL = re.compile(r"^http://[^/]+/$")
REFUSED = "Enter a correct email address and password"
#: The one key htmx keeps in sessionStorage: the path of the page on screen, never its content.
HTMX_PATH_KEY = "htmx-current-path-for-history"


def email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def expect_dashboard(page: Page, local: str) -> None:
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {NAMES[local]}")
    check_accessibility(page)


def expect_js_ran(page: Page) -> None:
    """Our module script ran under the CSP (it marks the body), and the page finished loading."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    page.wait_for_load_state("load")
    page.evaluate("() => null")  # a round trip, so console messages sent before it have arrived


def storage(page: Page) -> dict[str, dict[str, str]]:
    return page.evaluate(
        """() => ({
            session: Object.fromEntries(Object.entries(sessionStorage)),
            local: Object.fromEntries(Object.entries(localStorage)),
        })"""
    )


@pytest.mark.parametrize(
    ("local", "role"),
    [
        ("admin", "admin"),
        ("coordinator", "coordinator"),
        ("chair", "chair"),
        ("idva", "advocate"),
        ("police", "agency_rep"),
    ],
)
def test_each_role_signs_in_sees_its_dashboard_and_signs_out(demo, page, local, role):
    sign_in(page, local)

    expect_dashboard(page, local)
    expect(page.locator(f'section[data-role="{role}"]')).to_have_count(1)
    shown = page.locator("section[data-role]").evaluate_all("els => els.map(e => e.dataset.role)")
    assert shown == [role], f"expected only the {role} section"
    for other in set(ROLES) - {role}:
        expect(page.locator(f'section[data-role="{other}"]')).to_have_count(0)

    sign_out(page)

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_pages_load_without_csp_violations_or_script_errors(demo, page, console_log):
    page.goto("/sign-in")
    expect_js_ran(page)

    sign_in(page, "coordinator")
    expect_dashboard(page, "coordinator")
    expect_js_ran(page)

    sign_out(page)
    expect_js_ran(page)

    assert console_log.csp_violations == []
    assert console_log.errors == []
    assert console_log.problems() == []


def test_the_console_log_catches_a_csp_violation(page, console_log):
    """Guards the guard: an inline script is refused, and the log sees the refusal."""
    page.goto("/sign-in")
    expect_js_ran(page)
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.head.append(script);
        }"""
    )
    expect_js_ran(page)

    assert page.evaluate("() => window.inlineRan === undefined")
    assert len(console_log.csp_violations) == 1, console_log.messages
    assert "script-src" in console_log.csp_violations[0]


def test_a_wrong_password_is_refused_beside_the_form_keeping_the_email(demo, page, console_log):
    sign_in(page, "chair", password="not-the-right-password")

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(REFUSED)
    expect(summary.get_by_role("link", name=re.compile(REFUSED))).to_have_attribute(
        "href", "#password"
    )
    expect(summary).to_be_focused()  # GOV.UK Frontend's error summary started under the CSP
    expect(page.locator("#password-error")).to_contain_text(REFUSED)
    expect(page.get_by_label("Email address")).to_have_value(email("chair"))
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    check_accessibility(page)

    expect_js_ran(page)
    assert console_log.csp_violations == []
    assert console_log.errors == []


def test_nothing_of_the_pages_stays_in_browser_storage_after_sign_out(demo, page):
    sign_in(page, "idva")
    expect_dashboard(page, "idva")
    expect_js_ran(page)
    assert page.evaluate("() => htmx.config.historyCacheSize") == 0
    page.get_by_role("link", name="Your account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect_js_ran(page)
    assert "htmx-history-cache" not in storage(page)["session"]

    sign_out(page)
    expect_js_ran(page)

    kept = storage(page)
    assert kept["local"] == {}
    # htmx notes the path of the page on screen (the sign-in page), and nothing else.
    assert kept["session"] == {HTMX_PATH_KEY: "/sign-in"}
    assert page.context.storage_state()["origins"] == []


def test_signing_in_and_out_works_without_javascript(demo, new_page):
    page = new_page(java_script_enabled=False)

    sign_in(page, "coordinator")
    expect_dashboard(page, "coordinator")
    expect(page.locator('section[data-role="coordinator"]')).to_have_count(1)
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))

    sign_out(page)

    page.goto("/")
    expect(page).to_have_url(SIGN_IN_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


def test_the_accessibility_check_catches_a_violation(page):
    """Guards the guard: a field that loses its label fails the check, naming rule and field."""
    page.goto("/sign-in")
    expect_js_ran(page)
    assert violations(page) == []
    page.evaluate("() => document.querySelector('label[for=email]').remove()")

    found = violations(page)
    assert [v["id"] for v in found] == ["label"]
    report = describe(found, page.url)
    assert "label (critical)" in report
    assert "at #email" in report
