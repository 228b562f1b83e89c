"""Referral services: a MARAC's own thresholds, the status rules and the outbox."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.notifications.models import Notification
from conference.referrals import services
from conference.referrals.choices import Decision, ReferralStatus
from tests import factories


def test_a_marac_with_a_lower_threshold_accepts_fewer_yes_answers(app):
    strict = factories.make_marac()
    lenient = factories.make_marac(high_risk_threshold=12)
    refused = factories.make_referral(factories.make_user("advocate", marac=strict), yes=12)
    with pytest.raises(ValidationFailed, match="No referral criterion is met: 12"):
        services.submit(refused, actor=refused.referrer, now=utcnow())
    db.session.rollback()
    sent = factories.make_referral(
        factories.make_user("advocate", marac=lenient), yes=12, status="submitted"
    )
    assert sent.meets_visible_high_risk and sent.criteria_met == ["visible_high_risk"]


def test_a_marac_with_a_six_month_escalation_window_counts_only_those(app):
    marac = factories.make_marac(escalation_window_days=182)
    today = utcnow().date()

    def ago(days: int) -> tuple[str, str, str]:
        from datetime import timedelta

        d = today - timedelta(days=days)
        return (str(d.day), str(d.month), str(d.year))

    referrer = factories.make_user("advocate", marac=marac)
    referral = factories.make_referral(referrer, yes=2, incidents=(ago(10), ago(100), ago(200)))
    with pytest.raises(ValidationFailed, match="2 incidents in the last 182 days"):
        services.submit(referral, actor=referrer, now=utcnow())


def test_a_sent_referral_cannot_be_sent_again_or_edited(app):
    referral = factories.make_referral(status="submitted")
    with pytest.raises(InvalidTransition):
        services.submit(referral, actor=referral.referrer, now=utcnow())
    with pytest.raises(InvalidTransition):
        services.save_draft(referral, {}, actor=referral.referrer, now=utcnow())


@pytest.mark.parametrize("status", ["accepted", "declined", "withdrawn"])
def test_a_decided_referral_is_final(app, status):
    referral = factories.make_referral(status="submitted")
    coordinator = factories.coordinator_of(referral.marac)
    if status == "withdrawn":
        services.withdraw(referral, actor=referral.referrer, reason="x", now=utcnow())
    else:
        decision = Decision.ACCEPT if status == "accepted" else Decision.DECLINE
        services.decide(referral, decision, actor=coordinator, reason="x", now=utcnow())
    assert referral.status is ReferralStatus(status) and referral.draft is None
    for decision in Decision:
        with pytest.raises(InvalidTransition):
            services.decide(referral, decision, actor=coordinator, reason="y", now=utcnow())


def test_joining_a_case_of_another_marac_is_refused(app):
    elsewhere = factories.make_referral(status="accepted")
    referral = factories.make_referral(status="submitted")
    coordinator = factories.coordinator_of(referral.marac)
    with pytest.raises(ValidationFailed, match="Choose a case from the list"):
        services.decide(
            referral,
            Decision.ACCEPT,
            actor=coordinator,
            reason="x",
            now=utcnow(),
            case=elsewhere.case,
        )


def test_a_notification_is_queued_once_per_key(app):
    user = factories.make_user("advocate")
    now = utcnow()
    for _ in range(3):
        notifications.notify(
            [user.id],
            "referral.accepted",
            key="k:1",
            reference="R-00001",
            link=Link("referrals.detail", {"referral_id": 1}),
            now=now,
        )
        db.session.commit()
    [note] = db.session.scalars(sa.select(Notification))
    assert notifications.message_for(note) == "Your referral R-00001 was accepted"


def test_an_unknown_notification_kind_is_a_programming_error(app):
    with pytest.raises(ValueError):
        notifications.notify(
            [1], "case.gossip", key="x", reference="", link=Link("dashboard.index"), now=utcnow()
        )


def test_the_database_refuses_a_link_outside_the_app(app):
    from sqlalchemy.exc import IntegrityError

    user = factories.make_user("advocate")
    db.session.add(
        Notification(
            recipient_id=user.id,
            kind="referral.accepted",
            key="k",
            endpoint="https://elsewhere.example/",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
