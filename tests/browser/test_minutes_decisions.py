"""The minutes keep the meeting's decisions on overdue actions: the chair finalises them, and
housing, which sent apologies but owns one of the actions decided on, opens its own copy from
the notice that they are final."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, expect_heading, sign_in, without_refusals

pytestmark = pytest.mark.browser


def test_housing_reads_the_decision_on_its_action_after_sending_apologies(
    app, new_page, console_log
):
    world = factories.reviewed_meeting_world()
    item_id = world.standing_item.id
    chair = new_page()
    sign_in(chair, world.chair.email, factories.PASSWORD)
    chair.goto(f"/conferences/{world.conference.id}/minutes")
    decisions = chair.get_by_role(
        "table", name=f"Overdue actions reviewed on case {world.vera.reference}"
    )
    expect(decisions).to_contain_text("Move her to a safe flat")
    expect(decisions).to_contain_text("Kept open, now due")
    expect(decisions).to_contain_text("Footage seized and kept")
    expect(chair.get_by_role("link", name=f"Copy for {world.housing.name}")).to_be_visible()
    chair.get_by_role("button", name="Finalise the minutes").click()
    expect_done(chair, "The minutes are final.")

    housing = new_page()
    sign_in(housing, world.housing_rep.email, factories.PASSWORD)
    nav = housing.get_by_role("navigation", name="Main menu")
    nav.get_by_role("link", name=re.compile(r"^Notifications \d+ unread$")).click()
    expect_heading(housing, "Notifications")
    housing.get_by_role("button", name=re.compile("minutes of .* are final")).click()
    expect(housing.get_by_role("heading", level=1)).to_have_text(
        f"Minutes: {world.housing.name}'s copy"
    )
    case = housing.locator(f"#case-{item_id}")
    expect(case).to_contain_text(world.vera.reference)
    expect(case).to_contain_text("A flat is promised for next month")
    expect(case).not_to_contain_text("CCTV")  # the police's action, not housing's
    check_accessibility(housing)
    assert without_refusals(console_log) == []
