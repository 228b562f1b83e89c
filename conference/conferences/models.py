"""Meeting rules, conferences, their agendas and the agencies invited to them.

A MARAC's meeting rule plans its conferences months ahead. Each planned conference keeps the
rule date it was planned for, so the planner never makes that date again, even after the
conference was moved or cancelled. A conference copies the rule's settings (time, place,
capacity) when planned, so changing the rule never silently changes a published meeting.
"""

from __future__ import annotations

from datetime import date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, Marac, User
from conference.conferences.choices import (
    ChangeKind,
    ConferenceStatus,
    Frequency,
    ItemStatus,
    Section,
)
from conference.db import TimestampMixin, UTCDateTime, enum_type, max_lengths, utcnow
from conference.extensions import Model, db
from conference.referrals.models import Case, Referral

PLACE_LIMITS = {"place": 200, "video_link": 300}
REASON_LIMIT = 1000


class MeetingRule(TimestampMixin, Model):
    """When a MARAC meets, for how long and where, and the deadlines around each meeting."""

    __tablename__ = "meeting_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), unique=True)
    frequency: Mapped[Frequency] = mapped_column(enum_type(Frequency, "frequency"))
    #: Monday is 0.
    weekday: Mapped[int] = mapped_column()
    #: For a monthly rule: 1 to 4, or -1 for the last such weekday of the month.
    week_of_month: Mapped[int | None] = mapped_column()
    #: For an every-N-weeks rule: N, counted from first_date.
    interval_weeks: Mapped[int | None] = mapped_column()
    first_date: Mapped[date | None] = mapped_column(sa.Date)
    #: Local time in the MARAC's time zone: 10:00 stays 10:00 across clock changes.
    start_time: Mapped[time] = mapped_column(sa.Time)
    duration_minutes: Mapped[int] = mapped_column(default=240)
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    video_link: Mapped[str] = mapped_column(sa.String(300), default="")
    capacity: Mapped[int] = mapped_column(default=16)
    minutes_per_case: Mapped[int] = mapped_column(default=15)
    #: Referrals accepted up to this many days before a meeting are listed on it.
    cutoff_days: Mapped[int] = mapped_column(default=8)
    #: The agenda is published, and research opens, this many days before.
    research_days: Mapped[int] = mapped_column(default=7)
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    marac: Mapped[Marac] = relationship(lazy="joined", innerjoin=True)
    chair: Mapped[User | None] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint(
            "(frequency = 'monthly' AND week_of_month IN (1, 2, 3, 4, -1)) OR "
            "(frequency = 'every_n_weeks' AND interval_weeks BETWEEN 1 AND 12 "
            "AND first_date IS NOT NULL)",
            name="frequency_complete",
        ),
        sa.CheckConstraint("duration_minutes BETWEEN 30 AND 720", name="duration_range"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 60", name="capacity_range"),
        sa.CheckConstraint("minutes_per_case BETWEEN 5 AND 120", name="minutes_per_case_range"),
        sa.CheckConstraint("research_days BETWEEN 1 AND 42", name="research_days_range"),
        sa.CheckConstraint(
            "cutoff_days BETWEEN research_days AND 60", name="cutoff_before_publication"
        ),
        *max_lengths(PLACE_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<MeetingRule {self.id} marac={self.marac_id}>"


class Conference(TimestampMixin, Model):
    """One meeting of a MARAC."""

    __tablename__ = "conferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    #: The local date the rule planned it for; empty for an extra conference.
    rule_date: Mapped[date | None] = mapped_column(sa.Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    duration_minutes: Mapped[int] = mapped_column()
    place: Mapped[str] = mapped_column(sa.String(200), default="")
    video_link: Mapped[str] = mapped_column(sa.String(300), default="")
    capacity: Mapped[int] = mapped_column()
    minutes_per_case: Mapped[int] = mapped_column()
    #: The last day (local) a referral accepted is listed on this conference.
    cutoff_on: Mapped[date] = mapped_column(sa.Date)
    #: The day (local) the agenda is published and research opens.
    publish_on: Mapped[date] = mapped_column(sa.Date)
    chair_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    status: Mapped[ConferenceStatus] = mapped_column(
        enum_type(ConferenceStatus, "conference_status"),
        default=ConferenceStatus.SCHEDULED,
        index=True,
    )
    is_extra: Mapped[bool] = mapped_column(default=False)
    #: Set when a coordinator moved or edited it: the rule no longer changes it.
    adjusted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.String(REASON_LIMIT), default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Set when the minutes are final: the invited agencies read its cases' details until then
    #: (the MARAC's agency_access_days later).
    agency_access_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Calendar revision: raised whenever the time, place or status changes.
    sequence: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=1)

    marac: Mapped[Marac] = relationship(lazy="joined", innerjoin=True)
    chair: Mapped[User | None] = relationship(lazy="joined")
    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="conference",
        foreign_keys="AgendaItem.conference_id",
        order_by="AgendaItem.position",
        lazy="raise",
        cascade="all, delete-orphan",
    )
    invited_agencies: Mapped[list[Agency]] = relationship(
        secondary="conference_invitations", order_by="Agency.name", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("marac_id", "rule_date"),
        sa.CheckConstraint("duration_minutes BETWEEN 30 AND 720", name="duration_range"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 60", name="capacity_range"),
        sa.CheckConstraint("minutes_per_case BETWEEN 5 AND 120", name="minutes_per_case_range"),
        sa.CheckConstraint("cutoff_on <= publish_on", name="cutoff_before_publication"),
        sa.CheckConstraint(
            "status <> 'cancelled' OR length(trim(cancel_reason)) > 0",
            name="cancel_needs_reason",
        ),
        sa.CheckConstraint("is_extra = (rule_date IS NULL)", name="extra_has_no_rule_date"),
        sa.CheckConstraint(f"length(cancel_reason) <= {REASON_LIMIT}", name="cancel_reason_max"),
        *max_lengths(PLACE_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<Conference {self.id} {self.status}>"

    @property
    def is_upcoming(self) -> bool:
        return self.status in (ConferenceStatus.SCHEDULED, ConferenceStatus.AGENDA_PUBLISHED)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.status is not ConferenceStatus.CANCELLED


class AgendaItem(Model):
    """A case listed on a conference's agenda, in a section, at a position."""

    __tablename__ = "agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    #: The accepted referral that listed it; empty for a standing item.
    referral_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"), index=True)
    section: Mapped[Section] = mapped_column(enum_type(Section, "agenda_section"))
    #: A standing item of overdue actions on a case with children (when it was listed): heard
    #: straight after the cases with children, while the children's agencies are still there.
    with_children: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Order within the whole agenda; sections keep their own block of positions.
    position: Mapped[int] = mapped_column()
    status: Mapped[ItemStatus] = mapped_column(
        enum_type(ItemStatus, "agenda_item_status"), default=ItemStatus.LISTED
    )
    #: Why it was listed although the conference was full.
    over_capacity_reason: Mapped[str] = mapped_column(sa.String(REASON_LIMIT), default="")
    #: The conference it could not go on because that one was full.
    overflowed_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: When the chair first opened it at the meeting, and when it was discussed or deferred.
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the meeting deferred it to the next conference.
    defer_reason: Mapped[str] = mapped_column(
        sa.String(REASON_LIMIT), default="", server_default=""
    )
    #: The conference a deferred item was carried on to when the meeting concluded.
    carried_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="SET NULL")
    )

    conference: Mapped[Conference] = relationship(
        back_populates="items", foreign_keys=[conference_id], lazy="joined", innerjoin=True
    )
    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    referral: Mapped[Referral | None] = relationship(lazy="raise")
    overflowed_from: Mapped[Conference | None] = relationship(
        foreign_keys=[overflowed_from_id], lazy="raise"
    )

    __table_args__ = (
        sa.UniqueConstraint("conference_id", "case_id"),
        sa.CheckConstraint(
            f"length(over_capacity_reason) <= {REASON_LIMIT}", name="over_capacity_reason_max"
        ),
        sa.CheckConstraint(f"length(defer_reason) <= {REASON_LIMIT}", name="defer_reason_max"),
        sa.CheckConstraint(
            "status <> 'deferred' OR length(trim(defer_reason)) > 0", name="deferred_has_reason"
        ),
    )

    def __repr__(self) -> str:
        return f"<AgendaItem {self.id} {self.section}>"


class AgendaChange(Model):
    """A case added to or removed from an agenda after it was published, and why."""

    __tablename__ = "agenda_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        sa.ForeignKey("conferences.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    kind: Mapped[ChangeKind] = mapped_column(enum_type(ChangeKind, "agenda_change_kind"))
    reason: Mapped[str] = mapped_column(sa.String(REASON_LIMIT))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    actor: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        sa.CheckConstraint(f"length(reason) <= {REASON_LIMIT}", name="reason_max"),
    )

    def __repr__(self) -> str:
        return f"<AgendaChange {self.id} {self.kind}>"


conference_invitations = sa.Table(
    "conference_invitations",
    db.metadata,
    sa.Column(
        "conference_id", sa.ForeignKey("conferences.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("agency_id", sa.ForeignKey("agencies.id"), primary_key=True, index=True),
    sa.Column("invited_at", UTCDateTime, nullable=False),
)


class CalendarFeed(Model):
    """A user's private calendar address. Only its hash is kept; the address is shown once."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    def __repr__(self) -> str:
        return f"<CalendarFeed {self.id}>"
