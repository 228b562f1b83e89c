"""The chair's opening offers only what works: nothing to record before the meeting can open,
nobody twice in the picker, and no research warning for an agency that sent its information;
the coordinator's agenda names each case's advocate and flags a case without one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from conference.conferences import queries
from conference.db import utcnow
from conference.extensions import db
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_not_reloaded, mark_page, sign_in

pytestmark = pytest.mark.browser


def _picker_names(page: Page) -> list[str]:
    return page.get_by_label("Person with an account").locator("option").all_inner_texts()


def _add_person(page: Page, name: str) -> None:
    select = page.get_by_label("Person with an account")
    select.select_option(select.locator("option", has_text=name).get_attribute("value"))
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("cell", name=re.compile(name)).first).to_be_visible()


def test_the_chair_is_offered_attendance_only_when_it_works(app, page, console_log):
    world = factories.meeting_world()
    world.conference.starts_at = utcnow() + timedelta(days=2)
    db.session.commit()
    meeting_url = f"/conferences/{world.conference.id}/meeting"

    sign_in(page, world.chair.email, factories.PASSWORD)
    page.goto(meeting_url)
    expect(page.get_by_text("You can record attendance from then")).to_be_visible()
    for control in ("Record apologies", "Add the person", "Start the meeting"):
        expect(page.get_by_role("button", name=re.compile(control))).to_have_count(0)
    expect(page.get_by_label("Person with an account")).to_have_count(0)
    check_accessibility(page)

    # The meeting's day comes: everything is there, and what is done is not offered again.
    world.conference.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    page.goto(meeting_url)
    mark_page(page)
    assert any(name.startswith("Police Rep") for name in _picker_names(page))
    _add_person(page, "Police Rep")
    assert not any(name.startswith("Police Rep") for name in _picker_names(page))
    assert any(name.startswith("Health Rep") for name in _picker_names(page))

    housing = page.locator(f"#agency-{world.housing.id}")
    housing.get_by_label("Yes").check()
    housing.get_by_role("button", name=re.compile("Record apologies")).click()
    expect(page.locator(f"#agency-{world.housing.id}")).to_contain_text("Information sent")
    warning = page.locator(".govuk-warning-text", has_text="Core agencies not present")
    expect(warning).to_contain_text("Housing: apologies, information sent")
    expect(warning).not_to_contain_text("Housing: no research returned")
    check_accessibility(page, again=True)

    for person in ("Chay Ring", "Health Rep", "Childrens Rep", "Ada Vocate"):
        _add_person(page, person)
    page.get_by_role("button", name="Everyone listed has accepted the statement").click()
    expect_not_reloaded(page)
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Meeting of")
    gaps = page.locator(".app-console__gaps")
    expect(gaps).to_contain_text("Housing (apologies, information sent)")
    expect(gaps).not_to_contain_text("Housing (no research)")
    assert console_log.problems() == []


def test_the_coordinators_agenda_names_advocates_and_flags_a_case_without(app, new_page):
    world = factories.meeting_world()
    first, second = queries.agenda_items(world.conference.id)[:2]
    second.case.advocate_id = None
    db.session.commit()

    page = new_page(java_script_enabled=False)
    sign_in(page, world.coordinator.email, factories.PASSWORD)
    page.goto(f"/conferences/{world.conference.id}")
    expect(page.get_by_role("columnheader", name="Advocate").first).to_be_visible()
    expect(page.locator(f"#item-{first.id}")).to_contain_text("Ada Vocate")
    expect(page.locator(f"#item-{first.id}")).not_to_contain_text("No advocate")
    expect(page.locator(f"#item-{second.id}")).to_contain_text("No advocate")
