"""Observers at the opening: listed as such, not making their agency present, and shown apart
in the attendance list and the minutes."""

from __future__ import annotations

import sqlalchemy as sa

from conference.db import utcnow
from conference.extensions import db
from conference.meetings import opening, queries
from conference.meetings.choices import Presence
from conference.meetings.models import Attendee
from tests import factories


def _url(world, tail=""):
    return f"/conferences/{world.conference.id}/meeting{tail}"


def _observer(world) -> Attendee | None:
    return db.session.scalar(
        sa.select(Attendee).where(
            Attendee.conference_id == world.conference.id, Attendee.name == "Olu Watcher"
        )
    )


def test_an_observer_is_listed_as_such_without_making_the_agency_present(world, as_user):
    chair = as_user(world.chair)
    resp = chair.post(
        _url(world, "/attendees"),
        data={
            "agency_id": str(world.housing.id),
            "name": "Olu Watcher",
            "job_title": "Student social worker",
            "observer": "y",
        },
    )
    assert resp.status_code in (200, 303)
    observer = _observer(world)
    assert observer is not None and observer.is_observer

    page = chair.get(_url(world)).text
    assert "Olu Watcher" in page and "Observer" in page
    # Housing is not recorded as present by its observer, and can still send apologies.
    assert not [a for a in queries.attendances(world.conference.id) if a.presence]
    opening.set_attendance(
        world.conference,
        world.housing,
        presence=Presence.APOLOGIES,
        information_sent=False,
        actor=world.chair,
        now=utcnow(),
    )
    # An observer alone is nobody present.
    state = opening.readiness([], [], [observer])
    assert state.nobody_present


def test_someone_taking_part_is_not_an_observer(world, as_user):
    chair = as_user(world.chair)
    chair.post(
        _url(world, "/attendees"), data={"agency_id": str(world.housing.id), "name": "Olu Watcher"}
    )
    observer = _observer(world)
    assert observer is not None and not observer.is_observer
    [housing] = queries.attendances(world.conference.id)
    assert housing.presence is Presence.PRESENT


def test_the_minutes_list_observers_apart(world, as_user):
    observer = opening.add_attendee(
        world.conference,
        world.housing,
        name="Olu Watcher",
        is_observer=True,
        actor=world.chair,
        now=utcnow(),
    )
    # Observers hear everything: they accept the statement like anyone present.
    opening.accept_confidentiality(observer, actor=world.chair, now=utcnow())
    factories.hold_meeting(world)
    db.session.commit()
    page = as_user(world.chair).get(f"/conferences/{world.conference.id}/minutes").text
    observers = page.split("Observers</caption>", 1)
    assert len(observers) == 2 and "Olu Watcher" in observers[1]
    assert "Olu Watcher" not in observers[0]
