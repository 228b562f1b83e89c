"""Who may see and report on actions. Pure predicates."""

from __future__ import annotations

from conference.accounts.models import User
from conference.accounts.permissions import AGENCY_ROLES, roles_in
from conference.actions.models import Action


def action_marac_ids(user: User) -> set[int]:
    """The MARACs where the user speaks for their agency (representative or advocate)."""
    return {
        g.marac_id for g in user.role_grants if g.marac_id is not None and g.role in AGENCY_ROLES
    }


def has_actions(user: User) -> bool:
    return bool(action_marac_ids(user))


def reports_on(user: User, action: Action, marac_id: int) -> bool:
    """The owner agency's people in the action's MARAC; nobody else learns it exists."""
    return action.owner_agency_id == user.agency_id and bool(
        set(AGENCY_ROLES) & roles_in(user, marac_id)
    )
