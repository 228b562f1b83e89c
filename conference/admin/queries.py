"""What the administration pages read: lists, counts and the user search."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import selectinload

from conference.accounts.models import Agency, Marac, User
from conference.db import one_page
from conference.extensions import db


@dataclass(frozen=True)
class Counts:
    maracs: int
    agencies: int
    users: int
    active_users: int


def counts() -> Counts:
    """How many MARACs, agencies and users there are, in one query."""

    def count(model: type, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[int]:
        return sa.select(sa.func.count()).select_from(model).where(*where).scalar_subquery()

    row = db.session.execute(
        sa.select(
            count(Marac),
            count(Agency),
            count(User),
            count(User, User.is_active_account.is_(True)),
        )
    ).one()
    return Counts(*row)


def all_maracs() -> list[Marac]:
    """Every MARAC, by name."""
    return list(db.session.scalars(sa.select(Marac).order_by(Marac.name)))


def all_agencies() -> list[Agency]:
    """Every agency by name, with the MARACs it sits on (one extra query, not one per agency)."""
    return list(
        db.session.scalars(
            sa.select(Agency).options(selectinload(Agency.maracs)).order_by(Agency.name)
        )
    )


def agency_choices(current_id: int | None = None) -> list[Agency]:
    """Active agencies to put a user in, plus the user's current agency if it is inactive."""
    query = sa.select(Agency).order_by(Agency.name)
    if current_id is None:
        query = query.where(Agency.is_active.is_(True))
    else:
        query = query.where(sa.or_(Agency.is_active.is_(True), Agency.id == current_id))
    return list(db.session.scalars(query))


def search_users(text: str, *, page: int, per_page: int) -> Pagination:
    """Users whose name or email contains text, by name; one page of them.

    Three queries whatever the page size: the count, the page (agency joined), and the roles.
    """
    query = sa.select(User).order_by(User.name, User.id).options(selectinload(User.role_grants))
    text = text.strip()
    if text:
        query = query.where(
            sa.or_(
                User.name.icontains(text, autoescape=True),
                User.email.icontains(text, autoescape=True),
            )
        )
    return one_page(
        query,
        page=page,
        per_page=per_page,
    )
