"""Journey through the minutes: the chair edits the draft in place, finalises it, corrects it
with a reason, and prints it with nothing but the minutes on paper."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conference.conferences import queries
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, expect_not_reloaded, mark_page, without_refusals

pytestmark = pytest.mark.browser


@pytest.fixture
def held(app):
    world = factories.meeting_world()
    factories.hold_meeting(world)
    world.first = queries.agenda_items(world.conference.id)[0]
    return world


def sign_in_as(page: Page, user) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def edit_record(page: Page, reference: str, *, verb: str = "Edit") -> None:
    page.get_by_text(f"{verb} the record on case {reference}").click()


def test_the_chair_edits_finalises_corrects_and_prints_the_minutes(held, page, console_log):
    reference = held.first.case.reference
    minutes = f"/conferences/{held.conference.id}/minutes"
    sign_in_as(page, held.chair)
    page.goto(minutes)
    expect(page.get_by_role("heading", level=1)).to_have_text("Draft minutes")
    check_accessibility(page)

    # Edited in place: the record shows the new words without a page load.
    mark_page(page)
    edit_record(page, reference)
    record = page.locator(f"#record-{held.first.id}")
    record.get_by_label("Risks to children").fill("The child saw the last assault.")
    record.get_by_role("button", name=re.compile("Save the record")).click()
    expect_done(page, f"The record on case {reference} is saved.")
    expect(page.locator(f"#record-{held.first.id}")).to_contain_text("The child saw the last")
    expect_not_reloaded(page)

    page.get_by_role("button", name="Finalise the minutes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes")
    expect_done(page, "The minutes are final.")

    # A correction needs a reason; with one, it is listed with who made it.
    edit_record(page, reference, verb="Correct")
    record = page.locator(f"#record-{held.first.id}")
    record.get_by_label("Decisions").fill("Refer for target hardening and a sanctuary scheme.")
    record.get_by_role("button", name=re.compile("Save the correction")).click()
    reason = page.locator(f"#record-{held.first.id}").get_by_label("Reason for the correction")
    expect(reason).to_have_accessible_description(re.compile("give the reason"))
    check_accessibility(page)
    reason.fill("The sanctuary scheme was agreed but not typed.")
    page.locator(f"#record-{held.first.id}").get_by_role(
        "button", name=re.compile("Save the correction")
    ).click()
    expect_done(page, f"The record on case {reference} is saved.")
    expect(page.locator("#revision-1")).to_contain_text("Revision 1 by Chay Ring")
    check_accessibility(page, again=True)  # final minutes with a revision
    expect(page.locator("#revision-1")).to_contain_text("changed: Decisions")

    # On paper: the minutes and their marking, no menus, forms or buttons.
    page.goto(f"{minutes}/print")
    page.emulate_media(media="print")
    expect(page.locator(".govuk-template__header")).to_be_hidden()
    expect(page.locator(".govuk-footer")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.locator(".app-minutes__marking").first).to_be_visible()
    case = page.locator(f"#case-{held.first.id}")
    expect(case.get_by_text("Refer for target hardening and a sanctuary scheme.")).to_be_visible()
    assert without_refusals(console_log) == []
