"""Read-side queries about accounts, for other domains to build on."""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa

from conference.accounts.models import RoleGrant, User
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
