"""Who may log, read and work the system issues log. Pure predicates over a user."""

from __future__ import annotations

from conference.accounts.models import Role, User
from conference.accounts.permissions import roles_in

#: Log an issue from a case: the coordinators any time; the chair at the console (and the
#: coordinators there too), through the meeting's own check.
LOGGERS: frozenset[Role] = frozenset({Role.COORDINATOR})
#: Read the log. The chair reads what her meetings raised; the steering group reviews it.
READERS: frozenset[Role] = frozenset({Role.COORDINATOR, Role.CHAIR, Role.STEERING})
#: Change an issue's owner and review date, record its outcome, reopen it.
MANAGERS: frozenset[Role] = frozenset({Role.COORDINATOR, Role.STEERING})
#: See which cases an issue came from. Nobody else sees a case reference on the log.
REFERENCE_READERS: frozenset[Role] = frozenset({Role.COORDINATOR})


def logs(user: User, marac_id: int) -> bool:
    return bool(roles_in(user, marac_id) & LOGGERS)


def reads(user: User, marac_id: int) -> bool:
    return bool(roles_in(user, marac_id) & READERS)


def manages(user: User, marac_id: int) -> bool:
    return bool(roles_in(user, marac_id) & MANAGERS)


def sees_references(user: User, marac_id: int) -> bool:
    return bool(roles_in(user, marac_id) & REFERENCE_READERS)


def marac_ids_with(user: User, roles: frozenset[Role]) -> set[int]:
    return {g.marac_id for g in user.role_grants if g.role in roles and g.marac_id is not None}


def can_read_log(user: User) -> bool:
    """Reads some MARAC's log: it is in their menu."""
    return bool(marac_ids_with(user, READERS))


def can_log(user: User) -> bool:
    return bool(marac_ids_with(user, LOGGERS))
