"""advocate-feedback-reminders: two working days after the meeting, once, only where needed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.conferences.rules import starts_at
from conference.extensions import db
from conference.notifications.models import Notification
from conference.scheduler.runner import run_job
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice
from tests import factories

THURSDAY = date(2026, 11, 5)
JOB = "advocate-feedback-reminders"


def _held_on_a_thursday(world, items, statuses=(ItemStatus.DISCUSSED,) * 3) -> None:
    world.conference.starts_at = starts_at(THURSDAY, time(10, 0), world.marac.timezone)
    world.conference.status = ConferenceStatus.CONCLUDED
    for item, status in zip(items, statuses, strict=True):
        item.status = status
        if status is ItemStatus.DEFERRED:
            item.defer_reason = "Out of time."
    db.session.commit()


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def _nudges(user=None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.kind == "voice.feedback_due")
    if user is not None:
        query = query.where(Notification.recipient_id == user.id)
    return list(db.session.scalars(query))


def _run(now: datetime) -> dict[str, int]:
    run = run_job(JOB, now=now)
    assert run.outcome.value == "succeeded", run.error_id
    return run.counts


def test_a_thursday_meeting_is_chased_on_monday_once(world, items):
    _held_on_a_thursday(world, items)
    for day in (THURSDAY, date(2026, 11, 6), date(2026, 11, 7), date(2026, 11, 8)):
        assert _run(_at(day, 20))["advocates_nudged"] == 0, day  # Friday, and the weekend
    assert _nudges() == []
    monday = date(2026, 11, 9)
    assert _run(_at(monday, 8)) == {"conferences": 1, "advocates_nudged": 1}
    assert _run(_at(monday, 12))["advocates_nudged"] == 0
    assert _run(_at(monday + timedelta(days=1)))["advocates_nudged"] == 0
    [nudge] = _nudges(world.advocate)
    assert (nudge.endpoint, nudge.endpoint_args) == ("voice.index", {})
    assert nudge.key.startswith(f"voice.feedback_due:{world.conference.id}")
    assert nudge.reference.endswith("5 Nov 2026")
    for item in items:  # nothing of the case reaches the notification
        assert item.case.reference not in nudge.reference


def test_the_day_is_the_marac_s(world, items):
    """Sunday 23:30 in London is still Sunday: no nudge until Monday there."""
    _held_on_a_thursday(world, items)
    assert _run(datetime(2026, 11, 8, 23, 30, tzinfo=UTC))["advocates_nudged"] == 0
    world.marac.timezone = "Pacific/Auckland"  # already Monday there
    db.session.commit()
    assert _run(datetime(2026, 11, 8, 23, 30, tzinfo=UTC))["advocates_nudged"] == 1


def test_nothing_when_every_outcome_is_recorded(world, items):
    _held_on_a_thursday(
        world, items, (ItemStatus.DISCUSSED, ItemStatus.DEFERRED, ItemStatus.LISTED)
    )
    for item in items[:2]:
        db.session.add(
            VictimVoice(
                agenda_item_id=item.id,
                contact_made=False,
                no_contact_reason="No safe way.",
                outcome_result=OutcomeResult.TOLD,
                outcome_told_on=THURSDAY,
                outcome_told_how=ContactMethod.PHONE,
                updated_by_id=world.advocate.id,
            )
        )
    db.session.commit()
    assert _run(_at(date(2026, 11, 10)))["advocates_nudged"] == 0  # the third was not heard


def test_each_advocate_with_a_case_waiting_is_nudged(world, items):
    other = factories.make_user("advocate", marac=world.marac)
    gone = factories.make_user("advocate", marac=world.marac)
    items[1].case.advocate_id = other.id
    items[2].case.advocate_id = gone.id
    gone.role_grants = []  # no longer an advocate here: cannot open the page
    _held_on_a_thursday(world, items, (ItemStatus.DEFERRED,) * 3)
    assert _run(_at(date(2026, 11, 9)))["advocates_nudged"] == 2
    assert len(_nudges(world.advocate)) == len(_nudges(other)) == 1
    assert _nudges(gone) == []


def test_meetings_not_concluded_or_long_past_are_left_alone(world, items):
    _held_on_a_thursday(world, items)
    world.conference.status = ConferenceStatus.IN_PROGRESS
    db.session.commit()
    assert _run(_at(date(2026, 11, 9)))["advocates_nudged"] == 0
    world.conference.status = ConferenceStatus.MINUTES_FINAL
    db.session.commit()
    assert _run(_at(date(2027, 1, 20)))["advocates_nudged"] == 0  # beyond the 60 days
    assert _run(_at(date(2026, 11, 9)))["advocates_nudged"] == 1


def test_one_query_finds_the_candidates(world, items, count_queries):
    from conference.voice.jobs import feedback_candidates

    _held_on_a_thursday(world, items)
    with count_queries() as statements:
        found = feedback_candidates(_at(date(2026, 11, 9)))
        assert [c.marac.code for c in found] == [world.marac.code]
    assert len(statements) == 1
    assert list(found.values()) == [{world.advocate.id}]


def test_not_safe_or_not_reached_ends_the_reminders_too(world, items):
    _held_on_a_thursday(
        world, items, (ItemStatus.DISCUSSED, ItemStatus.DEFERRED, ItemStatus.LISTED)
    )
    outcomes = (
        {"outcome_result": OutcomeResult.NOT_SAFE, "outcome_not_told_reason": "He reads her mail."},
        {"outcome_result": OutcomeResult.NOT_REACHED, "outcome_attempts": 4},
    )
    for item, outcome in zip(items[:2], outcomes, strict=True):
        db.session.add(
            VictimVoice(
                agenda_item_id=item.id,
                contact_made=False,
                no_contact_reason="No safe way.",
                updated_by_id=world.advocate.id,
                **outcome,
            )
        )
    db.session.commit()
    assert _run(_at(date(2026, 11, 10)))["advocates_nudged"] == 0
