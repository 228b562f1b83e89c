"""The notification outbox: what someone needs to know, without saying anything about a case."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.db import UTCDateTime, utcnow
from conference.extensions import db


class Notification(db.Model):
    """One message to one user. The text names no person and no detail: a kind, a reference
    (a case or referral number) and a link. Delivered in the app now; email comes later."""

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
    #: A path inside the app.
    link: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When an email went out for it (a later issue delivers email).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("link LIKE '/%'", name="link_is_local"),
        sa.Index("ix_notifications_unread", "recipient_id", "read_at"),
    )

    def __repr__(self) -> str:
        return f"<Notification {self.id} {self.kind}>"
