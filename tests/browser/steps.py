"""Steps shared by the browser journeys, written as a person does them."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from conference.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests.browser.accessibility import check_accessibility

SIGN_IN_URL = re.compile(r"/sign-in(\?.*)?$")


def demo_email(local: str) -> str:
    """The demo account's address from its local part, e.g. 'chair'."""
    return local if "@" in local else f"{local}@{DEMO_DOMAIN}"


def sign_in(page: Page, who: str, password: str = DEMO_PASSWORD) -> None:
    """Fill in and send the sign-in form; who is an email or a demo local part."""
    page.goto("/sign-in")
    check_accessibility(page)
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
    page_ready(page)


def page_ready(page: Page) -> None:
    """The page has loaded and htmx has wired it up: a change made sooner would be missed."""
    page.wait_for_load_state("load")


def expect_heading(page: Page, text: str | re.Pattern[str]) -> None:
    """The page's h1 reads text; the page, now arrived at, passes the accessibility check."""
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    check_accessibility(page)


def expect_done(page: Page, text: str | re.Pattern[str]) -> None:
    """The green 'Done' banner a successful change leaves on the next page."""
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)
    check_accessibility(page)


def row_of(page: Page, reference: str) -> Locator:
    """The row of a table (Your referrals, Screening) that names the referral."""
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=reference))


# Conferences, agendas and research ---------------------------------------------------------

CASE_REFERENCE = re.compile(r"[A-Z]{2}-\d{4}-\d{4}")


def open_agenda(page: Page, status: str) -> str:
    """From Conferences, open the agenda of the soonest conference with that status tag
    (e.g. 'Scheduled', 'Agenda published'); returns its label, like 'Thursday 26 ... at 10am'."""
    menu(page, "Conferences")
    expect_heading(page, "Conferences")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=status, exact=True))
    label = row.first.get_by_role("cell").first.inner_text().strip()
    row.first.get_by_role("link", name=f"Agenda for {label}").click()
    page_ready(page)  # its stylesheets too: a test may measure the page's layout
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    check_accessibility(page)
    return label


def agenda_rows(page: Page, section: str) -> Locator:
    """The rows of one agenda section's table, in meeting order."""
    table = page.get_by_role("table", name=re.compile(re.escape(section)))
    return table.locator("tbody").get_by_role("row")


def agenda_row(page: Page, victim: str) -> Locator:
    """The agenda row (in any section) of the victim's case."""
    return page.locator("#agenda").get_by_role("row").filter(has_text=victim)


def case_reference(row: Locator) -> str:
    """The case reference a row names, like NB-2026-0005."""
    found = CASE_REFERENCE.search(row.inner_text())
    assert found is not None, f"no case reference in {row.inner_text()!r}"
    return found.group(0)


def choose_conference(page: Page, label: str) -> None:
    """Pick a conference in the move or list form by its label."""
    select = page.get_by_label("Conference", exact=True)
    value = select.locator("option", has_text=label).get_attribute("value")
    select.select_option(value)


def mark_page(page: Page) -> None:
    """Leave a marker on this page's window; a full page load would wipe it.

    Only once the page has loaded (htmx wires it up before then): a link clicked sooner is
    followed as a plain link.
    """
    page_ready(page)
    page.evaluate("window.stillThisPage = true")


def expect_not_reloaded(page: Page) -> None:
    assert page.evaluate("window.stillThisPage === true"), "the page was reloaded"


def research_block(page: Page, reference: str) -> Locator:
    """One case's part of an agency's research page, with its return form."""
    return page.get_by_role("region", name=re.compile(rf"\d+\. Case {re.escape(reference)}$"))


def grid_cell(page: Page, agency: str, reference: str) -> Locator:
    """The coordinator's research grid: the agency's cell for the case."""
    headers = page.get_by_role("columnheader").all_inner_texts()
    column = [h.strip() for h in headers].index(reference) - 1  # less the 'Agency' column
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=agency, exact=True))
    return row.get_by_role("cell").nth(column)


def order_button(page: Page, victim: str, direction: str) -> Locator:
    """The 'Up' or 'Down' button on the victim's agenda row."""
    return agenda_row(page, victim).get_by_role("button", name=re.compile(rf"^{direction}\b"))


def without_refusals(console_log) -> list[str]:
    """Console problems, less the 422s a refused form answers with."""
    return [m for m in console_log.problems() if "status of 422" not in m]
