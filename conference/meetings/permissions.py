"""Who may run a meeting, follow it and read what it recorded. Pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from conference.accounts.models import Role, User
from conference.accounts.permissions import AGENCY_ROLES, case_roles_in, roles_in
from conference.conferences.choices import HELD
from conference.conferences.models import Conference
from conference.conferences.permissions import chairs, manages
from conference.referrals.models import Case


def drives(user: User, conference: Conference) -> bool:
    """Run the console and write the minutes: the conference's chair and the coordinators."""
    return chairs(user, conference) or manages(user, conference.marac_id)


def follows(user: User, conference: Conference, attendee_user_ids: Collection[int]) -> bool:
    """The follow view: whoever drives, and every attendee who accepted confidentiality and
    still holds a role in the MARAC (the steering group's sees figures only)."""
    return drives(user, conference) or (
        user.id in attendee_user_ids and bool(case_roles_in(user, conference.marac_id))
    )


def agency_attended(
    user: User, conference: Conference, present_agency_ids: Collection[int]
) -> bool:
    """A representative (or advocate) whose agency was present: their agency's minutes copy."""
    return (
        bool(set(AGENCY_ROLES) & roles_in(user, conference.marac_id))
        and user.agency_id in present_agency_ids
    )


def sees_held(user: User, conference: Conference, present_agency_ids: Collection[int]) -> bool:
    """Once a meeting starts, only those who run it and the agencies present keep sight of it."""
    return (
        conference.status not in HELD
        or drives(user, conference)
        or user.agency_id in present_agency_ids
    )


def advocates_for(user: User, case: Case) -> bool:
    """The case's assigned advocate, holding the advocate role in its MARAC."""
    return case.advocate_id == user.id and Role.ADVOCATE in roles_in(user, case.marac_id)


def sees_safe_contact(user: User, case: Case) -> bool:
    """How she can safely be reached: her advocate and the MARAC's coordinators only."""
    return advocates_for(user, case) or manages(user, case.marac_id)
