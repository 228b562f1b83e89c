"""Read-side queries about accounts, for other domains to build on."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac, RoleGrant, User, agency_maracs
from conference.accounts.permissions import AGENCY_ROLES
from conference.extensions import db


def users_with_roles_in(marac_ids: set[int]) -> sa.Select:
    """A subquery of the ids of users holding any role in these MARACs."""
    return sa.select(RoleGrant.user_id).where(RoleGrant.marac_id.in_(marac_ids or {-1}))


def agency_rep_ids(marac_id: int, agency_ids: Collection[int]) -> list[int]:
    """The active representatives in the MARAC of these agencies."""
    if not agency_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(User.id)
            .distinct()
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .where(
                RoleGrant.marac_id == marac_id,
                RoleGrant.role.in_(AGENCY_ROLES),
                User.agency_id.in_(agency_ids),
                User.is_active_account.is_(True),
            )
            .order_by(User.id)
        )
    )


def marac_agencies(marac_id: int) -> list[tuple[int, str]]:
    """(id, name) of the MARAC's active agencies, by name: who can own an action, or be the
    subject of a system issue."""
    rows = db.session.execute(
        sa.select(Agency.id, Agency.name)
        .join(agency_maracs, agency_maracs.c.agency_id == Agency.id)
        .where(agency_maracs.c.marac_id == marac_id, Agency.is_active.is_(True))
        .order_by(Agency.name)
    )
    return [(agency_id, name) for agency_id, name in rows]


def maracs_by_id(marac_ids: Collection[int]) -> list[Marac]:
    """These MARACs, by name."""
    if not marac_ids:
        return []
    return list(
        db.session.scalars(sa.select(Marac).where(Marac.id.in_(marac_ids)).order_by(Marac.name))
    )
