"""Read-side queries about accounts, for other domains to build on."""

from __future__ import annotations

import sqlalchemy as sa

from conference.accounts.models import RoleGrant


def users_with_roles_in(marac_ids: set[int]) -> sa.Select:
    """A subquery of the ids of users holding any role in these MARACs."""
    return sa.select(RoleGrant.user_id).where(RoleGrant.marac_id.in_(marac_ids or {-1}))
