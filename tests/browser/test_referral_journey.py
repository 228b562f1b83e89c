"""Referral journeys clicked through in a real browser: an agency rep fills in a referral step by
step (saved as typed, the score live beside the form), sends it, and the coordinator accepts it.

Every referral here is made through the pages themselves; none depends on demo referrals.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, Response, expect

from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_done, expect_heading, menu, row_of, sign_in

pytestmark = pytest.mark.browser

POLICE = "police"
COORDINATOR = "coordinator"
MARAC = "Northbridge MARAC"
ADVOCATE = "Jo Whitfield, Northbridge IDVA Service"
HOME_URL = re.compile(r"^http://[^/]+/$")
STEP_URL = re.compile(r"/referrals/\d+/steps/[a-z_]+$")
REFERENCE = re.compile(r"R-\d{5}")

QUESTIONS = 25  # config/risk_tools/dash-24.toml, the demo MARAC's tool: 24 and a red flag
HIGH_RISK = 14  # its 'yes' answers for visible high risk

# A synthetic victim and perpetrator: no real people.
VICTIM_FIRST, VICTIM_LAST = "Nadia", "Fenwick"
PERPETRATOR_FIRST = "Darren"


# --- steps, as a person does them ------------------------------------------------------------


def expect_referral_heading(page: Page, reference: str, status: str) -> None:
    """The referral's page: its reference and its status tag in the main heading."""
    heading = page.get_by_role("heading", level=1, name=f"Referral {reference} {status}")
    expect(heading).to_be_visible()
    check_accessibility(page)


def settle(page: Page) -> None:
    """Our module script ran under the CSP, the page loaded, and its console messages arrived."""
    expect(page.locator("body")).to_have_class(re.compile(r"\bjs-enabled\b"))
    page.wait_for_load_state("load")
    page.evaluate("() => null")


def question(page: Page, text: str) -> Locator:
    """A fieldset of radios (or date boxes), found by its legend."""
    return page.get_by_role("group", name=text, exact=True)


def choose(page: Page, legend: str, answer: str) -> None:
    question(page, legend).get_by_role("radio", name=answer, exact=True).check()


def autosaves_done(page: Page) -> None:
    """The last answer's autosave (sent 100 ms after a change) has come back: the button would
    otherwise drop it on purpose (static/js/app.js), which htmx logs as an error."""
    page.wait_for_timeout(250)
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def save_and_continue(page: Page, next_heading: str) -> None:
    autosaves_done(page)
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, next_heading)


def checklist_question(page: Page, number: int) -> Locator:
    return page.get_by_role("group", name=re.compile(rf"^{number}\. "))


def assessment_panel(page: Page) -> Locator:
    """The 'Risk and criteria' panel beside the form."""
    return page.get_by_role("complementary", name="Risk and criteria")


def criterion(panel: Locator, name: str) -> Locator:
    """A criterion tag in the panel's 'Criteria met' list."""
    return panel.get_by_role("listitem").get_by_text(name, exact=True)


def expect_score(page: Page, score: int) -> None:
    expect(assessment_panel(page).locator(".app-assessment__number")).to_have_text(str(score))


def is_autosave(response: Response) -> bool:
    request = response.request
    return (
        request.method == "POST"
        and STEP_URL.search(response.url) is not None
        and "action=autosave" in (request.post_data or "")
    )


def start_a_referral(page: Page) -> str:
    """Your referrals → Make a referral → Start the referral; returns the new reference."""
    menu(page, "Your referrals")
    expect_heading(page, "Your referrals")
    page.get_by_role("link", name="Make a referral").click()
    expect_heading(page, "Make a referral")
    which = question(page, "Which MARAC are you referring to?")
    if which.count():
        which.get_by_role("radio", name=MARAC, exact=True).check()
    page.get_by_role("button", name="Start the referral").click()
    expect_heading(page, "About the victim")
    settle(page)
    caption = page.get_by_text(re.compile(rf"^Referral {REFERENCE.pattern} to {MARAC}"))
    expect(caption).to_be_visible()
    return REFERENCE.search(caption.inner_text()).group(0)


def fill_in_the_victim(page: Page, first: str, last: str) -> None:
    page.get_by_label("First name").fill(first)
    page.get_by_label("Last name").fill(last)
    page.get_by_role(
        "group", name=re.compile(r"^What do you know about .* date of birth\?$")
    ).get_by_role("radio", name="The date of birth", exact=True).check()
    born = question(page, "Date of birth")
    born.get_by_label("Day").fill("14")
    born.get_by_label("Month").fill("3")
    born.get_by_label("Year").fill("1988")
    choose(page, "Gender", "Female")
    choose(page, "Is the victim trans, or do they have a trans history?", "No")
    page.get_by_label("Ethnic group").select_option(label="White")
    choose(page, "Does the victim have a disability?", "No")
    choose(page, "Sexual orientation", "Heterosexual or straight")


def fill_in_contact_and_safety(page: Page) -> None:
    choose(page, "Is it safe to call this number?", "Yes")
    page.get_by_label("Who does the victim fear?").fill(f"Her ex-partner, {PERPETRATOR_FIRST}.")


def add_the_perpetrator(page: Page) -> None:
    first = question(page, "Perpetrator 1")
    first.get_by_label("First name").fill(PERPETRATOR_FIRST)
    first.get_by_role("group", name="Relationship to the victim").get_by_role(
        "radio", name="Ex-partner", exact=True
    ).check()


def say_no_children(page: Page) -> None:
    choose(page, "Are there children in the household?", "No")


def answer_the_checklist(page: Page, yes: int) -> None:
    """'Yes' to the first questions, 'No' to the rest, and to the questions they open."""
    for number in range(1, QUESTIONS + 1):
        answer = "Yes" if number <= yes else "No"
        checklist_question(page, number).get_by_role("radio", name=answer, exact=True).check()
    answer_open_modules(page)


def answer_open_modules(page: Page) -> None:
    """'No' to each question of the modules the answers opened (stalking, honour-based abuse),
    once the saves that open them have come back."""
    unanswered = ".app-checklist-module .govuk-radios:not(:has(input:checked)) input[value=no]"
    for _ in range(60):  # a module opens as the save of the answer that opens it comes back
        autosaves_done(page)
        radios = page.locator(unanswered)
        if not radios.count():
            return
        radios.first.check()
    raise AssertionError("the modules' questions kept appearing")


def fill_in_consent(page: Page) -> None:
    choose(page, "Does the victim know about this referral?", "Yes")
    choose(page, "Consent", "She has given consent")
    page.get_by_label("What has happened").fill(
        "Three call-outs since January. Last week he waited outside her work and threatened her."
    )


def send_from_the_check_page(page: Page, reference: str) -> None:
    expect_heading(page, "Check the referral and send it")
    expect(page.get_by_text("still need")).to_have_count(0)  # no section is missing anything
    settle(page)
    page.get_by_role("button", name="Send the referral").click()
    expect_done(page, f"Referral {reference} is sent.")
    expect_referral_heading(page, reference, "Submitted")


def make_and_send_a_referral(page: Page, first: str, last: str, yes: int = HIGH_RISK) -> str:
    """The whole form, quickly, by a referrer already signed in; returns its reference."""
    reference = start_a_referral(page)
    fill_in_the_victim(page, first, last)
    save_and_continue(page, "Contact and safety")
    fill_in_contact_and_safety(page)
    save_and_continue(page, "Perpetrators")
    add_the_perpetrator(page)
    save_and_continue(page, "Children in the household")
    say_no_children(page)
    save_and_continue(page, "Risk checklist")
    answer_the_checklist(page, yes)
    save_and_continue(page, "Incidents and professional judgement")
    save_and_continue(page, "Consent and what has happened")
    fill_in_consent(page)
    page.get_by_role("button", name="Save and continue").click()
    send_from_the_check_page(page, reference)
    return reference


def assert_no_page_problems(console_log, *, refused_forms: int = 0) -> None:
    """No CSP violation, no uncaught script error, no console error.

    A refused form answers 422, which Chromium logs as 'Failed to load resource'; a journey that
    sends one on purpose says how many, and only those are let through.
    """
    refused = [m for m in console_log.console_errors if "status of 422" in m]
    assert len(refused) == refused_forms, console_log.messages
    unexpected = [m for m in console_log.problems() if m not in refused]
    assert unexpected == [], console_log.messages


# --- journeys --------------------------------------------------------------------------------


def test_a_referrer_fills_in_a_referral_watches_the_score_comes_back_to_it_and_sends_it(
    demo, page, console_log
):
    sign_in(page, POLICE)
    expect(page).to_have_url(HOME_URL)
    reference = start_a_referral(page)
    expect(page.get_by_role("status")).to_contain_text("Draft saved at")
    expect_score(page, 0)

    # About the victim
    fill_in_the_victim(page, VICTIM_FIRST, VICTIM_LAST)
    save_and_continue(page, "Contact and safety")
    expect(page).to_have_url(STEP_URL)

    # Contact and safety: who she fears is required, so leaving it out is refused.
    choose(page, "Is it safe to call this number?", "Yes")
    page.get_by_role("button", name="Save and continue").click()
    expect(page).to_have_title(re.compile(r"^Error: Contact and safety"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Say who the victim fears")
    expect(question(page, "Is it safe to call this number?").get_by_label("Yes")).to_be_checked()
    check_accessibility(page)
    fill_in_contact_and_safety(page)
    save_and_continue(page, "Perpetrators")

    add_the_perpetrator(page)
    save_and_continue(page, "Children in the household")

    say_no_children(page)
    save_and_continue(page, "Risk checklist")
    settle(page)

    # The risk checklist: each 'yes' is saved as it is ticked and the panel beside the form
    # counts it, all on the same page (no reload: the mark set here survives).
    page.evaluate("() => { window.sameChecklistPage = true; }")
    panel = assessment_panel(page)
    expect(panel).to_contain_text("Level: Standard")
    expect(criterion(panel, "Visible high risk")).to_have_count(0)
    for number in range(1, HIGH_RISK + 1):
        checklist_question(page, number).get_by_role("radio", name="Yes", exact=True).check()
        expect_score(page, number)
        if number < HIGH_RISK:
            expect(criterion(panel, "Visible high risk")).to_have_count(0)
    expect(criterion(panel, "Visible high risk")).to_be_visible()
    expect(panel).to_contain_text("Level: High")
    check_accessibility(page, again=True)  # the assessment panel refreshed in place
    checklist_question(page, HIGH_RISK + 1).get_by_role("radio", name="No", exact=True).check()
    with page.expect_response(lambda r: is_autosave(r) and "not_known" in r.request.post_data):
        checklist_question(page, HIGH_RISK + 2).get_by_role(
            "radio", name="Not known", exact=True
        ).check()
    page.wait_for_load_state("networkidle")  # the panel's refresh after that save, too
    expect_score(page, HIGH_RISK)
    assert page.evaluate("() => window.sameChecklistPage") is True
    expect(page).to_have_url(re.compile(r"/steps/checklist$"))

    # She goes elsewhere without pressing a button, and comes back to the draft later.
    menu(page, "Home")
    expect(page).to_have_url(HOME_URL)
    menu(page, "Your referrals")
    expect_heading(page, "Your referrals")
    row = row_of(page, reference)
    expect(row).to_contain_text("Draft")
    expect(row).to_contain_text(MARAC)
    expect(row).to_contain_text(f"{VICTIM_FIRST} {VICTIM_LAST}")  # her name as typed so far
    row.get_by_role("link", name="Carry on").click()
    expect_heading(page, f"Referral {reference}")

    sections = page.locator(".govuk-task-list")
    expect(
        sections.locator(".govuk-task-list__item").filter(has_text="About the victim")
    ).to_contain_text("Completed")
    expect(
        sections.locator(".govuk-task-list__item").filter(has_text="Risk checklist")
    ).to_contain_text("Incomplete")
    page.get_by_role("link", name="About the victim").click()
    expect_heading(page, "About the victim")
    expect(page.get_by_label("First name")).to_have_value(VICTIM_FIRST)
    expect(page.get_by_label("Last name")).to_have_value(VICTIM_LAST)
    expect(page.get_by_label("Ethnic group")).to_have_value("white")
    expect(question(page, "Gender").get_by_label("Female", exact=True)).to_be_checked()

    page.get_by_role("navigation", name="Sections of the referral").get_by_role(
        "link", name="Risk checklist"
    ).click()
    expect_heading(page, "Risk checklist")
    settle(page)
    expect_score(page, HIGH_RISK)
    expect(criterion(assessment_panel(page), "Visible high risk")).to_be_visible()
    for number in (1, 7, HIGH_RISK):
        expect(checklist_question(page, number).get_by_label("Yes", exact=True)).to_be_checked()
    expect(checklist_question(page, HIGH_RISK + 1).get_by_label("No", exact=True)).to_be_checked()
    expect(
        checklist_question(page, HIGH_RISK + 2).get_by_label("Not known", exact=True)
    ).to_be_checked()
    expect(checklist_question(page, QUESTIONS).get_by_role("radio", checked=True)).to_have_count(0)

    # The rest of the checklist, then the remaining sections.
    for number in range(HIGH_RISK + 3, QUESTIONS + 1):
        checklist_question(page, number).get_by_role("radio", name="No", exact=True).check()
    answer_open_modules(page)
    save_and_continue(page, "Incidents and professional judgement")
    expect(page.get_by_text("No incidents listed.")).to_be_visible()
    save_and_continue(page, "Consent and what has happened")
    fill_in_consent(page)
    page.get_by_role("button", name="Save and continue").click()

    # Check and send
    expect_heading(page, "Check the referral and send it")
    victim = page.get_by_role("region", name="About the victim")
    expect(victim).to_contain_text(VICTIM_FIRST)
    expect(victim).to_contain_text(VICTIM_LAST)
    expect(page.get_by_role("region", name="Risk checklist")).to_contain_text(
        f"{HIGH_RISK} 'yes' answers."
    )
    send_from_the_check_page(page, reference)
    expect(page.get_by_text("Waiting for the coordinator to screen it.")).to_be_visible()

    menu(page, "Your referrals")
    row = row_of(page, reference)
    expect(row).to_contain_text(f"{VICTIM_FIRST} {VICTIM_LAST}")
    expect(row).to_contain_text("Submitted")
    expect(row).to_contain_text("waiting for screening")
    settle(page)
    check_accessibility(page, again=True)  # a referral sent

    assert_no_page_problems(console_log, refused_forms=1)  # the contact step sent without fear


def test_the_coordinator_accepts_a_referral_into_a_new_case_and_the_referrer_sees_it(
    demo, new_page, console_log
):
    referrer = new_page()
    sign_in(referrer, POLICE)
    expect(referrer).to_have_url(HOME_URL)
    reference = make_and_send_a_referral(referrer, "Leona", "Marsh")

    # The coordinator, in a browser of her own, screens it.
    coordinator = new_page()
    sign_in(coordinator, COORDINATOR)
    expect(coordinator).to_have_url(HOME_URL)
    menu(coordinator, "Screening")
    expect_heading(coordinator, "Referrals waiting for screening")
    row = row_of(coordinator, reference)
    expect(row).to_contain_text("Leona Marsh")
    expect(row).to_contain_text("Northshire Police")
    expect(row).to_contain_text("Visible high risk")
    row.get_by_role("link", name=reference).click()

    expect_referral_heading(coordinator, reference, "Submitted")
    settle(coordinator)
    decision = coordinator.locator("form").filter(
        has=coordinator.get_by_role("heading", name="Screening decision")
    )
    choose(coordinator, "Decision", "Accept for MARAC")
    case = decision.get_by_label("Case it joins")
    expect(case.locator("option:checked")).to_have_text("Open a new case")
    check_accessibility(coordinator, again=True)  # the decision form opened out
    decision.get_by_label("Advocate (IDVA)").select_option(label=ADVOCATE)
    decision.get_by_label("Reason", exact=True).fill("High risk on the checklist; Jo will call.")
    decision.get_by_role("button", name="Record the decision").click()

    expect_heading(coordinator, "Referrals waiting for screening")
    expect_done(
        coordinator, re.compile(rf"Referral {reference} is accepted into case NB-[0-9-]+\.")
    )
    expect(row_of(coordinator, reference)).to_have_count(0)
    settle(coordinator)

    # The referrer signs in again later and sees the decision.
    later = new_page()
    sign_in(later, POLICE)
    expect(later).to_have_url(HOME_URL)
    menu(later, "Your referrals")
    row = row_of(later, reference)
    expect(row).to_contain_text("Accepted")
    expect(row).to_contain_text("High risk on the checklist; Jo will call.")
    check_accessibility(later, again=True)  # a referral decided
    row.get_by_role("link", name=reference).click()
    expect_referral_heading(later, reference, "Accepted")
    expect(later.get_by_text(re.compile(r"into case NB-"))).to_be_visible()
    settle(later)

    assert_no_page_problems(console_log)


def test_what_is_typed_is_saved_without_pressing_a_button(demo, page, console_log):
    sign_in(page, POLICE)
    expect(page).to_have_url(HOME_URL)
    start_a_referral(page)
    status = page.get_by_role("status")

    with page.expect_response(is_autosave) as saved:
        page.get_by_label("First name").press_sequentially("Rosa", delay=40)
    assert saved.value.status == 200
    expect(status).to_contain_text(re.compile(r"Draft saved at \d"))
    expect(page).to_have_url(re.compile(r"/steps/victim$"))  # still on the form, nothing sent

    page.reload()
    expect_heading(page, "About the victim")
    expect(page.get_by_label("First name")).to_have_value("Rosa")
    expect(page.get_by_label("Last name")).to_have_value("")
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    settle(page)

    assert_no_page_problems(console_log)


def test_the_whole_referral_works_without_javascript(demo, new_page, console_log):
    page = new_page(java_script_enabled=False)
    sign_in(page, POLICE)
    page.goto("/referrals/new")
    which = question(page, "Which MARAC are you referring to?")
    if which.count():
        which.get_by_role("radio", name=MARAC, exact=True).check()
    page.get_by_role("button", name="Start the referral").click()
    expect_heading(page, "About the victim")
    fill_in_the_victim(page, "Imogen", "Tarrant")
    save_and_continue(page, "Contact and safety")
    fill_in_contact_and_safety(page)
    save_and_continue(page, "Perpetrators")
    add_the_perpetrator(page)
    # Adding a second person is a plain form post too, keeping the first.
    page.get_by_role("button", name="Add another perpetrator").click()
    expect(question(page, "Perpetrator 2")).to_be_visible()
    expect(question(page, "Perpetrator 1").get_by_label("First name")).to_have_value(
        PERPETRATOR_FIRST
    )
    page.get_by_role("button", name="Remove perpetrator 2").click()
    expect(question(page, "Perpetrator 2")).to_have_count(0)
    save_and_continue(page, "Children in the household")
    say_no_children(page)
    save_and_continue(page, "Risk checklist")
    answer_the_checklist(page, HIGH_RISK)
    expect(page.locator(".app-checklist-module input")).to_have_count(0)
    # Without JavaScript, the questions that 'yes' to the stalking question (8) and to the
    # isolation question (4) open come when the section is saved, to answer before going on.
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, "Risk checklist")
    problems = page.locator(".govuk-error-summary")
    expect(problems).to_contain_text("Answer question S1")
    expect(problems).to_contain_text("Answer question H1")
    expect(page.get_by_role("heading", name="Stalking and harassment")).to_be_visible()
    expect(checklist_question(page, 8).get_by_label("Yes", exact=True)).to_be_checked()
    answer_open_modules(page)
    # Without JavaScript the score is worked out when the page is saved.
    save_and_continue(page, "Incidents and professional judgement")
    expect_score(page, HIGH_RISK)
    expect(criterion(assessment_panel(page), "Visible high risk")).to_be_visible()
    save_and_continue(page, "Consent and what has happened")
    fill_in_consent(page)
    page.get_by_role("button", name="Save and continue").click()
    expect_heading(page, "Check the referral and send it")
    page.get_by_role("button", name="Send the referral").click()
    expect_done(page, "is sent.")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Submitted")
    assert_no_page_problems(console_log, refused_forms=1)  # the checklist, modules unanswered


def test_contradictory_consent_answers_are_refused_then_shared_without_consent(
    demo, new_page, console_log
):
    referrer = new_page()
    sign_in(referrer, POLICE)
    reference = start_a_referral(referrer)
    fill_in_the_victim(referrer, "Selina", "Varley")
    save_and_continue(referrer, "Contact and safety")
    fill_in_contact_and_safety(referrer)
    save_and_continue(referrer, "Perpetrators")
    add_the_perpetrator(referrer)
    save_and_continue(referrer, "Children in the household")
    say_no_children(referrer)
    save_and_continue(referrer, "Risk checklist")
    answer_the_checklist(referrer, HIGH_RISK)
    save_and_continue(referrer, "Incidents and professional judgement")
    save_and_continue(referrer, "Consent and what has happened")

    # The law it rests on is there in plain words before she answers anything.
    law = referrer.locator("#consent-law")
    expect(law).to_contain_text("UK GDPR Article 6(1)(e)")
    expect(law).to_contain_text("Schedule 1, paragraph 18")

    # She does not know of the referral, yet "has given consent": refused by the field.
    choose(referrer, "Does the victim know about this referral?", "No")
    choose(referrer, "Consent", "She has given consent")
    story = "He took her phone and locked her in; officers attended twice this week."
    referrer.get_by_label("What has happened").fill(story)
    referrer.get_by_role("button", name="Save and continue").click()
    expect(referrer).to_have_title(re.compile(r"^Error: Consent and what has happened"))
    message = "She cannot have given consent to a referral she does not know about"
    expect(referrer.locator(".govuk-error-summary")).to_contain_text(message)
    expect(referrer.locator("#consent-error")).to_contain_text(message)
    consent = question(referrer, "Consent")
    expect(consent.get_by_label("She has given consent")).to_be_checked()
    expect(
        question(referrer, "Does the victim know about this referral?").get_by_label("No")
    ).to_be_checked()
    expect(referrer.get_by_label("What has happened")).to_have_value(story)
    check_accessibility(referrer)

    # Not asked, because asking would increase the risk, authorised by her inspector.
    consent.get_by_label("Consent was not sought").check()
    referrer.get_by_label("Why it is shared without her consent").select_option(
        label="Asking her would increase the risk"
    )
    referrer.get_by_label("Why sharing without her consent is needed").fill(
        "He checks her phone; asking would tell him."
    )
    referrer.get_by_label("Who authorised sharing without consent: their name").fill("Cal Testley")
    referrer.get_by_label("Their role").fill("Inspector")
    referrer.get_by_role("button", name="Save and continue").click()
    expect_heading(referrer, "Check the referral and send it")
    expect(referrer.locator("#check-law")).to_contain_text("She was not asked.")
    send_from_the_check_page(referrer, reference)

    # The coordinator sees the basis with the screening decision.
    coordinator = new_page()
    sign_in(coordinator, COORDINATOR)
    menu(coordinator, "Screening")
    coordinator.get_by_role("link", name=reference).click()
    basis = coordinator.locator("#decision-basis")
    expect(basis).to_contain_text("Shared without her consent (consent was not sought)")
    expect(basis).to_contain_text("Authorised by Cal Testley, Inspector")
    check_accessibility(coordinator)
    assert_no_page_problems(console_log, refused_forms=1)
