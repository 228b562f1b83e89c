"""The send-emails job against a real SMTP server: arrival, failures, retries, exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conference.extensions import db
from conference.notifications import delivery
from conference.notifications.links import Link
from conference.notifications.models import EmailTransport, OutboundEmail
from conference.notifications.services import notify
from conference.scheduler.registry import JOBS
from conference.scheduler.runner import run_job
from tests import factories
from tests.notifications.conftest import run_send_emails

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _notify(user, kind: str, n: int = 1, *, at: datetime = T0, reference: str = "NB-26-0042"):
    for i in range(n):
        notify([user.id], kind, key=f"{kind}:{i}:{at.isoformat()}", reference=reference,
               link=Link("notifications.index"), now=at)  # fmt: skip
    db.session.commit()


def _emails() -> list[OutboundEmail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutboundEmail).order_by(OutboundEmail.id)))


def test_the_job_runs_every_five_minutes():
    assert JOBS["send-emails"].cron == {"minute": "*/5"}


def test_the_message_arrives_with_counts_and_nothing_identifying(app, smtp):
    referral = factories.make_referral(
        status="accepted", now=T0, given_name="Zelinda", family_name="Quorbury"
    )
    case, referrer = referral.case, referral.referrer
    _notify(referrer, "action.overdue", 2, reference=case.reference)
    smtp.start()
    counts = run_send_emails(T0 + MINUTE)
    assert counts["emails_sent"] == counts["emails_composed"] >= 1
    assert counts["emails_failed"] == 0
    [message] = smtp.inbox.to(referrer.email)
    assert ("no-reply@localhost", [referrer.email]) in smtp.inbox.envelopes
    assert message["Subject"] == "MARAC conference: 3 things need your attention"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_content()
    assert "2 actions your agency owns are overdue" in text
    assert "1 of your referrals was accepted" in text
    assert "http://127.0.0.1:5000/notifications/" in text
    for received in smtp.inbox.messages:
        raw = received.as_string()
        for secret in (case.reference, referral.reference, "Zelinda", "Quorbury", referrer.name):
            assert secret not in raw and secret not in received.get_content()
    [mail] = [e for e in _emails() if e.recipient_id == referrer.id]
    assert mail.sent_at == T0 + MINUTE and mail.transport is EmailTransport.SMTP
    assert mail.attempts == 1 and mail.last_error is None


def test_a_server_that_is_down_is_retried_with_backoff_and_the_email_arrives_once(app, smtp):
    user = factories.make_user("agency_rep")
    _notify(user, "research.reminder")
    counts = run_send_emails(T0)  # the server is not running: connection refused
    assert counts == {
        "emails_composed": 1,
        "emails_sent": 0,
        "emails_failed": 1,
        "emails_given_up": 0,
        "emails_maybe_sent": 0,
    }
    [mail] = _emails()
    assert mail.sent_at is None and mail.claimed_at is None and mail.attempts == 1
    assert mail.last_error == "ConnectionRefusedError: Connection refused"
    assert mail.next_attempt_at == T0 + 5 * MINUTE

    assert run_send_emails(T0 + 4 * MINUTE)["emails_failed"] == 0  # not due yet
    assert run_send_emails(T0 + 5 * MINUTE)["emails_failed"] == 1
    [mail] = _emails()
    assert mail.attempts == 2 and mail.next_attempt_at == T0 + 20 * MINUTE

    smtp.start()
    assert run_send_emails(T0 + 19 * MINUTE)["emails_sent"] == 0  # still backing off
    assert run_send_emails(T0 + 20 * MINUTE)["emails_sent"] == 1
    for later in (20, 25, 90, 600):
        assert not any(run_send_emails(T0 + later * MINUTE).values())
    assert len(smtp.inbox.messages) == 1
    [mail] = _emails()
    assert mail.sent_at == T0 + 20 * MINUTE and mail.attempts == 3
    assert mail.last_error is None


def test_a_refusing_server_is_retried_and_each_email_arrives_once(app, smtp):
    first, second = factories.make_user("agency_rep"), factories.make_user("chair")
    _notify(first, "agenda.changed")
    _notify(second, "minutes.reminder")
    smtp.inbox.refuse = True
    smtp.start()
    # A refusal is about one message: the run goes on to the next on the same connection.
    assert run_send_emails(T0)["emails_failed"] == 2
    assert {e.last_error for e in _emails()} == {"SMTPDataError 451"}
    smtp.inbox.refuse = False
    assert run_send_emails(T0 + 5 * MINUTE)["emails_sent"] == 2
    assert run_send_emails(T0 + 10 * MINUTE)["emails_sent"] == 0
    assert sorted(m["To"] for m in smtp.inbox.messages) == sorted([first.email, second.email])


def test_backoff_grows_then_stays_hourly():
    delays = [delivery.retry_delay(n) for n in range(1, 7)]
    assert delays == [timedelta(minutes=m) for m in (5, 15, 60, 60, 60, 60)]


def test_running_twice_never_sends_twice(app, smtp):
    user = factories.make_user("advocate")
    _notify(user, "case.advocate_assigned")
    smtp.start()
    run_send_emails(T0)
    run_send_emails(T0)
    run_send_emails(T0 + 5 * MINUTE)
    assert len(smtp.inbox.messages) == 1


def test_notifications_after_a_send_go_in_a_new_email(app, smtp):
    user = factories.make_user("agency_rep")
    _notify(user, "action.due_soon", 2)
    smtp.start()
    run_send_emails(T0)
    _notify(user, "action.overdue", at=T0 + 3 * MINUTE)
    assert run_send_emails(T0 + 5 * MINUTE)["emails_sent"] == 1
    first, second = smtp.inbox.messages
    assert "2 actions your agency owns are due within three days" in first.get_content()
    assert second["Subject"] == "MARAC conference: 1 thing needs your attention"
    assert "1 action your agency owns is overdue" in second.get_content()
    assert "due within" not in second.get_content()


def test_inactive_users_get_no_email(app, smtp):
    leaver = factories.make_user("agency_rep", is_active_account=False)
    stayer = factories.make_user("agency_rep")
    _notify(leaver, "agenda.published")
    _notify(stayer, "agenda.published")
    smtp.start()
    run_send_emails(T0)
    assert [m["To"] for m in smtp.inbox.messages] == [stayer.email]


def test_an_email_composed_before_deactivation_waits(app, smtp):
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.published")
    assert run_send_emails(T0)["emails_failed"] == 1  # server down: composed, not sent
    user.is_active_account = False
    db.session.commit()
    smtp.start()
    assert run_send_emails(T0 + 10 * MINUTE)["emails_sent"] == 0
    assert smtp.inbox.messages == []


def test_a_send_interrupted_by_a_crash_goes_once_after_its_lease_with_the_same_message_id(
    app, smtp
):
    """Claimed, then the process died before the server was reached: the claim is a lease."""
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.changed")
    smtp.start()
    smtp.inbox.refuse = True
    run_send_emails(T0)  # composed; the first try refused, so its Message-ID is fixed
    [mail] = _emails()
    first_id = mail.message_id
    assert first_id
    smtp.inbox.refuse = False
    mail.claimed_at, mail.next_attempt_at = T0 + MINUTE, T0 + MINUTE  # the crashed run's claim
    db.session.commit()
    # Within the lease the claim holds: another run leaves it alone.
    assert run_send_emails(T0 + 10 * MINUTE)["emails_sent"] == 0
    assert smtp.inbox.messages == []
    # Once it lapses the email goes, once, with the Message-ID of its first try.
    assert run_send_emails(T0 + delivery.LEASE + 2 * MINUTE)["emails_sent"] == 1
    assert run_send_emails(T0 + delivery.LEASE + 30 * MINUTE)["emails_sent"] == 0
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [first_id]


def test_a_permanent_refusal_fails_after_bounded_tries_and_the_run_says_so(app, smtp):
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.changed")
    smtp.inbox.refuse_code = "550 5.1.1 No such mailbox"
    smtp.start()
    when = T0
    outcomes = []
    for _ in range(delivery.PERMANENT_TRIES + 2):
        run = run_job("send-emails", now=when)
        outcomes.append(run.outcome.value)
        when += timedelta(hours=2)
    [mail] = _emails()
    assert mail.failed_at is not None and mail.attempts == delivery.PERMANENT_TRIES
    assert mail.last_error == "SMTPDataError 550"
    # Each run that met the refusal says so; once failed, the email is no longer tried.
    assert outcomes[: delivery.PERMANENT_TRIES] == ["partly_failed"] * delivery.PERMANENT_TRIES
    assert outcomes[delivery.PERMANENT_TRIES :] == ["succeeded", "succeeded"]
    assert smtp.inbox.messages == []


def test_a_server_slow_to_answer_after_the_message_is_not_sent_again_blindly(app, smtp):
    """The answer to the end of the data comes after the wait: it may have gone, so it waits
    for an administrator, who resends it with the same Message-ID."""
    user = factories.make_user("agency_rep")
    admin = factories.make_user("admin")
    _notify(user, "agenda.changed")
    smtp.inbox.answer_after_seconds = 2.0
    app.config.update(MAIL_DATA_END_TIMEOUT_SECONDS=0.5)
    smtp.start()
    counts = run_send_emails(T0)
    assert counts["emails_maybe_sent"] == 1 and counts["emails_sent"] == 0
    [mail] = _emails()
    assert mail.maybe_sent_at is not None
    assert run_send_emails(T0 + 3 * 60 * MINUTE)["emails_sent"] == 0  # no blind repeat
    first = smtp.inbox.wait_for(1)
    from conference.notifications import services

    services.resend(_emails()[0], actor=admin, now=T0 + 4 * 60 * MINUTE)
    db.session.commit()
    smtp.inbox.answer_after_seconds = 0
    assert run_send_emails(T0 + 4 * 60 * MINUTE)["emails_sent"] == 1
    assert [m["Message-ID"] for m in smtp.inbox.messages] == [first[0]["Message-ID"]] * 2


def test_signs_in_to_the_server_with_the_password_from_the_environment(app, smtp, monkeypatch):
    smtp.inbox.login = ("conference", "1e5")
    smtp.start()
    # Read as JSON by from_prefixed_env, "1e5" becomes a number: the raw variable wins.
    monkeypatch.setenv("CONFERENCE_MAIL_SMTP_PASSWORD", "1e5")
    app.config.update(MAIL_SMTP_USERNAME="conference", MAIL_SMTP_PASSWORD=100000.0)
    user = factories.make_user("agency_rep")
    _notify(user, "minutes.final")
    assert run_send_emails(T0)["emails_sent"] == 1

    app.config["MAIL_SMTP_PASSWORD"] = "wrong-password"
    _notify(user, "minutes.final", at=T0 + MINUTE)
    assert run_send_emails(T0 + 2 * MINUTE)["emails_failed"] == 1
    failed = _emails()[-1]
    assert failed.last_error == "SMTPAuthenticationError 535"
    assert "wrong-password" not in failed.last_error
    assert len(smtp.inbox.messages) == 1


def test_nothing_about_an_email_is_logged_at_info(app, smtp, caplog):
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.changed")
    caplog.set_level("INFO", logger="conference")
    run_send_emails(T0)  # fails: server down
    smtp.start()
    run_send_emails(T0 + 5 * MINUTE)
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "email not delivered" in logged and "emails delivered" in logged
    assert user.email not in logged and "agenda" not in logged


def test_a_wrong_tls_setting_fails_the_run_and_touches_no_email(app, smtp):
    app.config["MAIL_SMTP_TLS"] = "sometimes"
    user = factories.make_user("agency_rep")
    _notify(user, "agenda.changed")
    assert run_job("send-emails", now=T0).outcome.value == "failed"
    [mail] = _emails()  # composed and kept; never claimed
    assert mail.attempts == 0 and mail.claimed_at is None and mail.sent_at is None


def test_a_point_of_contact_without_an_account_gets_their_email(app, smtp):
    from conference.notifications.emails import compose_for_contact

    compose_for_contact("head.of.service@testshire.example", 3, T0)
    db.session.commit()
    smtp.start()
    assert run_send_emails(T0 + MINUTE)["emails_sent"] == 1
    [message] = smtp.inbox.to("head.of.service@testshire.example")
    text = message.get_content()
    assert "3 actions your agency owns are long overdue" in text
    assert "http://127.0.0.1:5000/actions/" in text
    [mail] = _emails()
    assert mail.recipient_id is None and mail.sent_at == T0 + MINUTE
    assert run_send_emails(T0 + 10 * MINUTE)["emails_sent"] == 0  # once
