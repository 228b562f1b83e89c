"""The notification outbox: what someone needs to know, without saying anything about a case.

Notifications are shown in the app; OutboundEmail is the email outbox that tells people to look.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.db import UTCDateTime, enum_type, utcnow
from conference.extensions import Model


class Notification(Model):
    """One message to one user. The text names no person and no detail: a kind, a reference
    (a case or referral number) and a link, kept as an endpoint and its ids so it follows the
    URL map. Shown in the app; an email says only how many."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: What happened, e.g. "referral.accepted": chooses the wording.
    kind: Mapped[str] = mapped_column(sa.String(40))
    #: Sending the same thing twice is refused by this key.
    key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    #: A case or referral reference, never a name.
    reference: Mapped[str] = mapped_column(sa.String(24), default="")
    #: The page it leads to, e.g. "referrals.detail"; the URL is built when it is opened.
    endpoint: Mapped[str] = mapped_column(sa.String(80))
    #: That endpoint's arguments: ids only, e.g. {"referral_id": 12}, never a case detail.
    endpoint_args: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When it was counted into an OutboundEmail (the email's own row says when it went).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # An endpoint is a name, never a URL: a link cannot lead outside the app.
        sa.CheckConstraint(
            "endpoint <> '' AND endpoint NOT LIKE '%/%' AND endpoint NOT LIKE '%:%'",
            name="endpoint_is_a_name",
        ),
        sa.Index("ix_notifications_unread", "recipient_id", "read_at"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind}>"


class EmailTransport(StrEnum):
    #: Handed to the SMTP server.
    SMTP = "smtp"
    #: No SMTP server configured: kept here, readable by administrators only.
    OUTBOX = "outbox"


class OutboundEmail(Model):
    """One email to one user (or to an agency's named point of contact), saying how many
    things of each kind wait in the app.

    Composed in the same transaction that marks its notifications emailed, so nothing is
    composed twice; claimed before it is handed over, so nothing is sent twice.
    """

    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The user it tells; None for an agency's named point of contact without an account.
    recipient_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: The address when the email was composed.
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    #: Counts and a sign-in link only: never a name, a reference or a case detail.
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Set just before a delivery attempt and committed first; cleared when the attempt fails.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Delivery attempts begun, counted when claimed.
    attempts: Mapped[int] = mapped_column(default=0)
    #: Why the last attempt failed: the error's kind and code, never the message or a secret.
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    #: Not tried again before this moment (backs off after each failure).
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: How it was delivered, once sent.
    transport: Mapped[EmailTransport | None] = mapped_column(
        enum_type(EmailTransport, "email_transport")
    )
    #: Fixed at the first attempt and kept for every later one, so a receiving system can tell
    #: a repeat from a new email.
    message_id: Mapped[str | None] = mapped_column(sa.String(250))
    #: The whole message was handed over but the server's answer never came: it may have gone,
    #: so it is not tried again unless an administrator resends it.
    maybe_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The server refused it for good (5xx) on each of its last tries: no more tries.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
        sa.Index("ix_outbound_emails_due", "sent_at", "next_attempt_at"),
    )

    @property
    def is_interrupted(self) -> bool:
        """Claimed but never finished: the process stopped mid-send (or is sending now). Tried
        again once its claim has lapsed."""
        return self.sent_at is None and self.claimed_at is not None

    @property
    def is_settled(self) -> bool:
        """Nothing more will be tried without an administrator: sent, failed, or maybe sent."""
        return any(t is not None for t in (self.sent_at, self.failed_at, self.maybe_sent_at))

    def __repr__(self) -> str:
        status = "sent" if self.sent_at else "failed" if self.failed_at else "pending"
        return f"<OutboundEmail {self.id} {status} attempts={self.attempts}>"
