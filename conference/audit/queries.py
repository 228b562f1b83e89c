"""Searching the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from conference.audit.models import AuditEvent
from conference.extensions import db

UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class AuditFilters:
    verb: str | None = None
    user_id: int | None = None
    object_type: str | None = None
    object_id: int | None = None
    ip: str | None = None
    on_or_after: date | None = None
    on_or_before: date | None = None

    def used(self) -> list[str]:
        """Names of the filters in use (for the audit record of the search itself)."""
        return [name for name, value in vars(self).items() if value not in (None, "")]


#: Matching events are counted up to this many: past it the log says "more than", since an
#: exact count of millions would cost more than the page. Pages reach this far; filters narrow.
COUNT_LIMIT = 10_000


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    per_page: int
    #: Matching events, counted up to COUNT_LIMIT (more when ``more`` is set).
    total: int
    #: More events match than were counted.
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK)


@dataclass(frozen=True)
class AuditScope:
    """What a reader may see: everything (admin), or a coordinator's MARACs.

    For a coordinator: events of those MARACs, plus events tied to no MARAC (such as
    sign-ins) by staff who hold a role there. ``staff`` is a subquery of those users' ids.
    """

    marac_ids: set[int] | None
    staff: sa.Select | None = None

    @classmethod
    def everything(cls) -> AuditScope:
        return cls(None)

    def condition(self) -> sa.ColumnElement[bool]:
        return sa.or_(*self.parts())

    def parts(self) -> list[sa.ColumnElement[bool]]:
        """The scope as conditions no two events both meet, each served by an index of its own:
        the MARACs' events, then their staff's events tied to no MARAC."""
        if self.marac_ids is None:
            return [sa.true()]
        own = AuditEvent.marac_id.in_(self.marac_ids or {-1})
        if self.staff is None:
            return [own]
        return [own, sa.and_(AuditEvent.marac_id.is_(None), AuditEvent.user_id.in_(self.staff))]


def search(filters: AuditFilters, *, scope: AuditScope, page: int, per_page: int) -> AuditPage:
    """Events matching filters within scope, newest first, one page of them.

    Two queries whatever the page size: the count (up to COUNT_LIMIT) and the page (users
    joined in). A page past the end shows the last page.
    """
    query = sa.select(AuditEvent)
    if filters.verb:
        query = query.where(AuditEvent.verb == filters.verb)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id is not None:
        query = query.where(AuditEvent.object_id == filters.object_id)
    if filters.ip:
        query = query.where(AuditEvent.ip == filters.ip.strip())
    if filters.on_or_after:
        query = query.where(AuditEvent.at >= _start_of(filters.on_or_after))
    if filters.on_or_before:
        query = query.where(AuditEvent.at < _start_of(filters.on_or_before + timedelta(days=1)))

    limit = COUNT_LIMIT
    total = db.session.scalar(_count_up_to(query, scope, limit + 1)) or 0
    query = query.where(scope.condition())
    more = total > limit
    total = min(total, limit)
    page = min(page, max(1, -(-total // per_page)))
    events = db.session.scalars(
        query.options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(list(events), page, per_page, total, more)


def _count_up_to(query: sa.Select, scope: AuditScope, most: int) -> sa.Select:
    """The events query matches, counted up to ``most`` in each part of the scope, in one
    statement. Counted as one "this MARAC or its staff" condition, PostgreSQL reads the table
    from wherever its last sequential scan stopped until enough events match: quick when the
    MARAC's events lie there, a third of a second for the two million rows of a county when
    they do not. Each part alone is read from its index, in a few milliseconds at most."""
    counts = [
        sa.select(sa.func.count())
        .select_from(
            query.with_only_columns(sa.literal(1))
            .select_from(AuditEvent)
            .where(part)
            .limit(most)
            .subquery()
        )
        .scalar_subquery()
        for part in scope.parts()
    ]
    return sa.select(sum(counts[1:], counts[0]))


def known_verbs(scope: AuditScope) -> list[str]:
    """Every verb recorded within scope, for the filter's choices."""
    return _distinct(AuditEvent.verb, scope)


def known_object_types(scope: AuditScope) -> list[str]:
    """Every kind of object named within scope, for the filter's choices."""
    return _distinct(AuditEvent.object_type, scope)


def _distinct(column: sa.Column | Any, scope: AuditScope) -> list[str]:
    """The distinct values of an indexed column within scope, without reading every row.

    First the values in the whole trail, one index probe each (a skip scan written out); then,
    for a reader who sees part of it, those found within scope (one statement, each value
    stopping at its first event there).
    """
    name = column.key
    assert name in ("verb", "object_type")  # both lead an index of the table
    skip_scan = sa.text(
        f"WITH RECURSIVE found(value) AS ("
        f" SELECT min({name}) FROM audit_events"
        f" UNION ALL"
        f" SELECT (SELECT min({name}) FROM audit_events WHERE {name} > found.value)"
        f" FROM found WHERE found.value IS NOT NULL"
        f") SELECT value FROM found WHERE value IS NOT NULL"
    )
    values = sorted(db.session.scalars(skip_scan))
    if scope.marac_ids is None or not values:
        return values
    found: list[str] = []
    # Built once: the scope's condition is the same in every SELECT of the statement.
    within_scope = scope.condition()
    for start in range(0, len(values), COMPOUND_LIMIT):  # SQLite joins at most 500 SELECTs
        within = sa.union_all(
            *(
                sa.select(sa.literal(value)).where(sa.exists().where(column == value, within_scope))
                for value in values[start : start + COMPOUND_LIMIT]
            )
        )
        found.extend(db.session.scalars(within))
    return sorted(found)


COMPOUND_LIMIT = 400
