"""Planning conferences from a meeting rule: the job, the horizon, moves and cancellations."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa

from conference.conferences import listing, planning, publishing
from conference.conferences.choices import ConferenceStatus, Frequency
from conference.conferences.models import Conference
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.notifications.models import Notification
from conference.scheduler.runner import run_job
from tests import factories

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def conferences_of(marac) -> list[Conference]:
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.marac_id == marac.id)
            .order_by(Conference.starts_at, Conference.id)
        )
    )


def days_of(marac) -> list[date]:
    return [c.rule_date for c in conferences_of(marac) if c.rule_date]


def test_a_new_rule_plans_six_months_of_conferences_with_its_settings(app):
    marac = factories.make_marac()
    change = factories.make_rule(marac, now=NOW, capacity=12, cutoff_days=10, research_days=7)
    assert change.added == 6
    assert days_of(marac) == [
        date(2026, 12, 8),
        date(2027, 1, 12),
        date(2027, 2, 9),
        date(2027, 3, 9),
        date(2027, 4, 13),
        date(2027, 5, 11),
    ]
    first = conferences_of(marac)[0]
    assert first.starts_at == datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    assert first.capacity == 12 and first.minutes_per_case == 15
    assert first.cutoff_on == date(2026, 11, 28) and first.publish_on == date(2026, 12, 1)
    assert first.status is ConferenceStatus.SCHEDULED and not first.is_extra


def test_running_the_job_twice_creates_nothing_new(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    first = run_job("plan-conferences", now=NOW)
    second = run_job("plan-conferences", now=NOW)
    assert first.counts["conferences_added"] == 0 and second.counts["conferences_added"] == 0
    assert len(conferences_of(marac)) == 6


def test_the_job_extends_the_horizon_as_time_passes(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    later = datetime(2027, 1, 20, 12, 0, tzinfo=UTC)
    run = run_job("plan-conferences", now=later)
    assert run.counts["conferences_added"] == 2
    assert days_of(marac)[-2:] == [date(2027, 6, 8), date(2027, 7, 13)]


def test_a_cancelled_conference_is_not_recreated(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    first = conferences_of(marac)[0]
    planning.cancel(first, actor=None, reason="Venue closed for repairs", now=NOW)
    db.session.commit()
    run_job("plan-conferences", now=NOW)
    december = [c for c in conferences_of(marac) if c.rule_date == date(2026, 12, 8)]
    assert len(december) == 1 and december[0].status is ConferenceStatus.CANCELLED


def test_a_moved_conference_is_not_recreated_on_its_old_day(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    first = conferences_of(marac)[0]
    planning.change_conference(
        first,
        version=first.version,
        actor=None,
        now=NOW,
        day=date(2026, 12, 10),
        start_time=time(13, 30),
    )
    db.session.commit()
    run_job("plan-conferences", now=NOW)
    conferences = conferences_of(marac)
    assert len(conferences) == 6
    moved = conferences[0]
    assert moved.starts_at == datetime(2026, 12, 10, 13, 30, tzinfo=UTC)
    # Its deadlines moved with it, keeping their gaps.
    assert moved.cutoff_on == date(2026, 12, 2) and moved.publish_on == date(2026, 12, 3)
    assert moved.adjusted_at is not None and moved.sequence == 1


def test_planned_conferences_keep_the_local_start_across_the_clock_change(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    starts = {c.rule_date: c.starts_at for c in conferences_of(marac)}
    assert starts[date(2027, 3, 9)] == datetime(2027, 3, 9, 10, 0, tzinfo=UTC)  # GMT
    assert starts[date(2027, 4, 13)] == datetime(2027, 4, 13, 9, 0, tzinfo=UTC)  # BST


def test_editing_the_rule_moves_untouched_conferences_and_keeps_those_with_cases(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    conferences = conferences_of(marac)
    busy, moved_by_hand = conferences[0], conferences[1]
    case = factories.accepted_case(marac, now=NOW)
    listing.add_case(busy, case, actor=None, now=NOW)
    planning.change_conference(
        moved_by_hand,
        version=moved_by_hand.version,
        actor=None,
        now=NOW,
        day=date(2027, 1, 14),
        start_time=time(10, 0),
    )
    db.session.commit()

    # Now the last Thursday of the month.
    change = factories.make_rule(marac, now=NOW, weekday=3, week_of_month=-1)
    assert [c.id for c in change.kept] == [busy.id]
    assert change.removed == 4  # February to May, planned by the old rule, empty
    by_day = {c.rule_date: c for c in conferences_of(marac)}
    assert date(2026, 12, 8) in by_day  # kept: it has a case
    assert by_day[date(2027, 1, 12)].id == moved_by_hand.id  # moved by hand: left alone
    assert date(2026, 11, 26) in by_day and date(2027, 4, 29) in by_day
    assert date(2027, 2, 9) not in by_day


def test_editing_the_start_time_updates_untouched_conferences_in_place(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    ids = [c.id for c in conferences_of(marac)]
    change = factories.make_rule(marac, now=NOW, start_time=time(13, 0), place="Town Hall")
    assert change.updated == 6 and change.added == 0 and change.removed == 0
    conferences = conferences_of(marac)
    assert [c.id for c in conferences] == ids
    assert conferences[0].starts_at == datetime(2026, 12, 8, 13, 0, tzinfo=UTC)
    assert {c.place for c in conferences} == {"Town Hall"} and conferences[0].sequence == 1


def test_every_n_weeks_needs_a_first_date_on_the_weekday(app):
    marac = factories.make_marac()
    with pytest.raises(ValidationFailed, match="must fall on a Thursday") as refused:
        factories.make_rule(
            marac,
            now=NOW,
            frequency=Frequency.EVERY_N_WEEKS,
            weekday=3,
            interval_weeks=2,
            first_date=date(2026, 11, 4),
        )
    assert refused.value.field == "first_date"


def test_the_cut_off_must_come_before_publication(app):
    marac = factories.make_marac()
    with pytest.raises(ValidationFailed, match="cut-off") as refused:
        factories.make_rule(marac, now=NOW, cutoff_days=5, research_days=7)
    assert refused.value.field == "cutoff_days"


def test_an_extra_conference_is_never_touched_by_the_rule(app):
    marac = factories.make_marac()
    extra = factories.make_conference(marac, date(2026, 12, 17), now=NOW)
    factories.make_rule(marac, now=NOW, weekday=3, week_of_month=3)
    run_job("plan-conferences", now=NOW)
    same_day = [c for c in conferences_of(marac) if c.starts_at.date() == date(2026, 12, 17)]
    assert [c.id for c in same_day] == [extra.id, *[c.id for c in same_day[1:]]]
    assert extra.is_extra and extra.rule_date is None


def test_an_extra_conference_for_a_near_day_has_its_dates_from_today(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)  # cut-off 8 days, publication 7 days before
    # Added on Saturday 21 November for Tuesday the 24th: both would fall in the past.
    near = planning.add_extra(
        marac, actor=None, now=NOW, day=date(2026, 11, 24), start_time=time(10, 0),
        duration_minutes=120, place="", video_link="", capacity=6, minutes_per_case=15,
    )  # fmt: skip
    assert (near.cutoff_on, near.publish_on) == (date(2026, 11, 21), date(2026, 11, 21))
    far = planning.add_extra(
        marac, actor=None, now=NOW, day=date(2027, 1, 20), start_time=time(10, 0),
        duration_minutes=120, place="", video_link="", capacity=6, minutes_per_case=15,
    )  # fmt: skip
    assert (far.cutoff_on, far.publish_on) == (date(2027, 1, 12), date(2027, 1, 13))


def test_moving_an_unpublished_conference_nearer_keeps_its_dates_from_today(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)
    conference = conferences_of(marac)[0]  # 8 December: cut-off 30 Nov, publication 1 Dec
    planning.change_conference(
        conference,
        actor=None,
        now=NOW,
        day=date(2026, 11, 25),
        start_time=time(10, 0),
        version=conference.version,
    )
    assert (conference.cutoff_on, conference.publish_on) == (date(2026, 11, 21), date(2026, 11, 21))
    planning.change_conference(
        conference,
        actor=None,
        now=NOW,
        day=date(2026, 12, 15),
        start_time=time(10, 0),
        version=conference.version,
    )
    assert (conference.cutoff_on, conference.publish_on) == (date(2026, 12, 11), date(2026, 12, 11))


def test_moving_a_published_conference_tells_the_invited_agencies_once(app):
    marac = factories.make_marac()
    rep = factories.make_user("agency_rep", marac=marac)
    factories.make_rule(marac, now=NOW)
    conference = conferences_of(marac)[0]
    listing.add_case(conference, factories.accepted_case(marac, now=NOW), actor=None, now=NOW)
    publishing.publish(conference, actor=None, now=NOW)
    planning.change_conference(
        conference,
        version=conference.version,
        actor=None,
        now=NOW,
        day=date(2026, 12, 9),
        start_time=time(10, 0),
    )
    db.session.commit()
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.recipient_id == rep.id)
    ).all()
    assert sorted(kinds) == ["agenda.published", "conference.changed"]
