"""Who may read and work the escalation register. Pure predicates over a user."""

from __future__ import annotations

from conference.accounts.models import Role, User
from conference.accounts.permissions import roles_in

#: The roles that read a MARAC's register. The steering group reads it without the case
#: references (see REFERENCE_READERS): it sees no case reference anywhere.
READERS: frozenset[Role] = frozenset({Role.COORDINATOR, Role.STEERING})
#: The roles that see which cases an entry's actions are on.
REFERENCE_READERS: frozenset[Role] = frozenset({Role.COORDINATOR})
#: The roles that change an entry's status.
MANAGERS: frozenset[Role] = frozenset({Role.COORDINATOR})


def reads(user: User, marac_id: int) -> bool:
    """May read marac's register and its entries."""
    return bool(roles_in(user, marac_id) & READERS)


def manages(user: User, marac_id: int) -> bool:
    """May change the status of marac's entries."""
    return bool(roles_in(user, marac_id) & MANAGERS)


def sees_references(user: User, marac_id: int) -> bool:
    """Sees the case references of marac's entries (and links to the cases)."""
    return bool(roles_in(user, marac_id) & REFERENCE_READERS)


def register_marac_ids(user: User) -> set[int]:
    """The MARACs whose register the user reads."""
    return {g.marac_id for g in user.role_grants if g.role in READERS and g.marac_id is not None}


def can_read_register(user: User) -> bool:
    """Reads some MARAC's register: the register is in their menu."""
    return bool(register_marac_ids(user))
