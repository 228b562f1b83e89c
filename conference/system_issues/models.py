"""The system issues log. An issue names no victim: the cases it came from are kept by
reference, apart from its description, and only the coordinators see them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, Marac, User
from conference.db import UTCDateTime, enum_type, utcnow
from conference.extensions import Model
from conference.system_issues.choices import IssueCategory, IssueStatus

#: The most a description may hold, and an outcome or a note.
DESCRIPTION_LIMIT = 2000
NOTE_LIMIT = 4000
#: The most an owner's description may hold (a role and an agency, not a person's details).
OWNER_LIMIT = 120


class SystemIssue(Model):
    """A gap in the system found on one or more cases, logged by a chair or a coordinator,
    owned by someone who can fix it and reviewed by the steering group."""

    __tablename__ = "system_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    category: Mapped[IssueCategory] = mapped_column(enum_type(IssueCategory, "issue_category"))
    #: The agency whose practice it is about, when it is about one.
    agency_id: Mapped[int | None] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    #: What went wrong, in words that name no victim or perpetrator.
    description: Mapped[str] = mapped_column(sa.Text)
    #: Who will see it fixed: a role and an agency ("Head of housing options"). Empty: not yet.
    owner: Mapped[str] = mapped_column(sa.String(OWNER_LIMIT), default="", server_default="")
    #: When the steering group next looks at it.
    review_on: Mapped[date] = mapped_column(sa.Date, index=True)
    status: Mapped[IssueStatus] = mapped_column(
        enum_type(IssueStatus, "issue_status"), default=IssueStatus.OPEN, index=True
    )
    #: What came of it, recorded when it is resolved.
    outcome: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: The meeting it was raised at, when it was raised at one: its minutes list it.
    conference_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conferences.id"), index=True)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    raised_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    marac: Mapped[Marac] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Agency | None] = relationship(lazy="joined")
    raised_by: Mapped[User] = relationship(foreign_keys=[raised_by_id], lazy="joined")
    updated_by: Mapped[User] = relationship(foreign_keys=[updated_by_id], lazy="joined")
    cases: Mapped[list[IssueCase]] = relationship(
        back_populates="issue", order_by="IssueCase.case_reference", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint(
            f"length(description) BETWEEN 1 AND {DESCRIPTION_LIMIT}", name="description_size"
        ),
        sa.CheckConstraint(f"length(outcome) <= {NOTE_LIMIT}", name="outcome_max"),
        sa.CheckConstraint("status = 'open' OR length(outcome) > 0", name="resolved_with_outcome"),
    )

    def __repr__(self) -> str:
        return f"<SystemIssue {self.id} {self.status}>"


class IssueCase(Model):
    """A case the issue was found on, by reference. Only the coordinators see these."""

    __tablename__ = "system_issue_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("system_issues.id"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    case_reference: Mapped[str] = mapped_column(sa.String(24))

    issue: Mapped[SystemIssue] = relationship(back_populates="cases")

    __table_args__ = (sa.UniqueConstraint("issue_id", "case_id"),)

    def __repr__(self) -> str:
        return f"<IssueCase {self.id}>"


class IssueChange(Model):
    """One step in an issue's life: raised, updated, resolved or reopened, with who, when,
    the owner and review date it left, and the note. Append-only."""

    __tablename__ = "system_issue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_id: Mapped[int] = mapped_column(sa.ForeignKey("system_issues.id"), index=True)
    #: None when the issue was raised.
    from_status: Mapped[IssueStatus | None] = mapped_column(
        enum_type(IssueStatus, "issue_change_from")
    )
    to_status: Mapped[IssueStatus] = mapped_column(enum_type(IssueStatus, "issue_change_to"))
    owner: Mapped[str] = mapped_column(sa.String(OWNER_LIMIT), default="", server_default="")
    review_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(f"length(note) <= {NOTE_LIMIT}", name="note_max"),)

    def __repr__(self) -> str:
        return f"<IssueChange {self.id} {self.to_status}>"
