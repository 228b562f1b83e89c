"""Journeys through the schedule: the coordinator changes the meeting rule and watches the
dates it will make, adds an extra conference and cancels it, takes a case off an agenda and
lists it again; a practitioner subscribes to the schedule in a calendar app."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from conference.db import utcnow
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import (
    agenda_row,
    case_reference,
    choose_conference,
    expect_done,
    expect_heading,
    menu,
    open_agenda,
    page_ready,
    sign_in,
    without_refusals,
)

pytestmark = pytest.mark.browser


def preview(page: Page):
    return page.locator("#rule-preview")


def test_the_coordinator_changes_the_meeting_rule_seeing_the_dates_first(demo, page, console_log):
    sign_in(page, "coordinator")
    menu(page, "Conferences")
    page.get_by_role("link", name="Change the meeting rule for Northbridge MARAC").click()
    expect_heading(page, "Change the meeting rule")
    page_ready(page)

    # The dates follow what is chosen, before anything is saved.
    page.get_by_label("Week of the month").select_option(label="Last")
    page.get_by_label("Day of the week").select_option(label="Friday")
    expect(preview(page)).to_contain_text("Last Friday of every month")
    expect(preview(page).get_by_role("listitem")).to_have_count(6)
    expect(preview(page).get_by_role("listitem").first).to_contain_text(re.compile(r"^Friday"))
    check_accessibility(page, again=True)  # with the preview of the dates

    # A time it cannot read is refused beside the field, and kept as typed.
    page.get_by_label("Start time").fill("half nine")
    page.get_by_role("button", name="Save the rule").click()
    expect(page.locator("#start_time-error")).to_contain_text("Enter a time like 10:00 or 1:30pm")
    expect(page.get_by_label("Start time")).to_have_value("half nine")
    expect(page.get_by_label("Day of the week")).to_have_value("4")
    check_accessibility(page)

    page.get_by_label("Start time").fill("9:30am")
    page.get_by_role("button", name="Save the rule").click()
    expect_done(page, "Meeting rule saved.")
    expect_heading(page, "Conferences")
    expect(
        page.get_by_text(re.compile(r"Meets: Last Friday of every month, 9:30am"))
    ).to_be_visible()
    # The published conference is never moved by the rule.
    expect(page.get_by_role("cell", name="Agenda published", exact=True)).to_have_count(1)
    assert without_refusals(console_log) == []


def test_the_coordinator_adds_an_extra_conference_and_cancels_it(demo, page, console_log):
    day = (utcnow() + timedelta(days=20)).date()
    sign_in(page, "coordinator")
    menu(page, "Conferences")
    page.get_by_role("link", name="Add an extra conference for Northbridge MARAC").click()
    expect_heading(page, "Add an extra conference")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Start time").fill("2pm")
    page.get_by_label("Place").fill("Northbridge Police Station, Room 1")
    page.get_by_role("button", name="Add the conference").click()
    expect_done(page, "Extra conference added")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{day.day} ")
    expect(page.get_by_role("heading", level=1)).to_contain_text("at 2pm")

    page.get_by_role("link", name="Cancel the conference").click()
    page.get_by_role("button", name="Cancel the conference").click()
    expect(page.locator("#reason-error")).to_contain_text("Enter why the conference is cancelled")
    check_accessibility(page)
    page.get_by_label("Why is it cancelled?").fill("Booked by mistake")
    page.get_by_role("button", name="Cancel the conference").click()
    expect_done(page, "is cancelled")
    expect_heading(page, "Conferences")
    expect(page.get_by_role("cell", name="Cancelled", exact=True)).to_have_count(1)
    assert without_refusals(console_log) == []


def test_a_practitioner_subscribes_to_the_schedule_and_the_feed_needs_no_sign_in(
    demo, page, new_page, live_server, console_log
):
    sign_in(page, "police")
    menu(page, "Conferences")
    page.get_by_role("link", name="Add the schedule to your calendar").click()
    expect_heading(page, "Add the conference schedule to your calendar")
    page.get_by_role("button", name="Make my calendar address").click()
    address = page.locator("input[readonly]").input_value()
    assert re.search(r"/calendar/feed/[\w-]{40,}\.ics$", address)
    check_accessibility(page, again=True)  # with the address made

    # A calendar app fetches it with no session at all.
    calendar_app = new_page().context.request
    feed = calendar_app.get(address)
    assert feed.status == 200 and "BEGIN:VCALENDAR" in feed.text()
    assert "Northbridge MARAC conference" in feed.text()
    assert "Bethan" not in feed.text()  # never a case detail

    page.goto(f"{live_server}/calendar")
    page.get_by_role("button", name=re.compile("Stop")).click()
    expect_done(page, "stopped working")
    assert calendar_app.get(address).status == 404
    assert without_refusals(console_log) == []


def test_the_coordinator_takes_a_case_off_an_agenda_and_lists_it_again(demo, page, console_log):
    sign_in(page, "coordinator")
    label = open_agenda(page, "Scheduled")
    harriet = case_reference(agenda_row(page, "Harriet Coles"))
    page.get_by_role("link", name=f"Remove {harriet}").click()
    expect_heading(page, f"Take case {harriet} off the agenda")
    page.get_by_role("button", name="Take it off the agenda").click()
    expect_done(page, f"Case {harriet} is off this agenda. It is waiting to be listed.")
    expect(agenda_row(page, "Harriet Coles")).to_have_count(0)

    menu(page, "Conferences")
    waiting = page.get_by_role("table", name=re.compile("Cases waiting to be listed"))
    expect(waiting).to_contain_text("Harriet Coles")
    check_accessibility(page, again=True)  # with a case waiting to be listed
    waiting.get_by_role("row").filter(has_text=harriet).get_by_role(
        "link", name=re.compile("^List on a conference")
    ).click()
    expect_heading(page, f"List case {harriet}")
    choose_conference(page, label)
    page.get_by_role("button", name="List the case").click()
    expect_done(page, f"Case {harriet} is listed on {label}")
    expect(agenda_row(page, "Harriet Coles")).to_have_count(1)
    assert without_refusals(console_log) == []
