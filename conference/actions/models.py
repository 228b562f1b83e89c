"""Actions agreed at a conference: each owned by one agency, with a due date.

An urgent case may also get interim actions at screening, before any meeting: those name the
referral whose screening agreed them instead of an agenda item, and are tracked, chased and
reviewed like every other action of the case.

Whether an action is overdue is worked out from its due date and status, never stored.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, User
from conference.actions.choices import ActionStatus, OnwardReferral, Priority
from conference.conferences.models import AgendaItem
from conference.db import UTCDateTime, enum_type, max_lengths, utcnow
from conference.extensions import Model
from conference.referrals.models import Case, Perpetrator, Referral

ACTION_LIMITS = {"description": 2000, "owner_name": 120}


class Action(Model):
    """One action of a case's safety plan."""

    __tablename__ = "actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    #: The agenda item (and so the conference) where it was agreed; None for an interim action.
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"), index=True)
    #: The referral whose screening agreed it as an interim action of an urgent case.
    screening_referral_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referrals.id"), index=True
    )
    description: Mapped[str] = mapped_column(sa.String(2000))
    owner_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    #: The person at the owner agency who will do it, when the meeting named one.
    owner_name: Mapped[str] = mapped_column(sa.String(120), default="")
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    priority: Mapped[Priority] = mapped_column(
        enum_type(Priority, "action_priority"), default=Priority.MEDIUM
    )
    status: Mapped[ActionStatus] = mapped_column(
        enum_type(ActionStatus, "action_status"), default=ActionStatus.OPEN, index=True
    )
    agreed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)
    #: The perpetrator of the case's referral this action is about, if it is about one.
    perpetrator_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id"), index=True
    )
    #: Where the meeting referred him on, when the action is an onward referral.
    onward_to: Mapped[OnwardReferral | None] = mapped_column(
        enum_type(OnwardReferral, "onward_referral")
    )

    #: The unfinished action of an earlier plan this one carries forward.
    carried_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("actions.id"), unique=True, index=True
    )
    #: The risks of the case's record it addresses (names of meetings.choices.RISK_FIELDS).
    risks: Mapped[list[str]] = mapped_column(sa.JSON, default=list, server_default="[]")

    case: Mapped[Case] = relationship(lazy="raise")
    perpetrator: Mapped[Perpetrator | None] = relationship(lazy="joined")
    item: Mapped[AgendaItem | None] = relationship(lazy="raise")
    screening_referral: Mapped[Referral | None] = relationship(lazy="raise")
    owner_agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    agreed_by: Mapped[User] = relationship(foreign_keys=[agreed_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("length(trim(description)) > 0", name="description_not_blank"),
        # Agreed either at a meeting or at screening, never both nor neither.
        sa.CheckConstraint(
            "(agenda_item_id IS NULL) <> (screening_referral_id IS NULL)",
            name="agreed_at_meeting_or_screening",
        ),
        sa.CheckConstraint(
            "onward_to IS NULL OR perpetrator_id IS NOT NULL", name="onward_names_perpetrator"
        ),
        *max_lengths(ACTION_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<Action {self.id} {self.status}>"

    @property
    def is_interim(self) -> bool:
        """Agreed at screening, before the case's first meeting."""
        return self.agenda_item_id is None

    def is_overdue(self, today: date) -> bool:
        return not self.status.is_closed and self.due_on < today


class ActionUpdate(Model):
    """A change to an action's status or due date, with who made it, when and why.

    Never edited or deleted: together they are the action's history.
    """

    __tablename__ = "action_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus, "action_update_status"))
    #: The new due date, when the update moved it.
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text)
    #: The standing item it was reviewed under, when a meeting reviewed it.
    agenda_item_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agenda_items.id"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.CheckConstraint("length(trim(note)) > 0", name="note_not_blank"),
        sa.CheckConstraint("length(note) <= 2000", name="note_max"),
    )

    def __repr__(self) -> str:
        return f"<ActionUpdate {self.id} {self.status}>"
