"""Risk tools in a real browser: the stalking question opens its module as it is answered,
and a MARAC on the US-style lethality screen reaches high danger by one of its first three
questions.

Every referral here is made through the pages themselves; none depends on demo referrals.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from conference.accounts.models import Marac
from conference.extensions import db
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_heading, sign_in
from tests.browser.test_referral_journey import (
    POLICE,
    add_the_perpetrator,
    answer_open_modules,
    assert_no_page_problems,
    assessment_panel,
    autosaves_done,
    checklist_question,
    criterion,
    expect_score,
    fill_in_consent,
    fill_in_contact_and_safety,
    fill_in_the_victim,
    save_and_continue,
    say_no_children,
    send_from_the_check_page,
    settle,
    start_a_referral,
)

pytestmark = pytest.mark.browser


def to_the_checklist(page: Page, first: str, last: str) -> str:
    reference = start_a_referral(page)
    fill_in_the_victim(page, first, last)
    save_and_continue(page, "Contact and safety")
    fill_in_contact_and_safety(page)
    save_and_continue(page, "Perpetrators")
    add_the_perpetrator(page)
    save_and_continue(page, "Children in the household")
    say_no_children(page)
    save_and_continue(page, "Risk checklist")
    settle(page)
    return reference


def module_question(page: Page, number: str):
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def test_answering_the_stalking_question_yes_opens_its_questions_and_they_are_scored(
    demo, page, console_log
):
    sign_in(page, POLICE)
    to_the_checklist(page, "Imogen", "Farrow")
    page.evaluate("() => { window.sameChecklistPage = true; }")
    panel = assessment_panel(page)
    module = page.locator("#checklist-module-stalking")
    expect(module.get_by_role("heading", name="Stalking and harassment")).to_have_count(0)
    expect_score(page, 0)

    checklist_question(page, 8).get_by_role("radio", name="Yes", exact=True).check()
    expect(module.get_by_role("heading", name="Stalking and harassment")).to_be_visible()
    expect(module_question(page, "S1")).to_be_visible()
    expect(module_question(page, "S11")).to_be_visible()
    expect_score(page, 1)
    expect(panel).to_contain_text("Stalking and harassment: 0 'yes' answers of 11")
    check_accessibility(page)

    for number in ("S1", "S2", "S3", "S4"):
        module_question(page, number).get_by_role("radio", name="Yes", exact=True).check()
    expect(panel).to_contain_text("Stalking and harassment: 4 'yes' answers of 11")
    expect(panel).not_to_contain_text("point to serious harm")
    module_question(page, "S5").get_by_role("radio", name="Yes", exact=True).check()
    expect(panel).to_contain_text("Stalking and harassment: 5 'yes' answers of 11")
    expect(panel).to_contain_text("The stalking answers point to serious harm")
    expect_score(page, 1)  # the module has its own score beside the checklist's

    # 'No' takes the module away again, and what it held no longer counts.
    checklist_question(page, 8).get_by_role("radio", name="No", exact=True).check()
    expect(module_question(page, "S1")).to_have_count(0)
    expect(panel).not_to_contain_text("Stalking and harassment")
    expect_score(page, 0)
    checklist_question(page, 8).get_by_role("radio", name="Yes", exact=True).check()
    expect(module_question(page, "S1")).to_be_visible()
    expect(module_question(page, "S1").get_by_role("radio", checked=True)).to_have_count(0)
    assert page.evaluate("() => window.sameChecklistPage") is True  # never reloaded
    assert_no_page_problems(console_log)


def test_a_referral_on_the_us_style_tool_reaches_high_danger_by_the_any_of_rule(
    demo, page, console_log
):
    marac = db.session.scalars(sa.select(Marac).where(Marac.code == "NB")).one()
    marac.risk_tool_id = "us-lethality-11"
    db.session.commit()

    sign_in(page, POLICE)
    reference = to_the_checklist(page, "Renata", "Vasquez")
    panel = assessment_panel(page)
    expect(page.get_by_text("Lethality screen for high-risk teams", exact=False)).to_be_visible()
    expect(checklist_question(page, 11)).to_be_visible()
    expect(checklist_question(page, 12)).to_have_count(0)

    # Three of the other eight: not yet high danger.
    for number in (4, 5, 7):
        checklist_question(page, number).get_by_role("radio", name="Yes", exact=True).check()
    expect_score(page, 3)
    expect(panel).to_contain_text("Level: Not high danger")
    expect(criterion(panel, "Visible high risk")).to_have_count(0)

    # One of the first three is enough.
    checklist_question(page, 3).get_by_role("radio", name="Yes", exact=True).check()
    expect_score(page, 4)
    expect(panel).to_contain_text("Level: High danger")
    expect(criterion(panel, "Visible high risk")).to_be_visible()
    check_accessibility(page)

    for number in (1, 2, 6, 8, 9, 10, 11):
        checklist_question(page, number).get_by_role("radio", name="No", exact=True).check()
    answer_open_modules(page)  # none: this tool has no modules
    save_and_continue(page, "Incidents and professional judgement")
    save_and_continue(page, "Consent and what has happened")
    fill_in_consent(page)
    autosaves_done(page)
    page.get_by_role("button", name="Save and continue").click()
    send_from_the_check_page(page, reference)
    expect(page.get_by_text("Lethality screen for high-risk teams (11 questions)")).to_be_visible()
    expect(page.get_by_text("4 'yes' answers of 11: high danger")).to_be_visible()
    expect_heading(page, re.compile(rf"Referral {reference}"))
    assert_no_page_problems(console_log)
