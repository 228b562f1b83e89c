"""The minutes-reminders job: one nudge when minutes are not final three working days on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conference.extensions import db
from conference.minutes.jobs import send_reminders
from conference.notifications.links import url_of
from conference.notifications.models import Notification
from tests import factories
from tests.minutes.conftest import finalise

#: A Thursday in British Summer Time: the meeting is at 11am in London.
THURSDAY = datetime(2027, 6, 10, 10, 0, tzinfo=UTC)


def held_on_thursday():
    world = factories.meeting_world(now=THURSDAY)
    factories.hold_meeting(world, now=THURSDAY)
    return world


def run(now: datetime) -> dict[str, int]:
    result = send_reminders(now)
    db.session.commit()
    return result


def test_the_chair_and_coordinators_are_nudged_once_from_the_third_working_day(app):
    world = held_on_thursday()
    assert run(THURSDAY + timedelta(days=1))["reminders"] == 0  # Friday
    assert run(datetime(2027, 6, 14, 22, 30, tzinfo=UTC))["reminders"] == 0  # Monday 11:30pm
    # Just after midnight on Tuesday in London (still Monday in UTC): three working days on.
    assert run(datetime(2027, 6, 14, 23, 30, tzinfo=UTC)) == {"conferences": 1, "reminders": 2}
    assert run(datetime(2027, 6, 15, 9, 0, tzinfo=UTC)) == {"conferences": 1, "reminders": 0}
    assert run(datetime(2027, 6, 21, 9, 0, tzinfo=UTC))["reminders"] == 0
    sent = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "minutes.reminder")
    ).all()
    assert {n.recipient_id for n in sent} == {world.chair.id, world.coordinator.id}
    with app.test_request_context():
        links = {url_of(n) for n in sent}
    assert links == {f"/conferences/{world.conference.id}/minutes"}
    assert all("Testwood" not in n.reference for n in sent)


def test_final_minutes_need_no_nudge(app):
    world = held_on_thursday()
    finalise(world)
    assert run(datetime(2027, 6, 15, 9, 0, tzinfo=UTC)) == {"conferences": 0, "reminders": 0}
