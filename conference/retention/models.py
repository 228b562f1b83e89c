"""Legal holds: a coordinator keeps a closed case past its retention period, with a reason."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import User
from conference.db import UTCDateTime, utcnow
from conference.extensions import Model

#: Longest reason for placing or lifting a hold; the forms use the same number.
REASON_LIMIT = 1000


class LegalHold(Model):
    """One hold on a case, from placing to lifting. A case has at most one hold not lifted."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    placed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Why it is kept (a court case, a review, a complaint): about the case, not a person.
    reason: Mapped[str] = mapped_column(sa.Text)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lift_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: Bumped when the hold is lifted: a lift made on a stale copy is refused (409).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    placed_by: Mapped[User] = relationship(foreign_keys=[placed_by_id], lazy="joined")
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            f"length(trim(reason)) > 0 AND length(reason) <= {REASON_LIMIT}",
            name="reason_length",
        ),
        sa.CheckConstraint(f"length(lift_reason) <= {REASON_LIMIT}", name="lift_reason_max"),
        sa.CheckConstraint(
            "(lifted_at IS NULL) = (lifted_by_id IS NULL)", name="lifted_by_someone"
        ),
        sa.CheckConstraint(
            "lifted_at IS NULL OR length(trim(lift_reason)) > 0", name="lift_has_reason"
        ),
        sa.Index(
            "uq_legal_holds_one_standing",
            "case_id",
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        ),
    )

    @property
    def is_standing(self) -> bool:
        return self.lifted_at is None

    def __repr__(self) -> str:
        return f"<LegalHold {self.id} case {self.case_id}>"
