"""Delivering the email outbox: to an SMTP server, or, with none configured, kept locally.

Like the job runner, this is a transaction boundary, because it talks to a server that cannot
be rolled back: each email is claimed and committed before it is handed over, and the outcome
is committed straight after. A claim is a lease: a run that dies mid-send leaves a claim that
lapses after LEASE, and the email is tried again with the same Message-ID, so a receiving
system can tell the repeat. A server that took the whole message but never answered may have
delivered it: that email waits for an administrator to resend it rather than being sent
blindly again. A permanent refusal (5xx) is tried PERMANENT_TRIES times, then marked failed.
"""

from __future__ import annotations

import logging
import os
import re
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

#: Minutes to wait after the first, second and third failure; hourly after that.
RETRY_MINUTES = (5, 15, 60)
#: How long a claim holds: longer than any send can take (the wait for the end of the data
#: included), so a lapsed claim means the run that made it has died.
LEASE = timedelta(minutes=15)
#: Tries of an email the server refuses for good (5xx) before it is marked failed.
PERMANENT_TRIES = 3
#: RFC 5321 (4.5.3.2.6): a client waits at least 10 minutes for the answer to the end of the
#: data, because the server may be delivering as it goes; giving up sooner invites duplicates.
DATA_END_TIMEOUT_SECONDS = 600
#: A run sends at most this many, so one run stays short; the rest go on the next.
BATCH = 200
TLS_MODES = ("starttls", "ssl", "none")
#: Refusals of one message: the next message may still go, on the same connection.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the attempts-th failed attempt."""
    return timedelta(minutes=RETRY_MINUTES[min(attempts, len(RETRY_MINUTES)) - 1])


class MaybeSent(Exception):
    """The whole message was handed over, but the server's answer never came."""


def is_permanent(error: BaseException) -> bool:
    """A refusal the server says will not change on a retry: a 5xx reply."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


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
        self.data_end_timeout = float(
            config.get("MAIL_DATA_END_TIMEOUT_SECONDS") or DATA_END_TIMEOUT_SECONDS
        )
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
            self._transfer(self._smtp, message)
        except MESSAGE_ERRORS:
            raise
        except Exception:
            self.broken = True
            raise

    def _transfer(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        """MAIL, RCPT and DATA step by step (smtplib's sendmail in short), so that a silence
        after the whole message went is told apart from a failure before it went."""
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        smtp.ehlo_or_helo_if_needed()
        code, reply = smtp.mail(sender)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, reply, sender)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        code, reply = smtp.docmd("DATA")
        if code != 354:
            smtp.rset()
            raise smtplib.SMTPDataError(code, reply)
        smtp.send(_data_of(message))
        # Handed over: from here, no answer means it may have been delivered.
        if smtp.sock is not None:
            smtp.sock.settimeout(self.data_end_timeout)
        try:
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPServerDisconnected) as silence:
            raise MaybeSent from silence
        finally:
            if smtp.sock is not None:
                smtp.sock.settimeout(self.timeout)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

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


def _data_of(message: EmailMessage) -> bytes:
    """The message as SMTP carries it: CRLF lines, a leading dot doubled, ended by a lone dot."""
    raw = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
    raw = re.sub(rb"(?m)^\.", b"..", raw)
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw + b".\r\n"


def message_id_for(email: OutboundEmail, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return make_msgid(f"conference-{email.id}", domain=domain)


def build_message(email: OutboundEmail, sender: str, now: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = email.message_id or message_id_for(email, sender)
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
    tally = {"emails_sent": 0, "emails_failed": 0, "emails_given_up": 0, "emails_maybe_sent": 0}
    with transport_for(config) as transport:
        for email_id in _due_ids(now):
            if not _claim(email_id, now):
                continue  # another run has it
            email = db.session.get_one(OutboundEmail, email_id, populate_existing=True)
            if email.message_id is None:
                email.message_id = message_id_for(email, config["MAIL_FROM"])
            db.session.commit()
            try:
                transport.send(build_message(email, config["MAIL_FROM"], now))
            except MaybeSent:
                email.maybe_sent_at, email.last_error = now, "No answer after the message"
                db.session.commit()
                log.warning("email may have been sent", extra={"email_id": email.id})
                tally["emails_maybe_sent"] += 1
                break  # the connection is no longer usable
            except Exception as error:
                gave_up = _record_failure(email, error, now)
                db.session.commit()
                tally["emails_given_up" if gave_up else "emails_failed"] += 1
                if transport.broken:
                    break
            else:
                email.sent_at, email.transport, email.last_error = now, transport.kind, None
                db.session.commit()
                tally["emails_sent"] += 1
    if any(tally.values()):
        log.info("emails delivered", extra=tally)
    return tally


def _due_ids(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(OutboundEmail.id)
            .outerjoin(User, User.id == OutboundEmail.recipient_id)
            .where(
                *_waiting(now),
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
        .where(OutboundEmail.id == email_id, *_waiting(now))
        .values(claimed_at=now, attempts=OutboundEmail.attempts + 1)
    )
    return affected_rows(result) == 1


def _waiting(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """Not sent, not settled, and not claimed by a run still inside its lease."""
    return (
        OutboundEmail.sent_at.is_(None),
        OutboundEmail.failed_at.is_(None),
        OutboundEmail.maybe_sent_at.is_(None),
        sa.or_(OutboundEmail.claimed_at.is_(None), OutboundEmail.claimed_at < now - LEASE),
    )


def _record_failure(email: OutboundEmail, error: Exception, now: datetime) -> bool:
    """Keep why it failed and when to try again; True when it has been refused for good."""
    email.claimed_at = None
    email.last_error = short_error(error)
    email.next_attempt_at = now + retry_delay(email.attempts)
    if is_permanent(error) and email.attempts >= PERMANENT_TRIES:
        email.failed_at = now
        log.warning("email refused for good", extra={"email_id": email.id})
        return True
    # The id and the error's kind only: never the address or the body.
    log.warning(
        "email not delivered",
        extra={"email_id": email.id, "attempts": email.attempts, "error": email.last_error},
    )
    return False
