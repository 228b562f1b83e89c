"""The escalation ladder's record: each step taken on a late action, and the register.

Nothing here holds a name or a case detail: actions are kept by id and case reference.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, Marac, User
from conference.db import UTCDateTime, enum_type, utcnow
from conference.escalation.choices import EntryStatus, Step
from conference.extensions import Model

#: The most a note on a register entry may hold.
NOTE_LIMIT = 4000


class EscalationStep(Model):
    """One rung of the ladder taken for one action and due date, by the job, once.

    The due date is part of what makes it unique: a meeting that moves the due date re-arms
    the ladder for the new one.
    """

    __tablename__ = "escalation_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    #: The due date the action was late against.
    due_on: Mapped[date] = mapped_column(sa.Date)
    step: Mapped[Step] = mapped_column(enum_type(Step, "escalation_step"))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: For CONTACT_TOLD: the contact's account, when the contact has one (told in the app).
    notified_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: For CONTACT_TOLD without an account: the email put in the outbox (emptied when the
    #: outbox forgets it, after 90 days; the step still says the contact was told).
    email_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("outbound_emails.id", ondelete="SET NULL")
    )
    #: For REGISTERED: the register entry the action joined.
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalation_entries.id"))

    __table_args__ = (
        sa.UniqueConstraint("action_id", "due_on", "step"),
        sa.CheckConstraint(
            "(step = 'registered' AND entry_id IS NOT NULL) OR "
            "(step = 'contact_told' AND entry_id IS NULL)",
            name="entry_only_when_registered",
        ),
    )

    def __repr__(self) -> str:
        return f"<EscalationStep {self.id} {self.step}>"


class EscalationEntry(Model):
    """An agency's late actions put before the MARAC's coordinators (and its steering group):
    opened by the job, worked by a coordinator through its statuses."""

    __tablename__ = "escalation_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    status: Mapped[EntryStatus] = mapped_column(
        enum_type(EntryStatus, "escalation_status"), default=EntryStatus.OPEN, index=True
    )
    #: The MARAC's day the first action entered it.
    opened_on: Mapped[date] = mapped_column(sa.Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The last status change: when and by whom (None: the job).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The note of the last status change: what was done with the agency. No names.
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    version: Mapped[int] = mapped_column(default=1)

    marac: Mapped[Marac] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    updated_by: Mapped[User | None] = relationship(lazy="joined")
    actions: Mapped[list[EntryAction]] = relationship(
        back_populates="entry", order_by="EntryAction.id", lazy="selectin"
    )
    history: Mapped[list[EntryChange]] = relationship(
        back_populates="entry", order_by="EntryChange.id", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (sa.CheckConstraint(f"length(note) <= {NOTE_LIMIT}", name="note_max"),)

    def __repr__(self) -> str:
        return f"<EscalationEntry {self.id} {self.status}>"


class EntryAction(Model):
    """One late action on an entry, by reference: its case's reference and its own id."""

    __tablename__ = "escalation_entry_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_entries.id"), index=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    #: The case's reference when the action entered the register.
    case_reference: Mapped[str] = mapped_column(sa.String(24))
    #: The due date it was late against, and the day it entered.
    due_on: Mapped[date] = mapped_column(sa.Date)
    registered_on: Mapped[date] = mapped_column(sa.Date)

    entry: Mapped[EscalationEntry] = relationship(back_populates="actions")

    __table_args__ = (
        sa.UniqueConstraint("entry_id", "action_id", "due_on"),
        sa.CheckConstraint("registered_on > due_on", name="registered_after_due"),
    )

    @property
    def days_late(self) -> int:
        """How late it was when it entered the register."""
        return (self.registered_on - self.due_on).days

    def __repr__(self) -> str:
        return f"<EntryAction {self.id}>"


class EntryChange(Model):
    """One step in an entry's life: opened, an action added, or a status changed, with who,
    when and the note. Append-only."""

    __tablename__ = "escalation_entry_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("escalation_entries.id"), index=True)
    #: None when the entry was opened or an action joined it.
    from_status: Mapped[EntryStatus | None] = mapped_column(
        enum_type(EntryStatus, "escalation_change_from")
    )
    to_status: Mapped[EntryStatus] = mapped_column(enum_type(EntryStatus, "escalation_change_to"))
    #: The action that joined the entry, for that kind of change.
    action_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Who made the change; None: the job.
    by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[EscalationEntry] = relationship(back_populates="history")
    by: Mapped[User | None] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(f"length(note) <= {NOTE_LIMIT}", name="note_max"),)

    def __repr__(self) -> str:
        return f"<EntryChange {self.id} {self.to_status}>"
