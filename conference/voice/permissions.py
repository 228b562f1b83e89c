"""Who may record the victim's voice. Pure predicates."""

from __future__ import annotations

from conference.accounts.models import Role, User
from conference.accounts.permissions import marac_ids_with


def voice_marac_ids(user: User) -> set[int]:
    """The MARACs in which the user is an advocate."""
    return marac_ids_with(user, Role.ADVOCATE)


def voices_any(user: User) -> bool:
    """The victim's voice pages: advocates in any MARAC (each case still checks assignment)."""
    return bool(voice_marac_ids(user))
