"""Pages that hold their shape: no page of any role scrolls sideways on a laptop or a small
phone (wide tables scroll in their own area), the tracker's short values stay on one line, an
agenda's sections line up, and the menu takes at most two rows."""

from __future__ import annotations

import re
from itertools import pairwise

import pytest
from playwright.sync_api import Page, expect

from conference.demo.seed import USERS
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import open_agenda, sign_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
SMALL_PHONE = {"width": 320, "height": 640}
#: Links that download rather than show a page.
DOWNLOADS = re.compile(r"\.(csv|ics|html)(\?|$)|/download")


def _main_pages(page: Page) -> list[str]:
    """Every page the menu and Home link to, in the order found."""
    page.goto("/")
    links = page.locator("nav[aria-label='Main menu'] a, main a[href^='/']")
    found: list[str] = []
    for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if href and href.startswith("/") and not DOWNLOADS.search(href) and href not in found:
            found.append(href)
    return found


def _overflow(page: Page) -> int:
    """How far the document is wider than the window (0: no sideways scroll)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def _signed_in(page: Page, who: str) -> None:
    sign_in(page, who)
    page.wait_for_load_state("load")
    accept = page.get_by_role("button", name=re.compile(r"^I accept the .* agreement$"))
    if accept.count():  # the one demo login yet to accept its MARAC's current agreement
        accept.click()
        page.wait_for_load_state("load")


@pytest.mark.parametrize("who", [local for local, *_ in USERS])
def test_no_main_page_of_any_role_scrolls_sideways_on_a_laptop_or_a_small_phone(
    demo, new_page, who
):
    page = new_page(viewport=LAPTOP)
    _signed_in(page, who)
    pages = _main_pages(page)
    assert len(pages) >= 3, pages
    too_wide = []
    for size in (LAPTOP, SMALL_PHONE):
        page.set_viewport_size(size)
        for path in pages:
            page.goto(path)
            if size is LAPTOP:
                check_accessibility(page)
            if (extra := _overflow(page)) > 0:
                too_wide.append(f"{path} at {size['width']} px: {extra} px too wide")
    assert too_wide == []


def test_the_tracker_keeps_each_reference_due_date_and_status_on_one_line(demo, new_page):
    page = new_page(viewport=LAPTOP)
    _signed_in(page, "coordinator")
    page.goto("/actions/tracker?status=all")
    lines = page.locator("#tracked-actions tbody tr").evaluate_all(
        """rows => rows.map(row => {
            const lines = (el) => el ? el.getClientRects().length : 0;
            return [lines(row.cells[0].querySelector('a')),
                    lines(row.cells[3].querySelector('.app-nowrap')),
                    lines(row.cells[4].querySelector('.govuk-tag'))];
        })"""
    )
    assert len(lines) > 10
    assert {tuple(each) for each in lines} == {(1, 1, 1)}


def test_an_agendas_sections_share_their_column_widths(demo, new_page):
    page = new_page(viewport=LAPTOP)
    _signed_in(page, "coordinator")
    open_agenda(page, "Agenda published")
    edges = page.locator("table.app-agenda").evaluate_all(
        """tables => tables.map(t => [...t.tHead.rows[0].cells].map(
            c => Math.round(c.getBoundingClientRect().left)))"""
    )
    assert len(edges) >= 3  # children, adults and a standing section
    # Case, victim, advocate and where the referral's columns start: the same in every section.
    assert len({tuple(each[:4]) for each in edges}) == 1, edges
    # The case sections line up column for column.
    cases = [each for each in edges if len(each) == len(edges[0])]
    assert len({tuple(each) for each in cases}) == 1, edges


@pytest.mark.parametrize("who, rows", [("coordinator", 2), ("police", 1), ("steering", 1)])
def test_the_menu_fits_one_row_or_two_sensible_groups_on_a_laptop(demo, new_page, who, rows):
    page = new_page(viewport=LAPTOP)
    _signed_in(page, who)
    menu = page.get_by_role("navigation", name="Main menu")
    tops = menu.get_by_role("link").evaluate_all(
        "links => links.map(a => Math.round(a.getBoundingClientRect().top))"
    )
    ordered = sorted(tops)
    assert 1 + sum(b - a > 15 for a, b in pairwise(ordered)) == rows, tops
    if rows == 2:  # the case work first, then the figures and oversight
        second_row = menu.get_by_role("link").filter(has_text="Audit log")
        expect(second_row).to_be_visible()
        first = menu.get_by_role("link", name="Action tracker").bounding_box()
        oversight = menu.get_by_role("link", name="Data return").bounding_box()
        assert first is not None and oversight is not None and oversight["y"] > first["y"]
