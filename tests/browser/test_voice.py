"""The advocate records a victim's voice before the conference: a gap is refused beside its
field with everything typed kept, then saved in place. Uses the demo: Jo Whitfield (idva) is the
advocate of Bethan Morley and Imani Osei, on the agenda published for Northbridge's next
conference."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conference.accounts.models import Marac
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.services import today_in
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import (
    expect_done,
    expect_heading,
    expect_not_reloaded,
    mark_page,
    menu,
    sign_in,
    without_refusals,
)

pytestmark = pytest.mark.browser

VIEWS = "She thinks he will come back when his bail ends; she wants the police to know."
CONSENT = "Everything except the name of her new workplace."


def _row(page: Page, victim: str):
    return page.get_by_role("row").filter(has_text=victim)


def _fill_contact_made(page: Page) -> None:
    """Yes, today, by phone, with what she agrees to share and how to reach her safely."""
    marac = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    today = today_in(marac, utcnow())
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("radio", name="Phone call").check()
    page.get_by_label("What she agrees may be shared at the meeting").fill(CONSENT)
    page.get_by_label("How she can safely be contacted").fill("Her sister's phone, evenings.")


def test_the_advocate_records_her_voice_and_a_gap_is_refused_keeping_the_typing(
    demo, page, console_log
):
    sign_in(page, "idva")
    menu(page, "Victim's voice")
    expect_heading(page, "Victim's voice")
    bethan = _row(page, "Bethan Morley")
    expect(bethan).to_contain_text("Not recorded")
    bethan.get_by_role("link").click()
    expect_heading(page, re.compile(r"^Her voice: case NB-\d{4}-\d{4}$"))
    mark_page(page)

    # Contact made, but nothing of what she said: refused beside the field, the rest kept.
    _fill_contact_made(page)
    page.get_by_role("button", name=re.compile("^Save her voice")).click()
    views = page.get_by_label("Her views")
    expect(views).to_have_accessible_description(
        re.compile("Enter at least one of her views, wishes or fears")
    )
    expect(
        page.get_by_role("link", name=re.compile("Enter at least one of her views"))
    ).to_be_visible()
    expect(page.get_by_role("radio", name="Yes")).to_be_checked()
    expect(page.get_by_role("radio", name="Phone call")).to_be_checked()
    expect(page.get_by_label("What she agrees may be shared at the meeting")).to_have_value(CONSENT)
    expect(page.get_by_text("Saved.")).to_have_count(0)
    check_accessibility(page)

    views.fill(VIEWS)
    page.get_by_role("button", name=re.compile("^Save her voice")).click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    block = page.locator("[id^=voice-before-]")
    expect(block).to_contain_text("Recorded")
    expect(block).to_contain_text("Last saved by Jo Whitfield")
    expect(views).to_have_value(VIEWS)
    expect_not_reloaded(page)

    menu(page, "Victim's voice")
    expect(_row(page, "Bethan Morley")).to_contain_text("Recorded")
    expect(_row(page, "Imani Osei")).to_contain_text("Not recorded")
    assert without_refusals(console_log) == []


def test_without_javascript_saving_reloads_the_page_with_the_message(demo, new_page):
    page = new_page(java_script_enabled=False)
    sign_in(page, "idva")
    menu(page, "Victim's voice")
    _row(page, "Imani Osei").get_by_role("link").click()
    _fill_contact_made(page)
    page.get_by_label("Her fears").fill("That he will find her through her family.")
    page.get_by_role("button", name=re.compile("^Save her voice")).click()
    expect_done(page, re.compile(r"Her voice on case NB-\d{4}-\d{4} is saved\."))
    expect(page.get_by_label("Her fears")).to_have_value(
        "That he will find her through her family."
    )


def test_the_advocate_records_that_it_is_not_safe_to_tell_her(app, new_page, console_log):
    world = factories.held_meeting_world()
    case = world.cases[0]
    page = new_page()
    sign_in(page, world.advocate.email, factories.PASSWORD)
    menu(page, "Victim's voice")
    row = page.get_by_role("row").filter(has_text=case.reference)
    expect(row).to_contain_text("Outcome to tell her")
    row.get_by_role("link").first.click()
    expect_heading(page, re.compile(r"^Her voice: case "))
    page.get_by_role("radio", name="Not safe to contact her").check()
    page.get_by_role("button", name=re.compile("^Save the outcome")).click()
    reason = page.get_by_label("Why is it not safe to contact her?")
    expect(reason).to_have_accessible_description(
        re.compile("Say why it is not safe to contact her")
    )
    expect(page.get_by_role("radio", name="Not safe to contact her")).to_be_checked()
    reason.fill("He moved back in on Friday; she asked us not to call.")
    page.get_by_role("button", name=re.compile("^Save the outcome")).click()
    expect(page.get_by_text("Not safe to contact her: no reminders.")).to_be_visible()
    menu(page, "Victim's voice")
    expect(page.get_by_role("row").filter(has_text=case.reference)).to_contain_text(
        "Not safe to contact her"
    )
    assert without_refusals(console_log) == []
