"""Reading the system issues log: a fixed number of queries however many issues."""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import datetime

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import lazyload, raiseload

from conference.db import one_page
from conference.extensions import db
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.models import IssueCase, IssueChange, SystemIssue


def listing(
    marac_ids: Collection[int], status: IssueStatus | None, *, page: int, per_page: int
) -> Pagination:
    """The issues of these MARACs (of one status if given), open ones first, by review date.
    Three queries a page: the count, the issues, their cases."""
    query = sa.select(SystemIssue).where(SystemIssue.marac_id.in_(marac_ids))
    if status is not None:
        query = query.where(SystemIssue.status == status)
    return one_page(
        query.order_by(
            sa.case((SystemIssue.status == IssueStatus.RESOLVED, 1), else_=0),
            SystemIssue.review_on,
            SystemIssue.id,
        ),
        page=page,
        per_page=per_page,
    )


def status_counts(marac_ids: Collection[int]) -> dict[IssueStatus, int]:
    """How many issues of these MARACs are in each status. One query."""
    rows = db.session.execute(
        sa.select(SystemIssue.status, sa.func.count(SystemIssue.id))
        .where(SystemIssue.marac_id.in_(marac_ids))
        .group_by(SystemIssue.status)
    )
    counts = dict.fromkeys(IssueStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def raised_at(conference_id: int) -> list[SystemIssue]:
    """The issues raised at a meeting, in the order raised. Two queries."""
    return list(
        db.session.scalars(
            sa.select(SystemIssue)
            .where(SystemIssue.conference_id == conference_id)
            .order_by(SystemIssue.raised_at, SystemIssue.id)
        )
    )


def raised_on_case(conference_id: int, case_id: int) -> list[SystemIssue]:
    """The issues raised at a meeting on one of its cases, each with its agency (the case
    column names it). One query."""
    return list(
        db.session.scalars(
            _raised_on_case_statement(), {"conference_id": conference_id, "case_id": case_id}
        )
    )


@functools.cache
def _raised_on_case_statement() -> sa.Select[SystemIssue]:
    """Built once per process (each move of the console reads it). Without who raised and
    who last changed each issue, the MARAC already loaded, or the cases each was found on
    (the console's case is the one on screen): joined in, the first three made a hundred
    columns that cost more to describe than the empty answer took to run."""
    return (
        sa.select(SystemIssue)
        .join(IssueCase, IssueCase.issue_id == SystemIssue.id)
        .where(
            SystemIssue.conference_id == sa.bindparam("conference_id", type_=sa.Integer),
            IssueCase.case_id == sa.bindparam("case_id", type_=sa.Integer),
        )
        .options(
            lazyload(SystemIssue.marac),
            raiseload(SystemIssue.raised_by),
            raiseload(SystemIssue.updated_by),
            raiseload(SystemIssue.cases),
        )
        .order_by(SystemIssue.raised_at, SystemIssue.id)
    )


def history(issue: SystemIssue) -> list[IssueChange]:
    """Every change to the issue, oldest first, with who made it. One query."""
    return list(
        db.session.scalars(
            sa.select(IssueChange).where(IssueChange.issue_id == issue.id).order_by(IssueChange.id)
        )
    )


def by_category(marac_id: int, start: datetime, after: datetime) -> dict[IssueCategory, dict]:
    """For the steering page: per category, the issues raised in [start, after), those of them
    resolved, and every issue still open now. One query."""
    rows = db.session.execute(
        sa.select(SystemIssue.category, SystemIssue.status, SystemIssue.raised_at).where(
            SystemIssue.marac_id == marac_id,
            sa.or_(SystemIssue.status == IssueStatus.OPEN, SystemIssue.raised_at >= start),
        )
    )
    counts = {c: {"raised": 0, "resolved": 0, "open": 0} for c in IssueCategory}
    for category, status, raised in rows:
        if start <= raised < after:
            counts[category]["raised"] += 1
            if status is IssueStatus.RESOLVED:
                counts[category]["resolved"] += 1
        if status is IssueStatus.OPEN:
            counts[category]["open"] += 1
    return counts
