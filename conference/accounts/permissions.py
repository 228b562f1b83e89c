"""Who may do what with accounts and the audit trail. Pure predicates over a user."""

from __future__ import annotations

from conference.accounts.models import Role, User

#: Roles whose holders speak for their agency at a meeting and receive its copy of the minutes.
AGENCY_ROLES = (Role.AGENCY_REP, Role.ADVOCATE)


def roles_in(user: User, marac_id: int) -> set[Role]:
    return {g.role for g in user.role_grants if g.marac_id == marac_id}


def speaks_for_an_agency(user: User) -> bool:
    """Holds an agency role somewhere, with an agency: sees the agency's flagged cases."""
    return user.agency_id is not None and any(g.role in AGENCY_ROLES for g in user.role_grants)


def marac_ids_with(user: User, role: Role) -> set[int]:
    """The MARACs in which the user holds role."""
    return {g.marac_id for g in user.role_grants if g.role == role and g.marac_id is not None}


def has_role(user: User, role: Role) -> bool:
    """True when the user holds role anywhere (administrator is install-wide)."""
    return any(g.role == role for g in user.role_grants)


def is_admin(user: User) -> bool:
    return has_role(user, Role.ADMIN)


def can_manage_accounts(user: User) -> bool:
    return is_admin(user)


def can_view_audit(user: User) -> bool:
    return is_admin(user) or has_role(user, Role.COORDINATOR)


def audit_marac_ids(user: User) -> set[int] | None:
    """The MARACs whose audit trail the user may read; None means all of it (administrator)."""
    if is_admin(user):
        return None
    return marac_ids_with(user, Role.COORDINATOR)


#: Roles that see a MARAC's figures: its data return and its steering page.
FIGURES_ROLES = (Role.COORDINATOR, Role.STEERING)


def figures_marac_ids(user: User) -> set[int]:
    """The MARACs whose figures (counts only, never a person) the user may read."""
    return {g.marac_id for g in user.role_grants if g.role in FIGURES_ROLES and g.marac_id}


def sees_figures(user: User) -> bool:
    """Coordinators and steering group members: the data return and the steering page."""
    return bool(figures_marac_ids(user))


def case_roles_in(user: User, marac_id: int) -> set[Role]:
    """The roles that may bring the user near a case: all but the steering group's."""
    return roles_in(user, marac_id) - {Role.STEERING}
