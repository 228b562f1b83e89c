"""A repeat-incident notice as people click it: a police representative finds a case on her
agency's flagged list and reports a new incident; the coordinator screens it, sees the previous
plan, accepts it and the case is listed for the next conference."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conference.db import utcnow
from tests import factories
from tests.browser.steps import (
    expect_done,
    expect_heading,
    menu,
    sign_in,
    sign_out,
    without_refusals,
)

pytestmark = pytest.mark.browser


def test_a_rep_reports_a_new_incident_and_the_coordinator_lists_the_case(
    app, new_page, console_log
):
    world = factories.held_meeting_world()
    case = world.cases[0]
    reference = case.reference
    today = utcnow().date()
    page = new_page()

    sign_in(page, world.police_rep.email, factories.PASSWORD)
    menu(page, "Flagged cases")
    expect_heading(page, "Flagged cases")
    page.get_by_role("link", name=f"Report a new incident on case {reference}").click()
    expect_heading(page, "Report a new incident")
    when = page.get_by_role("group", name="When did it happen?")
    when.get_by_label("Day").fill(str(today.day))
    when.get_by_label("Month").fill(str(today.month))
    when.get_by_label("Year").fill(str(today.year))
    page.get_by_label("What happened?").fill("He came to her door at night and kicked it.")
    page.get_by_role("group", name="Who caused the harm?").get_by_role("radio").first.check()
    page.get_by_label("Who reported it?").fill("A neighbour called the police")
    page.get_by_role("button", name="Send to the coordinator").click()
    expect_done(page, re.compile(f"is sent to the coordinator as a repeat on case {reference}"))
    expect_heading(page, re.compile("Repeat-incident notice R-"))
    sign_out(page)

    sign_in(page, world.coordinator.email, factories.PASSWORD)
    menu(page, "Screening")
    page.get_by_role("row", name=re.compile("Repeat-incident notice")).get_by_role(
        "link"
    ).first.click()
    expect_heading(page, re.compile("Repeat-incident notice R-"))
    expect(page.get_by_role("heading", name="The previous plan")).to_be_visible()
    expect(page.get_by_text("He came to her door at night and kicked it.")).to_be_visible()
    page.get_by_label("Accept").check()
    page.get_by_label("Reason").fill("A repeat: back to the next conference.")
    page.get_by_role("button", name="Record the decision").click()
    expect_done(page, re.compile(f"accepted into case {reference}"))
    page.goto(f"/conferences/{world.following.id}")
    expect(page.get_by_text(reference).first).to_be_visible()
    assert without_refusals(console_log) == []
