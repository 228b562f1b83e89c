"""A conference as it is held: who came, who accepted the confidentiality statement, which
case is on screen, and what was recorded on each case.

A ``Meeting`` row exists from the moment the chair starts recording attendance; it points at
the case on the console, so the follow view and a second console show the same case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, User
from conference.conferences.models import AgendaItem, Conference
from conference.db import BigIntPK, UTCDateTime, enum_type, max_lengths, utcnow
from conference.extensions import Model
from conference.meetings.choices import PERPETRATOR_RISK_FIELDS, Presence, RevisionOf, SavedFrom

RECORD_LIMITS = {
    "information_shared": 8000,
    "risk_to_victim": 4000,
    "risk_to_children": 4000,
    "risk_to_others": 4000,
    "risk_to_staff": 4000,
    "perpetrator_risk_factors": 4000,
    "decisions": 4000,
    "no_action_reason": 1000,
}
PERPETRATOR_RISK_LIMITS = {name: 4000 for name in PERPETRATOR_RISK_FIELDS}
ATTENDEE_LIMITS = {"name": 120, "job_title": 120}


class Meeting(Model):
    """The live state of one conference: started, the case on screen, concluded."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), unique=True
    )
    #: When attendance and confidentiality were done and the first case could open.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Started before its planned time, because the chair said so.
    started_early: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: The case on the chair's screen (and everyone's follow view).
    current_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    concluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Raised on every change, so the follow view can tell it has nothing new.
    version: Mapped[int] = mapped_column(default=1)

    conference: Mapped[Conference] = relationship(lazy="joined", innerjoin=True)
    current_item: Mapped[AgendaItem | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Meeting {self.id} conference={self.conference_id}>"


class Attendance(Model):
    """Whether an agency was present or sent apologies (and whether it sent information)."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    presence: Mapped[Presence] = mapped_column(enum_type(Presence, "presence"))
    #: For apologies: did the agency send its information in advance?
    information_sent: Mapped[bool | None] = mapped_column()
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "agency_id"),
        sa.CheckConstraint(
            "presence = 'present' OR information_sent IS NOT NULL",
            name="apologies_say_if_information_sent",
        ),
    )

    def __repr__(self) -> str:
        return f"<Attendance {self.id} {self.presence}>"


class Attendee(Model):
    """A person in the room or on the call, for an agency, and their confidentiality sign-off."""

    __tablename__ = "attendees"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    #: The app user, when the attendee has an account: they then get the follow view.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    job_title: Mapped[str] = mapped_column(sa.String(120), default="")
    accepted_confidentiality_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Watching rather than taking part for an agency (a new member of staff, an inspector):
    #: listed apart in the minutes and counted apart in the data return.
    is_observer: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User | None] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "user_id"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        *max_lengths(ATTENDEE_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<Attendee {self.id}>"


class Discussion(Model):
    """What the meeting recorded on one case: information shared, risks, decisions.

    One row per agenda item. Two people may edit it at once; ``version`` refuses a save made
    on a stale copy rather than letting it overwrite the other person's words.
    """

    __tablename__ = "discussions"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True
    )
    information_shared: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_victim: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_children: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_others: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_staff: Mapped[str] = mapped_column(sa.Text, default="")
    perpetrator_risk_factors: Mapped[str] = mapped_column(sa.Text, default="")
    decisions: Mapped[str] = mapped_column(sa.Text, default="")
    #: Why the meeting agreed no action, when it agreed none.
    no_action_reason: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    updated_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = max_lengths(RECORD_LIMITS)

    def __repr__(self) -> str:
        return f"<Discussion {self.id} item={self.agenda_item_id}>"


class Revision(Model):
    """One save of a case's record or of the minutes' notes: who, when, from where, and each
    field it changed before and after. Kept for every save, so nothing typed is lost when
    someone else's text replaces it. Never edited, except that one person's console saves in
    quick succession (the record saving itself as they type) fold into one revision
    (console.keep_revision).
    """

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    #: The case whose record it is; empty for the minutes' notes.
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    part: Mapped[RevisionOf] = mapped_column(enum_type(RevisionOf, "revision_of"))
    saved_from: Mapped[SavedFrom] = mapped_column(enum_type(SavedFrom, "saved_from"))
    #: The record's version this save made.
    version: Mapped[int] = mapped_column()
    #: field -> [before, after], for every field the save changed.
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    #: Made on a stale copy and merged with what someone else had saved meanwhile.
    merged: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<Revision {self.id} {self.part.value} v{self.version}>"


class PerpetratorRisk(Model):
    """The meeting's view of one perpetrator's risk to others, on one agenda item.

    One row per perpetrator of the item's referral. Versioned like the case's record, so a
    save made on a stale copy is refused rather than overwriting the other person's words.
    """

    __tablename__ = "perpetrator_risks"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    perpetrator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id", ondelete="CASCADE"), index=True
    )
    risk_to_new_partner: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_children: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_family: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_public: Mapped[str] = mapped_column(sa.Text, default="")
    risk_to_staff: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    updated_by: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("agenda_item_id", "perpetrator_id"),
        *max_lengths(PERPETRATOR_RISK_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<PerpetratorRisk {self.id} item={self.agenda_item_id}>"

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in PERPETRATOR_RISK_FIELDS)
