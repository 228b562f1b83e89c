"""The coordinator opens the data return for a period, reads the charts beside their tables,
downloads a table and opens the printable report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import menu, sign_in, without_refusals
from tests.reports.conftest import build_record

pytestmark = pytest.mark.browser

BAR_CHARTS = (
    *("conferences", "repeats", "sources", "referrers", "consent", "children", "equality"),
    "volume",
    *("waits", "research", "completion", "overdue", "voice", "minutes"),
)


def check_charts_match_tables(page: Page) -> None:
    """Each bar names a row of its table and shows that row's figure."""
    for key in BAR_CHARTS:
        table = page.locator(f'[data-table="{key}"]')
        chart = page.locator(f'svg[data-chart="{key}"]')
        expect(chart).to_be_visible()
        rows = table.locator("tbody tr:not(.app-report-table__total)")
        bars = chart.locator("g.app-chart__row")
        expect(bars).to_have_count(rows.count())
        value = chart.get_attribute("data-value-column")
        for n in range(rows.count()):
            row, bar = rows.nth(n), bars.nth(n)
            assert bar.get_attribute("data-label") == row.locator("th").inner_text().strip()
            shown = row.locator(f'td[data-column="{value}"]').inner_text().strip()
            if shown == "not shown" and row.locator('td[data-column="count"]').count():
                # A hidden share's bar says how the count was hidden.
                shown = row.locator('td[data-column="count"]').inner_text().strip()
            assert (bar.get_attribute("data-text") or "").startswith(shown), (key, n)
            if shown not in ("–", "", "not shown") and not shown.startswith("fewer"):
                expect(bar.locator("rect.app-chart__bar")).to_have_count(1)


def test_the_coordinator_reads_the_return_for_a_period(app, new_page, console_log):
    record = build_record()
    page = new_page()
    sign_in(page, record.coordinator.email, factories.PASSWORD)
    menu(page, "Data return")
    expect(page.get_by_role("heading", level=1)).to_have_text("Data return")
    check_accessibility(page)

    page.get_by_label("Period").select_option(label="Other dates (enter them below)")
    start = page.get_by_role("group", name="From")
    start.get_by_label("Day").fill("1")
    start.get_by_label("Month").fill("7")
    start.get_by_label("Year").fill("2026")
    end = page.get_by_role("group", name="To")
    end.get_by_label("Day").fill("30")
    end.get_by_label("Month").fill("9")
    end.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show the return").click()

    # Dates that make a whole quarter are named as the quarter.
    expect(page.locator("#period")).to_have_text("July to September 2026")
    figures = page.locator("#key-figures")
    expect(figures).to_contain_text("Cases discussed")
    expect(figures).to_contain_text("50.0%")
    check_charts_match_tables(page)
    check_accessibility(page, again=True)  # with a period's figures and charts
    spread = page.locator('svg[data-chart="wait_spread"]')
    expect(spread.locator(".app-chart__median")).to_have_attribute("data-text", "13 days")
    police = page.locator('[data-table="referrers"] tr').filter(
        has_text=record.agencies["police"].name
    )
    expect(police.locator('td[data-column="count"]')).to_have_text("3")

    # Printed as it stands, the page with exact counts shows none of them.
    page.emulate_media(media="print")
    expect(page.locator("#key-figures")).to_be_hidden()
    expect(page.get_by_text("To print the return, open the printable report")).to_be_visible()
    page.emulate_media(media="screen")

    with page.expect_download() as download:
        page.locator("#referrers").get_by_role(
            "link", name=re.compile("Download this table")
        ).click()
    text = download.value.path().read_text(encoding="utf-8")
    assert f"{record.agencies['police'].name},fewer than 5,not shown" in text

    page.get_by_role("link", name="Open the whole return as a printable report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data return: July to September 2026")
    check_accessibility(page)
    police = page.locator('[data-table="referrers"] tr').filter(
        has_text=record.agencies["police"].name
    )
    expect(police.locator('td[data-column="count"]')).to_have_text("fewer than 5")
    check_charts_match_tables(page)
    assert without_refusals(console_log) == []
