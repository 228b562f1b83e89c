"""Composing notification emails: one per person, counts by kind, nothing that identifies."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.notifications import emails
from conference.notifications.links import Link
from conference.notifications.models import Notification, OutboundEmail
from conference.notifications.services import MESSAGES, notify
from tests import factories

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _notify(user, kind: str, n: int = 1, *, at: datetime = T0, reference: str = "NB-26-0001"):
    for i in range(n):
        notify([user.id], kind, key=f"{kind}:{i}:{at.isoformat()}", reference=reference,
               link=Link("notifications.index"), now=at)  # fmt: skip
    db.session.commit()


def _outbox() -> list[OutboundEmail]:
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def test_every_kind_has_email_wording():
    assert set(emails.WORDING) == set(MESSAGES)


@pytest.mark.parametrize("kind", sorted(MESSAGES))
def test_each_wording_counts_and_says_nothing_else(kind):
    one, many = emails.WORDING[kind]
    assert one.startswith("1 ") or " 1 " in one
    assert "{n}" in many and "{" not in many.replace("{n}", "")
    assert emails.line_for(kind, 1) == one
    assert emails.line_for(kind, 3) == many.format(n=3)
    assert "{reference}" not in one + many


def test_a_kind_without_wording_is_still_counted():
    assert emails.line_for("something.new", 2) == "2 other notifications"


def test_subject_is_generic():
    assert emails.subject_for(1, "Ours") == "Ours: 1 thing needs your attention"
    assert emails.subject_for(3, "X") == "X: 3 things need your attention"


def test_one_email_per_person_counting_each_kind(app):
    rep, coordinator = factories.make_user("agency_rep"), factories.make_user("coordinator")
    _notify(rep, "action.overdue", 2)
    _notify(rep, "agenda.published")
    _notify(coordinator, "referral.submitted")
    composed = emails.compose_pending(T0 + timedelta(minutes=1))
    db.session.commit()
    assert len(composed) == 2
    by_address = {e.to_address: e for e in _outbox()}
    mail = by_address[rep.email]
    assert mail.subject == "MARAC conference: 3 things need your attention"
    assert "- 2 actions your agency owns are overdue\n" in mail.body
    assert "- 1 conference agenda is published and research is open\n" in mail.body
    assert mail.body.index("overdue") < mail.body.index("agenda")  # WORDING order
    assert "http://127.0.0.1:5000/notifications/" in mail.body
    assert "1 referral is waiting for screening" in by_address[coordinator.email].body
    assert all(n.emailed_at == T0 + timedelta(minutes=1) for n in db.session.scalars(
        sa.select(Notification)))  # fmt: skip
    # Nothing is left to compose: the next run makes no email.
    assert emails.compose_pending(T0 + timedelta(minutes=2)) == []


def test_the_link_uses_base_url(app):
    app.config["BASE_URL"] = "https://marac.example.org/"
    user = factories.make_user("agency_rep")
    _notify(user, "minutes.final")
    [mail] = emails.compose_pending(T0)
    assert "notifications: https://marac.example.org/notifications/\n" in mail.body


def test_the_email_holds_no_name_and_no_reference(app):
    referral = factories.make_referral(
        status="accepted", now=T0, given_name="Zelinda", family_name="Quorbury"
    )
    case = referral.case
    referrer = referral.referrer
    assert referral.victim_name == "Zelinda Quorbury"
    _notify(referrer, "action.overdue", reference=case.reference)
    composed = emails.compose_pending(T0 + timedelta(minutes=1))
    assert composed
    kinds = Counter(
        db.session.scalars(
            sa.select(Notification.kind).where(Notification.recipient_id == referrer.id)
        )
    )
    [mail] = [m for m in composed if m.recipient_id == referrer.id]
    for kind, count in kinds.items():
        assert emails.line_for(kind, count) in mail.body
    for mail in composed:
        text = mail.subject + mail.body
        for secret in (case.reference, referral.reference, "Zelinda", "Quorbury", referrer.name):
            assert secret not in text


def test_inactive_accounts_get_no_email(app):
    leaver = factories.make_user("agency_rep", is_active_account=False)
    _notify(leaver, "action.overdue")
    assert emails.compose_pending(T0) == []
    assert db.session.scalar(sa.select(Notification.emailed_at)) is None


def test_read_old_and_future_notifications_are_not_emailed(app):
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.changed", at=T0)
    _notify(user, "minutes.final", at=T0 - emails.EMAIL_WITHIN)
    _notify(user, "conference.cancelled", at=T0 + timedelta(minutes=5))
    read = db.session.scalar(sa.select(Notification).where(Notification.kind == "agenda.changed"))
    read.read_at = T0
    db.session.commit()
    assert emails.compose_pending(T0) == []
    [mail] = emails.compose_pending(T0 + timedelta(minutes=5))
    assert mail.subject.endswith("1 thing needs your attention")
    assert "1 conference is cancelled" in mail.body


def test_notifications_another_run_took_are_not_composed_twice(app, monkeypatch):
    """Marking is conditional: if a concurrent run marked one first, this run gives up."""
    user = factories.make_user("agency_rep")
    _notify(user, "action.due_soon", 2)
    original = emails._mark_emailed

    def late(ids, now):
        db.session.execute(
            sa.update(Notification).where(Notification.id == ids[0]).values(emailed_at=now)
        )
        original(ids, now)

    monkeypatch.setattr(emails, "_mark_emailed", late)
    with pytest.raises(emails.Conflict):
        emails.compose_pending(T0)
    db.session.rollback()
