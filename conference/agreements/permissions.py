"""Who may change a MARAC's agreement and read who accepted it. Pure predicates over a user."""

from __future__ import annotations

from conference.accounts.models import Role, User
from conference.accounts.permissions import is_admin, marac_ids_with


def can_manage(user: User, marac_id: int) -> bool:
    """The MARAC's coordinators, and administrators (who edit every MARAC's settings)."""
    return is_admin(user) or marac_id in marac_ids_with(user, Role.COORDINATOR)


def managed_marac_ids(user: User) -> set[int] | None:
    """The MARACs whose agreement the user manages; None means every MARAC (administrator)."""
    return None if is_admin(user) else marac_ids_with(user, Role.COORDINATOR)


def manages_any(user: User) -> bool:
    return is_admin(user) or bool(marac_ids_with(user, Role.COORDINATOR))


def marac_ids_to_accept(user: User) -> set[int]:
    """The MARACs whose agreement the user accepts: every one they hold a role in."""
    return {g.marac_id for g in user.role_grants if g.marac_id is not None}
