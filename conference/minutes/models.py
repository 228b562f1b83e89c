"""A conference's minutes: drafted from what the meeting recorded, then finalised.

Final minutes are locked: a correction changes the record and leaves a revision saying who
changed what, when and why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.db import UTCDateTime, max_lengths, utcnow
from conference.extensions import Model

MINUTES_LIMITS = {"opening_notes": 4000, "other_business": 4000}


class Minutes(Model):
    """The minutes of one conference: the notes around the cases, and when they became final."""

    __tablename__ = "minutes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), unique=True
    )
    #: Introductions, observers, anything said before the first case.
    opening_notes: Mapped[str] = mapped_column(sa.Text, default="")
    other_business: Mapped[str] = mapped_column(sa.Text, default="")
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    finalised_by: Mapped[User | None] = relationship(foreign_keys=[finalised_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = max_lengths(MINUTES_LIMITS)

    def __repr__(self) -> str:
        return f"<Minutes {self.id} final={self.finalised_at is not None}>"


class MinutesRevision(Model):
    """A correction to final minutes: what changed, who changed it, when and why. Never edited."""

    __tablename__ = "minutes_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    minutes_id: Mapped[int] = mapped_column(
        sa.ForeignKey("minutes.id", ondelete="CASCADE"), index=True
    )
    #: 1 for the first correction after the minutes became final.
    number: Mapped[int] = mapped_column()
    #: The case the correction touched; empty for the minutes' own notes.
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"))
    #: field -> [before, after], for every field the correction changed.
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.String(1000))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("minutes_id", "number"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        sa.CheckConstraint("length(reason) <= 1000", name="reason_max"),
    )

    def __repr__(self) -> str:
        return f"<MinutesRevision {self.id} {self.number}>"
