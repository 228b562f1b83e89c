"""A meeting starts at its planned time, or earlier only when the chair says so: the
early start is kept on the meeting, in the audit log and in the minutes."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.conferences import display, rules
from conference.conferences.choices import ConferenceStatus
from conference.db import utcnow
from conference.errors import InvalidTransition
from conference.extensions import db
from conference.meetings import opening
from conference.meetings import queries as meeting_queries
from conference.meetings.choices import Presence
from tests import factories


def _ready(world, now):
    """Everyone recorded and the confidentiality accepted, so only the time stands in the way."""
    for agency, person in ((world.police, world.police_rep), (world.health, world.health_rep)):
        attendee = opening.add_attendee(
            world.conference, agency, name="", user=person, actor=world.chair, now=now
        )
        opening.accept_confidentiality(attendee, actor=world.chair, now=now)
    for agency in (world.idva, world.childrens, world.housing):
        opening.set_attendance(
            world.conference,
            agency,
            presence=Presence.APOLOGIES,
            information_sent=True,
            actor=world.chair,
            now=now,
        )


def _at_noon(world) -> None:
    """Plan the meeting for noon on its day: minutes either side of it are still that day,
    whenever the tests run (the world's meeting began five minutes before it was built)."""
    day = display.local_day(world.conference)
    world.conference.starts_at = rules.starts_at(day, time(12, 0), world.marac.timezone)
    db.session.commit()


def test_before_its_planned_time_it_starts_only_when_the_chair_says_so(world):
    _at_noon(world)
    now = world.conference.starts_at - timedelta(minutes=15)
    _ready(world, now)
    invited = meeting_queries.invited_agencies(world.conference.id)
    with pytest.raises(InvalidTransition, match="say it starts early"):
        opening.start(world.conference, invited=invited, actor=world.chair, now=now)
    meeting = opening.start(
        world.conference, invited=invited, actor=world.chair, now=now, early=True
    )
    db.session.commit()
    assert world.conference.status is ConferenceStatus.IN_PROGRESS
    assert meeting.started_early is True
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "meeting.started")
    ).one()
    assert event.detail == {"minutes_early": 15}


def test_at_its_time_it_starts_without_being_asked(world):
    _at_noon(world)
    now = world.conference.starts_at + timedelta(minutes=2)
    _ready(world, now)
    invited = meeting_queries.invited_agencies(world.conference.id)
    meeting = opening.start(world.conference, invited=invited, actor=world.chair, now=now)
    assert meeting.started_early is False


def test_the_opening_page_offers_the_early_start_and_the_minutes_record_it(app, as_user):
    world = factories.meeting_world()
    now = utcnow()
    starts = now + timedelta(minutes=20)
    from conference.referrals.services import today_in

    if today_in(world.marac, starts) != today_in(world.marac, now):
        pytest.skip("the planned start would fall on tomorrow")
    world.conference.starts_at = starts
    db.session.commit()
    _ready(world, now)
    db.session.commit()
    chair = as_user(world.chair)
    path = f"/conferences/{world.conference.id}/meeting"
    page = chair.get(path).text
    assert 'name="early"' in page and "Start before the planned time" in page
    refused = chair.post(f"{path}/start", data={})
    assert refused.status_code == 409 and "say it starts early" in refused.text
    started = chair.post(f"{path}/start", data={"early": "y"})
    assert started.status_code in (200, 303)
    db.session.expire_all()
    assert db.session.get(type(world.conference), world.conference.id).status is (
        ConferenceStatus.IN_PROGRESS
    )
