"""A case's transfer from one MARAC to another, and what becomes of each of its open actions."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, Marac
from conference.db import UTCDateTime, enum_type, utcnow
from conference.extensions import Model
from conference.referrals.models import REASON_LIMIT, Case
from conference.transfers.choices import ActionFate, TransferStatus


class CaseTransfer(Model):
    """The sending MARAC's coordinator asks; the receiving MARAC's coordinator decides."""

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    from_marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    to_marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    #: The case's reference in the sending MARAC; accepting gives it one in the receiving MARAC.
    from_reference: Mapped[str] = mapped_column(sa.String(24))
    status: Mapped[TransferStatus] = mapped_column(
        enum_type(TransferStatus, "transfer_status"), default=TransferStatus.REQUESTED, index=True
    )
    #: Why she is moving on: may hold case detail, so it is never in a notification or log.
    reason: Mapped[str] = mapped_column(sa.Text)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    case: Mapped[Case] = relationship(lazy="joined", innerjoin=True)
    from_marac: Mapped[Marac] = relationship(foreign_keys=[from_marac_id], lazy="joined")
    to_marac: Mapped[Marac] = relationship(foreign_keys=[to_marac_id], lazy="joined")
    decisions: Mapped[list[ActionDecision]] = relationship(
        back_populates="transfer", order_by="ActionDecision.action_id", lazy="selectin"
    )

    __table_args__ = (
        sa.CheckConstraint("from_marac_id <> to_marac_id", name="to_another_marac"),
        sa.CheckConstraint(f"length(reason) <= {REASON_LIMIT}", name="reason_max"),
        sa.CheckConstraint(f"length(decline_reason) <= {REASON_LIMIT}", name="decline_reason_max"),
    )

    def __repr__(self) -> str:
        return f"<CaseTransfer {self.id} {self.status}>"


class ActionDecision(Model):
    """The sending coordinator's decision on one action open when the case was sent: carried
    over to an agency of the receiving MARAC, or closed with a reason. Applied on acceptance."""

    __tablename__ = "transfer_action_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(sa.ForeignKey("case_transfers.id"), index=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    fate: Mapped[ActionFate] = mapped_column(enum_type(ActionFate, "action_fate"))
    #: The agency of the receiving MARAC that owns it once carried over.
    new_owner_agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"))
    close_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")

    transfer: Mapped[CaseTransfer] = relationship(back_populates="decisions")
    new_owner_agency: Mapped[Agency | None] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("transfer_id", "action_id"),
        sa.CheckConstraint(
            "(fate = 'carry_over' AND new_owner_agency_id IS NOT NULL) OR "
            "(fate = 'close' AND length(close_reason) > 0)",
            name="decided_in_full",
        ),
        sa.CheckConstraint(f"length(close_reason) <= {REASON_LIMIT}", name="close_reason_max"),
    )

    def __repr__(self) -> str:
        return f"<ActionDecision {self.id} {self.fate}>"
