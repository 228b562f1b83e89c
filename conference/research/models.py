"""An agency's research return on one case of a published agenda."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, User
from conference.conferences.models import AgendaItem
from conference.db import TimestampMixin, UTCDateTime, enum_type
from conference.extensions import Model
from conference.referrals.models import Perpetrator
from conference.research.choices import Outcome

SUMMARY_LIMIT = 4000


class ResearchReturn(TimestampMixin, Model):
    """What one agency found on one agenda item, and what it will share at the meeting."""

    __tablename__ = "research_returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    outcome: Mapped[Outcome] = mapped_column(enum_type(Outcome, "research_outcome"))
    #: What the agency will share: facts apart from opinion, and anything withheld and why.
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_LIMIT), default="")
    #: RiskFlag values.
    risk_flags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[AgendaItem] = relationship(lazy="raise")
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    updated_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    #: What the agency's records show on each perpetrator of the case, where it said.
    findings: Mapped[list[PerpetratorFinding]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="PerpetratorFinding.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("agenda_item_id", "agency_id"),
        sa.CheckConstraint(
            "outcome <> 'known' OR length(trim(summary)) > 0", name="known_needs_summary"
        ),
        sa.CheckConstraint(f"length(summary) <= {SUMMARY_LIMIT}", name="summary_max"),
    )

    def __repr__(self) -> str:
        return f"<ResearchReturn {self.id} {self.outcome}>"


class PerpetratorFinding(Model):
    """What one agency's records show on one perpetrator of the case, as part of its return."""

    __tablename__ = "research_perpetrator_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(
        sa.ForeignKey("research_returns.id", ondelete="CASCADE"), index=True
    )
    perpetrator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id", ondelete="CASCADE"), index=True
    )
    summary: Mapped[str] = mapped_column(sa.String(SUMMARY_LIMIT))

    perpetrator: Mapped[Perpetrator] = relationship(lazy="joined", innerjoin=True)

    __table_args__ = (
        sa.UniqueConstraint("return_id", "perpetrator_id"),
        sa.CheckConstraint("length(trim(summary)) > 0", name="summary_not_blank"),
        sa.CheckConstraint(f"length(summary) <= {SUMMARY_LIMIT}", name="summary_max"),
    )

    def __repr__(self) -> str:
        return f"<PerpetratorFinding {self.id}>"
