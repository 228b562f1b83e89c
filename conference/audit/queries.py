"""Searching the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    page: int
    per_page: int
    total: int

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
        if self.marac_ids is None:
            return sa.true()
        own = AuditEvent.marac_id.in_(self.marac_ids or {-1})
        if self.staff is None:
            return own
        return sa.or_(
            own, sa.and_(AuditEvent.marac_id.is_(None), AuditEvent.user_id.in_(self.staff))
        )


def search(filters: AuditFilters, *, scope: AuditScope, page: int, per_page: int) -> AuditPage:
    """Events matching filters within scope, newest first, one page of them.

    Two queries whatever the page size: the count and the page (users joined in).
    A page past the end shows the last page.
    """
    query = sa.select(AuditEvent).where(scope.condition())
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

    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = min(page, max(1, -(-total // per_page)))
    events = db.session.scalars(
        query.options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return AuditPage(list(events), page, per_page, total)


def known_verbs(scope: AuditScope) -> list[str]:
    """Every verb recorded within scope, for the filter's choices."""
    return list(
        db.session.scalars(
            sa.select(AuditEvent.verb).where(scope.condition()).distinct().order_by(AuditEvent.verb)
        )
    )


def known_object_types(scope: AuditScope) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.object_type)
            .where(scope.condition(), AuditEvent.object_type.is_not(None))
            .distinct()
            .order_by(AuditEvent.object_type)
        )
    )
