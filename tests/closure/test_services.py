"""Closing a case: when a reason is needed, what is refused, what is kept and audited."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from conference.actions import services as action_services
from conference.actions.choices import ActionStatus
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.closure import queries, services
from conference.conferences.choices import Section
from conference.db import utcnow
from conference.errors import InvalidTransition, PermissionDenied, ValidationFailed
from conference.extensions import db
from conference.referrals import services as referral_services
from conference.referrals.choices import CaseStatus, Decision, ReferralStatus
from conference.referrals.models import CaseClosure, Referral
from tests import factories
from tests.closure.conftest import heard_case


def _local_day(world):
    """The day of this morning's conference where the MARAC is."""
    return world.conference.starts_at.astimezone(ZoneInfo(world.marac.timezone)).date()


def _actions(case):
    return list(db.session.scalars(sa.select(Action).where(Action.case_id == case.id)))


def test_open_actions_and_no_reason_is_refused_and_nothing_changes(world):
    case = world.cases[0]
    with pytest.raises(ValidationFailed) as refused:
        services.close_case(case, actor=world.coordinator, reason="  ", now=utcnow())
    assert refused.value.field == "reason"
    assert "1 action is still open" in str(refused.value)
    db.session.rollback()
    assert case.status is CaseStatus.ACTIONS_OPEN
    closed = sa.select(AuditEvent).where(AuditEvent.verb == "case.closed")
    assert not db.session.scalars(closed).all()


def test_a_reason_closes_it_early_and_the_open_actions_stay_open(world):
    case, now = world.cases[0], utcnow()
    [action] = _actions(case)
    services.close_case(case, actor=world.coordinator, reason="She moved away.", now=now)
    db.session.commit()
    db.session.refresh(case)
    assert case.status is CaseStatus.CLOSED
    assert (case.closed_at, case.closed_by_id, case.close_reason) == (
        now,
        world.coordinator.id,
        "She moved away.",
    )
    [kept] = _actions(case)  # agreed at a meeting: never deleted or changed by closing
    assert (kept.id, kept.status) == (action.id, ActionStatus.OPEN)
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "case.closed"))
    assert event.object_id == case.id and event.user_id == world.coordinator.id
    assert event.marac_id == world.marac.id
    # Ids and facts only: the reason may hold case detail.
    assert event.detail == {
        "from_status": "actions_open",
        "open_action_ids": [action.id],
        "with_reason": True,
    }


def test_once_every_action_is_closed_no_reason_is_needed(world):
    case = world.cases[1]
    for action in _actions(case):
        action.status = ActionStatus.NOT_DONE_CIRCUMSTANCES
    db.session.commit()
    services.close_case(case, actor=world.coordinator, reason="", now=utcnow())
    assert case.status is CaseStatus.CLOSED and case.close_reason == ""


def test_a_case_on_an_agenda_not_yet_held_cannot_close(world):
    deferred = world.cases[2]  # carried on to the next conference
    with pytest.raises(InvalidTransition, match="on the agenda for"):
        services.close_case(deferred, actor=world.coordinator, reason="Any", now=utcnow())


def test_a_closed_case_cannot_close_again(world):
    case = world.cases[0]
    services.close_case(case, actor=world.coordinator, reason="Done", now=utcnow())
    with pytest.raises(InvalidTransition, match="already closed"):
        services.close_case(case, actor=world.coordinator, reason="Again", now=utcnow())


def test_a_case_no_conference_heard_needs_a_reason(world):
    case = factories.accepted_case(world.marac)
    with pytest.raises(ValidationFailed, match="No conference has heard"):
        services.close_case(case, actor=world.coordinator, reason="", now=utcnow())
    services.close_case(case, actor=world.coordinator, reason="Referred in error.", now=utcnow())
    assert case.status is CaseStatus.CLOSED


def test_only_a_coordinator_of_the_marac_may_close(world):
    other = factories.make_user("coordinator")
    for actor in (world.chair, world.advocate, other):
        with pytest.raises(PermissionDenied):
            services.close_case(world.cases[0], actor=actor, reason="x", now=utcnow())


def _referred_on(case):
    return db.session.scalar(
        sa.select(sa.func.max(Referral.referred_on)).where(
            Referral.case_id == case.id, Referral.status == ReferralStatus.ACCEPTED
        )
    )


def test_the_flag_runs_the_repeat_window_from_her_last_referral_as_the_criterion_does(world):
    case = world.cases[0]
    heard_case(world, 200, case=case)  # a hearing does not move it
    referred_on = _referred_on(case)
    standing = queries.standings([case.id])[case.id]
    assert standing.heard_at == world.conference.starts_at
    assert standing.last_referred_on == referred_on
    assert standing.flag_ends_on == referred_on + timedelta(days=365)
    assert standing.is_flagged(standing.flag_ends_on)  # the last day is included
    assert not standing.is_flagged(standing.flag_ends_on + timedelta(days=1))


def test_a_later_referral_moves_the_flag_on(world):
    case = heard_case(world, 300)
    first = _referred_on(case)
    later = factories.make_referral(marac=world.marac, status="accepted", given_name="Fern")
    later.case_id, later.referred_on = case.id, first + timedelta(days=100)
    db.session.commit()
    standing = queries.standings([case.id])[case.id]
    assert standing.flag_ends_on == first + timedelta(days=100 + 365)


def test_the_flag_follows_the_marac_s_own_repeat_window(world):
    world.marac.repeat_window_days = 180
    db.session.commit()
    standing = queries.standings([world.cases[0].id])[world.cases[0].id]
    assert standing.flag_ends_on == _referred_on(world.cases[0]) + timedelta(days=180)


def test_the_12_month_notice_is_not_a_hearing(world):
    case = heard_case(world, 380)
    heard_case(world, 10, case=case, section=Section.TWELVE_MONTHS)
    standing = queries.standings([case.id])[case.id]
    assert (utcnow() - standing.heard_at).days == 380


def test_closing_and_reopening_are_kept_with_who_when_and_why(world):
    case = world.cases[0]
    services.close_case(case, actor=world.coordinator, reason="She moved away.", now=utcnow())
    db.session.commit()
    repeat = factories.make_referral(marac=world.marac, status="submitted", given_name="Nell")
    referral_services.decide(
        repeat, Decision.ACCEPT, actor=world.coordinator, reason="Repeat", now=utcnow(), case=case
    )
    db.session.commit()
    [closure] = db.session.scalars(sa.select(CaseClosure).where(CaseClosure.case_id == case.id))
    assert (closure.closed_by_id, closure.reason) == (world.coordinator.id, "She moved away.")
    assert closure.reopened_at is not None and closure.reopened_for_id == repeat.id
    assert closure.reopened_by_id == world.coordinator.id


def test_the_case_status_follows_its_plan(world):
    case, [action] = world.cases[0], _actions(world.cases[0])
    case.status = CaseStatus.ACTIONS_OPEN
    db.session.commit()
    action_services.report_status(
        action,
        version=action.version,
        status=ActionStatus.DONE,
        note="Done.",
        actor=world.police_rep,
        now=utcnow(),
    )
    db.session.commit()
    assert case.status is CaseStatus.PLAN_COMPLETE
    assert db.session.scalar(
        sa.select(AuditEvent.verb).where(AuditEvent.verb == "case.plan_complete")
    )
    # Still on an agenda not yet heard: the status is the agenda's, not the plan's.
    other, [second] = world.cases[1], _actions(world.cases[1])
    other.status = CaseStatus.LISTED
    db.session.commit()
    action_services.report_status(
        second,
        version=second.version,
        status=ActionStatus.DONE,
        note="Done.",
        actor=world.police_rep,
        now=utcnow(),
    )
    assert other.status is CaseStatus.LISTED
