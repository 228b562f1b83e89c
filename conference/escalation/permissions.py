"""Who may read and work the escalation register. Pure predicates over a user."""

from __future__ import annotations

from conference.accounts.models import Role, User
from conference.accounts.permissions import roles_in

#: The roles that read a MARAC's register. Not the steering group yet: an entry names its
#: actions by case reference, and the steering group sees no case reference anywhere.
READERS: frozenset[Role] = frozenset({Role.COORDINATOR})
#: The roles that change an entry's status.
MANAGERS: frozenset[Role] = frozenset({Role.COORDINATOR})


def reads(user: User, marac_id: int) -> bool:
    """May read marac's register and its entries."""
    return bool(roles_in(user, marac_id) & READERS)


def manages(user: User, marac_id: int) -> bool:
    """May change the status of marac's entries."""
    return bool(roles_in(user, marac_id) & MANAGERS)


def register_marac_ids(user: User) -> set[int]:
    """The MARACs whose register the user reads."""
    return {g.marac_id for g in user.role_grants if g.role in READERS and g.marac_id is not None}


def can_read_register(user: User) -> bool:
    """Reads some MARAC's register: the register is in their menu."""
    return bool(register_marac_ids(user))
