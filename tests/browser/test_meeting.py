"""A whole meeting in the browser: the chair opens it (attendance, confidentiality), takes
three cases (her voice on screen, a record, actions with owners and dates, one deferred),
concludes it, and finalises and prints the minutes; a health representative follows on a
second page, which shows each new action without a reload."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conference.conferences import queries
from conference.db import utcnow
from conference.extensions import db
from conference.voice.choices import ContactMethod
from conference.voice.models import VictimVoice
from tests import factories
from tests.browser.accessibility import check_accessibility
from tests.browser.steps import expect_not_reloaded, mark_page, sign_in, without_refusals

pytestmark = pytest.mark.browser


def _world_with_her_voice():
    world = factories.meeting_world()
    first = queries.agenda_items(world.conference.id)[0]
    db.session.add(
        VictimVoice(
            agenda_item_id=first.id,
            contact_made=True,
            contacted_on=utcnow().date(),
            contact_method=ContactMethod.PHONE,
            views="She wants the police to act on the breaches.",
            wishes="To stay at home with new locks.",
            fears="That he will find her new job.",
            updated_by_id=world.advocate.id,
        )
    )
    db.session.commit()
    return world


def _add_person(page: Page, name: str) -> None:
    select = page.get_by_label("Person with an account")
    value = select.locator("option", has_text=name).get_attribute("value")
    select.select_option(value)
    page.get_by_role("button", name="Add the person").click()
    expect(page.get_by_role("cell", name=re.compile(name)).first).to_be_visible()


def _agree(page: Page, task: str, owner: str, due: str) -> None:
    plan = page.locator("section.app-plan")
    form = plan.locator("form[data-new-action]")
    form.get_by_label("Action", exact=True).fill(task)
    form.get_by_label("Owner agency").select_option(label=owner)
    form.get_by_label(re.compile(due)).check()
    form.get_by_role("button", name="Add the action").click()
    expect(plan.locator("strong", has_text=task)).to_be_visible()


def test_a_whole_meeting_with_a_follower(app, new_page, console_log):
    world = _world_with_her_voice()
    items = queries.agenda_items(world.conference.id)
    refs = [i.case.reference for i in items]
    meeting_url = f"/conferences/{world.conference.id}/meeting"

    chair = new_page()
    sign_in(chair, world.chair.email, factories.PASSWORD)
    chair.goto(meeting_url)
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Opening the meeting")
    expect(chair.get_by_text("Everything shared at this meeting is confidential")).to_be_visible()
    check_accessibility(chair)
    mark_page(chair)
    for person in ("Chay Ring", "Police Rep", "Health Rep", "Childrens Rep", "Ada Vocate"):
        _add_person(chair, person)
    housing = chair.locator(f"#agency-{world.housing.id}")
    housing.get_by_label("Yes").check()
    housing.get_by_role("button", name=re.compile("Record apologies")).click()
    expect(chair.locator(f"#agency-{world.housing.id}")).to_contain_text("Information sent")
    expect(chair.get_by_role("button", name="Start the meeting")).to_have_count(0)
    chair.get_by_role("button", name="Everyone listed has accepted the statement").click()
    expect_not_reloaded(chair)
    chair.get_by_role("button", name="Start the meeting").click()
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Meeting of")
    check_accessibility(chair)

    follower = new_page()
    sign_in(follower, world.health_rep.email, factories.PASSWORD)
    follower.goto(f"/conferences/{world.conference.id}/follow")
    expect(follower.get_by_text("Waiting for the chair")).to_be_visible()
    check_accessibility(follower)
    mark_page(follower)

    # Case 1: her voice first, then the record and two actions.
    chair.get_by_role("button", name="Open the first case").click()
    expect(chair.locator("#case-heading")).to_contain_text(refs[0])
    expect(chair.get_by_text("She wants the police to act on the breaches.")).to_be_visible()
    check_accessibility(chair, again=True)  # the console with a case open
    mark_page(chair)
    chair.get_by_label("Risks to the victim").fill("Breaches of bail; threats to kill.")
    chair.get_by_role("button", name="Save the record").click()
    expect(chair.get_by_text(re.compile("Last saved by Chay Ring"))).to_be_visible()
    _agree(
        chair, "Review bail conditions with the officer in charge", world.police.name, "In 7 days"
    )
    expect(
        follower.get_by_text("Review bail conditions with the officer in charge")
    ).to_be_visible()
    check_accessibility(follower, again=True)  # following a case
    _agree(chair, "Book a health visitor check", world.health.name, "In 14 days")
    expect(follower.get_by_text("Book a health visitor check")).to_be_visible()
    # Its own live region, outside what the poll swaps, says what changed; never replaced.
    said = follower.locator("#follow-announce")
    expect(said).to_have_text(f"Now: case {refs[0]}, 2 actions agreed")
    follower.evaluate("document.getElementById('follow-announce').dataset.kept = 'yes'")
    expect_not_reloaded(chair)
    expect_not_reloaded(follower)
    chair.get_by_role("button", name="Mark as discussed").click()
    expect(chair.locator(f"#agenda-item-{items[0].id}")).to_contain_text("Discussed")

    # Case 2: discussed with one action; case 3: deferred with a reason.
    chair.keyboard.press("n")
    expect(chair.locator("#case-heading")).to_contain_text(refs[1])
    expect(follower.locator("#follow-case")).to_contain_text(refs[1])
    expect(said).to_have_text(re.compile(f"^Now: case {refs[1]}"))
    expect(said).to_have_attribute("data-kept", "yes")
    expect(follower.locator("#follow [aria-live]")).to_have_count(0)
    chair.get_by_label("Risks to others").fill("Threats to her new partner.")
    chair.get_by_role("button", name="Save the record").click()
    _agree(chair, "Offer a target-hardening visit", world.housing.name, "In 28 days")
    chair.get_by_role("button", name="Mark as discussed").click()
    expect(chair.locator(f"#agenda-item-{items[1].id}")).to_contain_text("Discussed")
    chair.get_by_role("button", name="Next case").click()
    expect(chair.locator("#case-heading")).to_contain_text(refs[2])
    expect_not_reloaded(chair)
    chair.get_by_text("Defer to the next conference").click()
    chair.get_by_role("button", name="Defer the case").click()
    expect(chair.get_by_label("Why is the case deferred?")).to_have_accessible_description(
        re.compile("Give the reason for deferring this case")
    )
    expect_not_reloaded(chair)
    check_accessibility(chair, again=True)  # a refused deferral
    chair.get_by_label("Why is the case deferred?").fill("Police enquiries are still open.")
    chair.get_by_role("button", name="Defer the case").click()
    expect(chair.locator(f"#agenda-item-{items[2].id}")).to_contain_text("Deferred")
    expect_not_reloaded(chair)

    chair.get_by_role("button", name="Conclude the meeting").click()
    expect(chair.get_by_role("heading", level=1)).to_contain_text(re.compile("minutes", re.I))
    expect(chair.get_by_text(re.compile(f"Case {refs[2]} is on the agenda of"))).to_be_visible()
    expect(follower.locator(".govuk-inset-text", has_text="The meeting has ended")).to_be_visible()
    check_accessibility(chair)
    check_accessibility(follower, again=True)

    chair.get_by_role("button", name="Finalise the minutes").click()
    expect(chair.get_by_role("button", name="Finalise the minutes")).to_have_count(0)
    chair.get_by_role("link", name="The whole minutes, ready to print").click()
    check_accessibility(chair)
    chair.emulate_media(media="print")
    expect(chair.get_by_text("Review bail conditions with the officer in charge")).to_be_visible()
    expect(chair.get_by_text("Police enquiries are still open.")).to_be_visible()
    expect(chair.get_by_role("button", name="Sign out")).to_be_hidden()
    assert without_refusals(console_log) == []


def test_the_console_works_without_javascript(app, new_page, console_log):
    world = factories.meeting_world(cases=1)
    factories.open_meeting(world)
    [item] = queries.agenda_items(world.conference.id)
    chair = new_page(java_script_enabled=False)
    sign_in(chair, world.chair.email, factories.PASSWORD)
    chair.goto(f"/conferences/{world.conference.id}/meeting")
    chair.get_by_role("button", name="Open the first case").click()
    expect(chair.locator("#case-heading")).to_contain_text(item.case.reference)
    chair.get_by_label("Risks to the victim").fill("Threats with a knife.")
    chair.get_by_role("button", name="Save the record").click()
    expect(chair.get_by_text("The record of case")).to_be_visible()
    chair.get_by_role("button", name="Add the action").click()  # nothing filled in
    expect(chair.get_by_label("Action", exact=True)).to_have_accessible_description(
        re.compile("Say what will be done")
    )
    check_accessibility(chair)
    form = chair.locator("form[data-new-action]")
    form.get_by_label("Action", exact=True).fill("Refer to the sanctuary scheme")
    form.get_by_label("Owner agency").select_option(label=world.housing.name)
    form.get_by_label(re.compile("In 14 days")).check()
    form.get_by_role("button", name="Add the action").click()
    expect(chair.locator("section.app-plan strong")).to_have_text("Refer to the sanctuary scheme")
    chair.get_by_role("button", name="Mark as discussed").click()
    expect(chair.locator(f"#agenda-item-{item.id}")).to_contain_text("Discussed")
    chair.get_by_role("button", name="Conclude the meeting").click()
    expect(chair.get_by_role("heading", level=1)).to_contain_text(re.compile("minutes", re.I))
    assert without_refusals(console_log) == []


def test_leaving_a_case_with_unsaved_typing_asks_first(app, new_page, console_log):
    world = factories.meeting_world(cases=2)
    factories.open_meeting(world)
    first, second = queries.agenda_items(world.conference.id)
    chair = new_page()
    sign_in(chair, world.chair.email, factories.PASSWORD)
    chair.goto(f"/conferences/{world.conference.id}/meeting")
    chair.get_by_role("button", name="Open the first case").click()
    expect(chair.locator("#case-heading")).to_contain_text(first.case.reference)
    chair.get_by_label("Risks to staff").fill("He has threatened the housing officer.")
    asked = []
    chair.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    chair.get_by_role("button", name="Next case").click()
    expect(chair.get_by_label("Risks to staff")).to_have_value(
        "He has threatened the housing officer."
    )
    assert asked and "not saved" in asked[0]
    expect(chair.locator("#case-heading")).to_contain_text(first.case.reference)
    chair.get_by_role("button", name="Save the record").click()
    expect(chair.get_by_text(re.compile("Last saved by Chay Ring"))).to_be_visible()
    chair.get_by_role("button", name="Next case").click()  # saved: no question now
    expect(chair.locator("#case-heading")).to_contain_text(second.case.reference)
    assert len(asked) == 1
    assert without_refusals(console_log) == []
