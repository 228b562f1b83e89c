"""Delivering the email outbox: to an SMTP server, or, with none configured, kept locally.

Like the job runner, this is a transaction boundary, because it talks to a server that cannot
be rolled back: each email is claimed and committed before it is handed over, and the outcome
is committed straight after. So a sent email is never sent again (a second run cannot claim
it), and a failed one keeps its place with a later time to try again.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

import sqlalchemy as sa
from flask import current_app

from conference.accounts.models import User
from conference.config import ConfigError
from conference.db import affected_rows
from conference.extensions import db
from conference.notifications.models import EmailTransport, OutboundEmail

log = logging.getLogger(__name__)

#: Minutes to wait after the first, second and third failure; hourly after that, for good.
RETRY_MINUTES = (5, 15, 60)
#: A run sends at most this many, so one run stays short; the rest go on the next.
BATCH = 200
TLS_MODES = ("starttls", "ssl", "none")
#: Refusals of one message: the next message may still go, on the same connection.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the attempts-th failed attempt."""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


def short_error(error: BaseException) -> str:
    """The error's kind and code: never the server's text, which may quote an address."""
    name = type(error).__name__
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"{name} {','.join(map(str, codes))}".strip()
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{name} {error.smtp_code}"
    if isinstance(error, OSError) and error.strerror:
        return f"{name}: {error.strerror}"[:200]
    return name


class OutboxTransport:
    """No SMTP server: the email stays in the outbox, where administrators can read it."""

    kind = EmailTransport.OUTBOX
    broken = False

    def __enter__(self) -> OutboxTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, message: EmailMessage) -> None:
        return None


class SmtpTransport:
    """One connection for a run, opened at the first email and closed at the end."""

    kind = EmailTransport.SMTP

    def __init__(self, config: dict[str, Any]) -> None:
        self.host = config["MAIL_SMTP_HOST"]
        self.port = int(config["MAIL_SMTP_PORT"])
        self.tls = config["MAIL_SMTP_TLS"]
        self.username = config.get("MAIL_SMTP_USERNAME") or ""
        self.password = smtp_password(config)
        self.timeout = float(config["MAIL_TIMEOUT_SECONDS"])
        if self.tls not in TLS_MODES:
            raise ConfigError(f"MAIL_SMTP_TLS must be one of {', '.join(TLS_MODES)}")
        self._smtp: smtplib.SMTP | None = None
        #: Set when the connection failed: the rest of the batch waits for the next run.
        self.broken = False

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except OSError:  # smtplib errors are OSErrors too
                self._smtp.close()
            self._smtp = None

    def send(self, message: EmailMessage) -> None:
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            self._smtp.send_message(message)
        except MESSAGE_ERRORS:
            raise
        except Exception:
            self.broken = True
            raise

    def _connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.tls == "ssl":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.tls == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
        except BaseException:
            smtp.close()
            raise
        return smtp


def smtp_password(config: dict[str, Any]) -> str:
    """The SMTP password, set only by the CONFERENCE_MAIL_SMTP_PASSWORD environment variable."""
    value = config.get("MAIL_SMTP_PASSWORD") or ""
    if not isinstance(value, str):
        # from_prefixed_env reads values as JSON: a password like "1e5" arrives as a number.
        value = os.environ.get("CONFERENCE_MAIL_SMTP_PASSWORD", str(value))
    return value


def transport_for(config: dict[str, Any]) -> OutboxTransport | SmtpTransport:
    return SmtpTransport(config) if config.get("MAIL_SMTP_HOST") else OutboxTransport()


def build_message(email: OutboundEmail, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(f"conference-{email.id}", domain=domain)
    # RFC 3834: no out-of-office replies to an automatic message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body)
    return message


def deliver_due(now: datetime) -> dict[str, int]:
    """Send every email that is due, oldest first, up to BATCH.

    Commits: first whatever the session holds (the composed emails), then each claim and
    each outcome. An email whose recipient is no longer active waits.
    """
    db.session.commit()
    config = current_app.config
    sent = failed = 0
    with transport_for(config) as transport:
        for email_id in _due_ids(now):
            if not _claim(email_id, now):
                continue  # another run has it
            db.session.commit()
            email = db.session.get_one(OutboundEmail, email_id, populate_existing=True)
            try:
                transport.send(build_message(email, config["MAIL_FROM"], now))
            except Exception as error:
                _record_failure(email, error, now)
                db.session.commit()
                failed += 1
                if transport.broken:
                    break
            else:
                email.sent_at, email.transport, email.last_error = now, transport.kind, None
                db.session.commit()
                sent += 1
    if sent or failed:
        log.info("emails delivered", extra={"sent": sent, "failed": failed})
    return {"emails_sent": sent, "emails_failed": failed}


def _due_ids(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboundEmail.id)
            .outerjoin(User, User.id == OutboundEmail.recipient_id)
            .where(
                OutboundEmail.sent_at.is_(None),
                OutboundEmail.claimed_at.is_(None),
                OutboundEmail.next_attempt_at <= now,
                # A point of contact's email has no account to be active.
                sa.or_(OutboundEmail.recipient_id.is_(None), User.is_active_account.is_(True)),
            )
            .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id)
            .limit(BATCH)
        )
    )


def _claim(email_id: int, now: datetime) -> bool:
    """Take the email for this run; only one run can, whatever else runs at the same time."""
    result = db.session.execute(
        sa.update(OutboundEmail)
        .where(
            OutboundEmail.id == email_id,
            OutboundEmail.sent_at.is_(None),
            OutboundEmail.claimed_at.is_(None),
        )
        .values(claimed_at=now, attempts=OutboundEmail.attempts + 1)
    )
    return affected_rows(result) == 1


def _record_failure(email: OutboundEmail, error: Exception, now: datetime) -> None:
    email.claimed_at = None
    email.last_error = short_error(error)
    email.next_attempt_at = now + retry_delay(email.attempts)
    # The id and the error's kind only: never the address or the body.
    log.warning(
        "email not delivered",
        extra={"email_id": email.id, "attempts": email.attempts, "error": email.last_error},
    )
