"""Journeys through conferences: the coordinator ordering, moving and publishing agendas, and an
agency's research returns reaching the coordinator's grid. They use the demo conferences
(conference/demo/conferences.py): Northbridge's next conference has its agenda published, the
one after it is still scheduled."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.accessibility import check_accessibility
from tests.browser.steps import (
    agenda_row,
    agenda_rows,
    case_reference,
    choose_conference,
    expect_done,
    expect_heading,
    expect_not_reloaded,
    grid_cell,
    mark_page,
    menu,
    open_agenda,
    order_button,
    research_block,
    sign_in,
    without_refusals,
)

pytestmark = pytest.mark.browser

CHILDREN = "Cases with children in the household"
ADULTS = "Cases with adults only"
HEALTH = "Northbridge Health Trust"


def in_order(*victims: str) -> list[re.Pattern[str]]:
    """What the rows of an agenda section show, one victim per row, in this order."""
    return [re.compile(re.escape(victim)) for victim in victims]


def test_the_coordinator_orders_moves_and_publishes_the_next_agenda(demo, page, console_log):
    sign_in(page, "coordinator")
    # The scheduled agenda has one case in each section: nothing to put in order yet.
    scheduled = open_agenda(page, "Scheduled")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Scheduled")
    expect(agenda_rows(page, CHILDREN)).to_have_text(in_order("Nadia Haddad"))
    expect(page.get_by_role("button", name=re.compile(r"^(Up|Down)\b"))).to_have_count(0)

    # Sofia Reyes comes over from the published agenda: leaving it needs a reason.
    published = open_agenda(page, "Agenda published")
    sofia = case_reference(agenda_row(page, "Sofia Reyes"))
    page.get_by_role("link", name=f"Move {sofia} to another conference").click()
    expect_heading(page, f"Move case {sofia}")
    choose_conference(page, scheduled)
    page.get_by_role("button", name="Move the case").click()
    expect(page.get_by_label("Reason for the change")).to_have_accessible_description(
        re.compile("The agenda is published: give a reason for moving this case")
    )
    check_accessibility(page)
    expect(page.get_by_label("Conference", exact=True).locator("option:checked")).to_contain_text(
        scheduled
    )
    page.get_by_label("Reason for the change").fill("Her IDVA is on leave until December.")
    page.get_by_role("button", name="Move the case").click()
    expect_done(page, f"Case {sofia} moved to {scheduled}.")
    expect(agenda_rows(page, CHILDREN)).to_have_text(in_order("Bethan Morley"))

    # On the scheduled agenda she comes last among the children; Up and Down reorder in place.
    open_agenda(page, "Scheduled")
    children = agenda_rows(page, CHILDREN)
    expect(children).to_have_text(in_order("Nadia Haddad", "Sofia Reyes"))
    mark_page(page)
    order_button(page, "Sofia Reyes", "Up").click()
    expect(children).to_have_text(in_order("Sofia Reyes", "Nadia Haddad"))
    # Focus stays on the case moved (now first, so on its Down), and the page says what moved.
    expect(order_button(page, "Sofia Reyes", "Down")).to_be_focused()
    expect(page.locator("#page-announce")).to_have_text(re.compile(r"moved up$"))
    page.keyboard.press("Enter")
    expect(children).to_have_text(in_order("Nadia Haddad", "Sofia Reyes"))
    expect(order_button(page, "Sofia Reyes", "Up")).to_be_focused()
    order_button(page, "Sofia Reyes", "Up").click()
    expect(children).to_have_text(in_order("Sofia Reyes", "Nadia Haddad"))
    expect_not_reloaded(page)

    # Harriet Coles goes onto the published agenda: joining it needs a reason too.
    harriet = case_reference(agenda_row(page, "Harriet Coles"))
    page.get_by_role("link", name=f"Move {harriet} to another conference").click()
    choose_conference(page, published)
    page.get_by_role("button", name="Move the case").click()
    reason = page.get_by_label("Reason for the change")
    expect(reason).to_have_accessible_description(
        re.compile("The agenda is published: give a reason for adding this case")
    )
    reason.fill("Bail conditions end next week; the risk cannot wait a month.")
    page.get_by_role("button", name="Move the case").click()
    expect_done(page, f"Case {harriet} moved to {published}.")
    expect(agenda_row(page, "Harriet Coles")).to_have_count(0)
    expect(page.get_by_role("table", name=re.compile(ADULTS))).to_have_count(0)

    page.get_by_role("button", name="Publish the agenda").click()
    expect_done(page, re.compile(r"Agenda published\. \d+ agencies are invited"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{scheduled} Agenda published")
    expect(page.get_by_role("button", name="Publish the agenda")).to_have_count(0)
    expect(page.get_by_role("link", name="Research returns by agency")).to_be_visible()
    # The order chosen before publishing is the order saved.
    expect(agenda_rows(page, CHILDREN)).to_have_text(in_order("Sofia Reyes", "Nadia Haddad"))

    # The published agenda lists Harriet Coles, with the change and its reason.
    open_agenda(page, "Agenda published")
    expect(page.get_by_role("heading", level=1)).to_contain_text(published)
    expect(agenda_rows(page, ADULTS)).to_have_text(in_order("Imani Osei", "Harriet Coles"))
    changes = page.get_by_role("table", name="Cases added or removed after publication")
    expect(changes.get_by_role("row").filter(has_text=harriet)).to_contain_text(
        "Bail conditions end next week"
    )
    expect(changes.get_by_role("row").filter(has_text=sofia)).to_contain_text(
        "Her IDVA is on leave until December."
    )
    assert without_refusals(console_log) == []


def test_an_agency_s_research_returns_reach_the_coordinator_s_grid(demo, new_page, console_log):
    coordinator = new_page()
    sign_in(coordinator, "coordinator")
    label = open_agenda(coordinator, "Agenda published")
    bethan = case_reference(agenda_row(coordinator, "Bethan Morley"))
    sofia = case_reference(agenda_row(coordinator, "Sofia Reyes"))
    imani = case_reference(agenda_row(coordinator, "Imani Osei"))
    coordinator.get_by_role("link", name="Research returns by agency").click()
    expect_heading(coordinator, f"Research returns for {label}")
    for reference in (bethan, sofia, imani):
        expect(grid_cell(coordinator, HEALTH, reference)).to_have_text("Missing")

    health = new_page()
    sign_in(health, "health")
    menu(health, "Research")
    expect_heading(health, "Research for conferences")
    expect(health.get_by_role("row").filter(has_text=label)).to_contain_text("0 of 3")
    health.get_by_role("link", name=label).click()
    expect_heading(health, f"Research for {label}")
    mark_page(health)

    # Not known: saved in place.
    block = research_block(health, bethan)
    block.get_by_label("Not known to us").check()
    block.get_by_role("button", name=re.compile("^Save the return")).click()
    expect(block.get_by_text("Saved.")).to_be_visible()
    expect(block.get_by_role("button", name=re.compile("^Update the return"))).to_be_visible()
    # Focus stays on the return saved, and the page's own live region says so.
    expect(block.get_by_role("button", name=re.compile("^Update the return"))).to_be_focused()
    expect(health.locator("#page-announce")).to_have_text(f"Return on {bethan} saved")

    # Something typed on another case, not saved yet, must survive the next save.
    unsaved = "Checking the GP record first."
    research_block(health, sofia).get_by_label("What your agency will share at the meeting").fill(
        unsaved
    )

    # Known, but nothing said: refused beside the summary; the choices made are kept.
    block = research_block(health, imani)
    block.get_by_label("Known to us: we will share information").check()
    block.get_by_label("Pregnancy or a new baby").check()
    block.get_by_role("button", name=re.compile("^Save the return")).click()
    summary = block.get_by_label("What your agency will share at the meeting")
    expect(summary).to_have_accessible_description(
        re.compile("Enter what your agency will share at the meeting")
    )
    expect(block.get_by_label("Known to us: we will share information")).to_be_checked()
    expect(block.get_by_label("Pregnancy or a new baby")).to_be_checked()
    expect(block.get_by_text("Saved.")).to_have_count(0)
    check_accessibility(health, again=True)  # a refused return, swapped in place
    expect(
        research_block(health, sofia).get_by_label("What your agency will share at the meeting")
    ).to_have_value(unsaved)

    said = "Booked with the midwife at 20 weeks; she disclosed he controls her money and phone."
    summary.fill(said)
    block.get_by_role("button", name=re.compile("^Save the return")).click()
    expect(block.get_by_text("Saved.")).to_be_visible()
    expect(block.get_by_text("Last saved by Rob Patel")).to_be_visible()
    expect(summary).to_have_value(said)
    expect_not_reloaded(health)

    menu(health, "Research")
    expect(health.get_by_role("row").filter(has_text=label)).to_contain_text("2 of 3")

    # The coordinator's grid now shows them where it said Missing.
    coordinator.reload()
    expect(grid_cell(coordinator, HEALTH, bethan)).to_have_text("Not known")
    expect(grid_cell(coordinator, HEALTH, imani)).to_contain_text("Known")
    expect(grid_cell(coordinator, HEALTH, imani)).to_contain_text("1 risk flag")
    expect(grid_cell(coordinator, HEALTH, sofia)).to_have_text("Missing")
    check_accessibility(coordinator, again=True)  # the grid with returns
    expect(coordinator.get_by_text(said)).to_be_visible()
    assert without_refusals(console_log) == []


def test_without_javascript_moving_a_case_up_reloads_the_agenda_in_its_new_order(demo, new_page):
    page = new_page(java_script_enabled=False)
    sign_in(page, "coordinator")
    label = open_agenda(page, "Agenda published")
    children = agenda_rows(page, CHILDREN)
    expect(children).to_have_text(in_order("Bethan Morley", "Sofia Reyes"))

    with page.expect_request(lambda r: r.is_navigation_request() and r.method == "POST"):
        order_button(page, "Sofia Reyes", "Up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(label)
    expect(children).to_have_text(in_order("Sofia Reyes", "Bethan Morley"))

    # The order is saved: the agenda opened afresh shows it.
    open_agenda(page, "Agenda published")
    expect(children).to_have_text(in_order("Sofia Reyes", "Bethan Morley"))
