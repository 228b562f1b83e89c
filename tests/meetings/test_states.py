"""The meeting's states: nothing opens before attendance and confidentiality, nothing is
recorded outside a running meeting, and it concludes only with every case settled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.actions.choices import Priority
from conference.conferences import listing, queries
from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import closing, console, opening
from conference.meetings import queries as meeting_queries
from conference.meetings.choices import Presence
from conference.referrals.choices import CaseStatus
from tests import factories


def _invited(world):
    return meeting_queries.invited_agencies(world.conference.id)


def _add_action(world, item, **overrides):
    values = {
        "description": "Visit her with a safety plan",
        "owner": world.police,
        "owner_name": "",
        "due_on": utcnow().date() + timedelta(days=7),
        "priority": Priority.MEDIUM,
        "actor": world.chair,
        "now": utcnow(),
        **overrides,
    }
    return console.add_action(item, **values)


def test_the_meeting_cannot_start_until_every_agency_is_recorded_and_everyone_accepted(world):
    now = utcnow()
    attendee = opening.add_attendee(
        world.conference, world.police, name="", user=world.police_rep, actor=world.chair, now=now
    )
    with pytest.raises(InvalidTransition) as refused:
        opening.start(world.conference, invited=_invited(world), actor=world.chair, now=now)
    message = str(refused.value)
    assert world.health.name in message and world.housing.name in message
    assert world.police_rep.name in message  # has not accepted yet
    opening.accept_confidentiality(attendee, actor=world.chair, now=now)
    for agency in (world.idva, world.childrens, world.health, world.housing):
        opening.set_attendance(
            world.conference,
            agency,
            presence=Presence.APOLOGIES,
            information_sent=False,
            actor=world.chair,
            now=now,
        )
    opening.start(world.conference, invited=_invited(world), actor=world.chair, now=now)
    assert world.conference.status is ConferenceStatus.IN_PROGRESS


def test_no_case_opens_before_the_meeting_starts(world):
    item = queries.agenda_items(world.conference.id)[0]
    now = utcnow()
    opening.add_attendee(
        world.conference, world.police, name="", user=world.police_rep, actor=world.chair, now=now
    )
    meeting = meeting_queries.meeting_for(world.conference.id)
    with pytest.raises(InvalidTransition, match="has not started"):
        console.open_item(meeting, item, actor=world.chair, now=now)
    assert item.status is ItemStatus.LISTED


def test_the_meeting_opens_only_on_its_day(world):
    world.conference.starts_at = utcnow() + timedelta(days=2)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="on its day"):
        opening.add_attendee(
            world.conference, world.police, name="A Person", actor=world.chair, now=utcnow()
        )


def test_apologies_must_say_whether_information_was_sent(world):
    with pytest.raises(ValidationFailed) as refused:
        opening.set_attendance(
            world.conference,
            world.housing,
            presence=Presence.APOLOGIES,
            information_sent=None,
            actor=world.chair,
            now=utcnow(),
        )
    assert refused.value.field == "information_sent"


def test_no_action_is_recorded_before_the_start_or_after_the_end(world):
    item = queries.agenda_items(world.conference.id)[0]
    with pytest.raises(InvalidTransition, match="not started"):
        _add_action(world, item)
    factories.hold_meeting(world)
    with pytest.raises(InvalidTransition, match="through the minutes"):
        _add_action(world, item)
    with pytest.raises(InvalidTransition, match="through the minutes"):
        console.save_record(item, {"decisions": "late"}, version=1, actor=world.chair, now=utcnow())


def test_an_action_needs_a_task_an_owner_and_a_due_date_not_before_the_meeting(world):
    meeting = factories.open_meeting(world)
    item = queries.agenda_items(world.conference.id)[0]
    console.open_item(meeting, item, actor=world.chair, now=utcnow())
    for overrides, field in (
        ({"description": "  "}, "description"),
        ({"owner": None}, "owner_agency_id"),
        ({"due_on": None}, "due_on"),
        ({"due_on": utcnow().date() - timedelta(days=3)}, "due_on"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            _add_action(world, item, **overrides)
        assert refused.value.field == field


def test_a_case_is_discussed_only_with_a_risk_and_an_action_or_a_reason_for_none(world):
    meeting = factories.open_meeting(world)
    item = queries.agenda_items(world.conference.id)[0]
    now = utcnow()
    console.open_item(meeting, item, actor=world.chair, now=now)
    with pytest.raises(InvalidTransition) as refused:
        console.mark_discussed(item, actor=world.chair, now=now)
    assert "at least one risk" in str(refused.value)
    assert "at least one action" in str(refused.value)
    record, _ = console.save_record(
        item, {"risk_to_children": "Exposure to violence"}, version=None, actor=world.chair, now=now
    )
    with pytest.raises(InvalidTransition, match="at least one action"):
        console.mark_discussed(item, actor=world.chair, now=now)
    console.save_record(
        item,
        {"risk_to_children": "Exposure to violence", "no_action_reason": "Plan already in place"},
        version=record.version,
        actor=world.chair,
        now=now,
    )
    console.mark_discussed(item, actor=world.chair, now=now)
    assert item.status is ItemStatus.DISCUSSED


def test_concluding_is_refused_while_cases_are_still_open(world):
    meeting = factories.open_meeting(world)
    items = queries.agenda_items(world.conference.id)
    with pytest.raises(InvalidTransition) as refused:
        closing.conclude(meeting, actor=world.chair, now=utcnow())
    for item in items:
        assert item.case.reference in str(refused.value)
    assert world.conference.status is ConferenceStatus.IN_PROGRESS


def test_deferred_cases_go_onto_the_next_conference_and_heard_cases_are_marked(world):
    factories.hold_meeting(world)
    items = queries.agenda_items(world.conference.id)
    assert world.conference.status is ConferenceStatus.CONCLUDED
    deferred = items[-1]
    assert deferred.status is ItemStatus.DEFERRED
    assert deferred.carried_to_id == world.following.id
    [carried] = queries.agenda_items(world.following.id)
    assert carried.case_id == deferred.case_id
    assert carried.case.status is CaseStatus.LISTED
    assert [i.case.status for i in items[:-1]] == [CaseStatus.ACTIONS_OPEN] * 2


def test_a_deferred_case_goes_over_capacity_on_a_full_next_conference(world):
    world.following.capacity = 1
    filler = factories.accepted_case(world.marac, given_name="Uma")
    listing.add_case(world.following, filler, actor=None, now=utcnow())
    db.session.commit()
    factories.hold_meeting(world)
    carried = [i for i in queries.agenda_items(world.following.id) if i.case_id != filler.id]
    assert carried and carried[0].over_capacity_reason.startswith("Deferred by the meeting")


def test_a_deferred_case_waits_when_no_conference_is_ahead(world):
    world.following.status = ConferenceStatus.CANCELLED
    world.following.cancel_reason = "Room unavailable"
    db.session.commit()
    factories.hold_meeting(world)
    deferred = queries.agenda_items(world.conference.id)[-1]
    assert deferred.carried_to_id is None
    assert deferred.case.status is CaseStatus.OPEN
    assert deferred.case in listing.waiting_cases([world.marac.id])


def test_defer_needs_a_reason_and_a_discussed_case_must_be_reopened_first(world):
    meeting = factories.open_meeting(world)
    item = queries.agenda_items(world.conference.id)[0]
    now = utcnow()
    console.open_item(meeting, item, actor=world.chair, now=now)
    with pytest.raises(ValidationFailed):
        console.defer(item, reason=" ", actor=world.chair, now=now)
    console.save_record(
        item,
        {"risk_to_victim": "High", "no_action_reason": "None needed"},
        version=None,
        actor=world.chair,
        now=now,
    )
    console.mark_discussed(item, actor=world.chair, now=now)
    with pytest.raises(InvalidTransition, match="reopen"):
        console.defer(item, reason="More research", actor=world.chair, now=now)
    console.reopen(item, actor=world.chair, now=now)
    console.defer(item, reason="More research", actor=world.chair, now=now)
    assert item.status is ItemStatus.DEFERRED
