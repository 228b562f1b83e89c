"""The victim's voice: what her advocate learned from her before the meeting, and when she
was told what the meeting agreed.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.conferences.models import AgendaItem
from conference.db import UTCDateTime, enum_type, max_lengths, utcnow
from conference.extensions import Model
from conference.voice.choices import ContactMethod, OutcomeResult

VOICE_LIMITS = {
    "no_contact_reason": 1000,
    "views": 4000,
    "wishes": 4000,
    "fears": 4000,
    "consent_to_share": 2000,
    "safe_contact": 1000,
    "outcome_notes": 2000,
    "outcome_not_told_reason": 1000,
    "feels_safer": 2000,
}


class VictimVoice(Model):
    """Her views, wishes and fears on one agenda item, as her advocate recorded them."""

    __tablename__ = "victim_voices"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agenda_items.id", ondelete="CASCADE"), unique=True
    )
    contact_made: Mapped[bool] = mapped_column()
    contacted_on: Mapped[date | None] = mapped_column(sa.Date)
    contact_method: Mapped[ContactMethod | None] = mapped_column(
        enum_type(ContactMethod, "voice_contact_method")
    )
    no_contact_reason: Mapped[str] = mapped_column(sa.Text, default="")
    views: Mapped[str] = mapped_column(sa.Text, default="")
    wishes: Mapped[str] = mapped_column(sa.Text, default="")
    fears: Mapped[str] = mapped_column(sa.Text, default="")
    #: What she agrees may be shared at the meeting, in her words where possible.
    consent_to_share: Mapped[str] = mapped_column(sa.Text, default="")
    #: How she can be reached safely: seen only by her advocate and the coordinator.
    safe_contact: Mapped[str] = mapped_column(sa.Text, default="")
    # After the meeting: told her (when, how), not safe to contact her (why), or could not
    # reach her (how many tries). Any of them ends the reminders.
    outcome_result: Mapped[OutcomeResult | None] = mapped_column(
        enum_type(OutcomeResult, "voice_outcome_result")
    )
    outcome_not_told_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    outcome_attempts: Mapped[int | None] = mapped_column()
    #: Whether she feels safer now, in her words, if she said.
    feels_safer: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    outcome_told_on: Mapped[date | None] = mapped_column(sa.Date)
    outcome_told_how: Mapped[ContactMethod | None] = mapped_column(
        enum_type(ContactMethod, "voice_outcome_method")
    )
    outcome_notes: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    item: Mapped[AgendaItem] = relationship(lazy="raise")
    updated_by: Mapped[User] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            "contact_made = false OR (contacted_on IS NOT NULL AND contact_method IS NOT NULL)",
            name="contact_has_date_and_method",
        ),
        sa.CheckConstraint(
            "contact_made = true OR length(trim(no_contact_reason)) > 0",
            name="no_contact_has_reason",
        ),
        sa.CheckConstraint(
            "(outcome_told_on IS NULL) = (outcome_told_how IS NULL)",
            name="outcome_has_date_and_method",
        ),
        sa.CheckConstraint(
            "(outcome_result = 'told') = (outcome_told_on IS NOT NULL)", name="told_has_date"
        ),
        sa.CheckConstraint(
            "outcome_result IS NULL OR outcome_result <> 'not_safe' "
            "OR length(trim(outcome_not_told_reason)) > 0",
            name="not_safe_has_reason",
        ),
        sa.CheckConstraint(
            "(outcome_result = 'not_reached') = (outcome_attempts IS NOT NULL)",
            name="not_reached_has_attempts",
        ),
        sa.CheckConstraint("outcome_attempts BETWEEN 1 AND 99", name="attempts_range"),
        *max_lengths(VOICE_LIMITS),
    )

    def __repr__(self) -> str:
        return f"<VictimVoice {self.id} contact_made={self.contact_made}>"
