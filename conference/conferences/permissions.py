"""Who may see and change schedules, agendas and research. Pure predicates."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from conference.accounts.models import Role, User
from conference.accounts.permissions import is_admin, marac_ids_with, roles_in
from conference.conferences.choices import PUBLISHED, ConferenceStatus
from conference.conferences.models import Conference
from conference.db import utcnow


def schedule_marac_ids(user: User) -> set[int]:
    """The MARACs whose schedule (dates and places, no case data) the user sees: any role."""
    return {g.marac_id for g in user.role_grants if g.marac_id is not None}


def sees_schedule(user: User) -> bool:
    return bool(schedule_marac_ids(user))


def manages(user: User, marac_id: int) -> bool:
    """Build agendas, move and cancel conferences: the MARAC's coordinators."""
    return Role.COORDINATOR in roles_in(user, marac_id)


def manages_any(user: User) -> bool:
    return bool(marac_ids_with(user, Role.COORDINATOR))


def may_edit_rule(user: User, marac_id: int) -> bool:
    """The meeting rule: administrators and the MARAC's coordinators."""
    return is_admin(user) or manages(user, marac_id)


def chairs(user: User, conference: Conference) -> bool:
    return conference.chair_id == user.id and Role.CHAIR in roles_in(user, conference.marac_id)


def researches(user: User, conference: Conference, invited_ids: Collection[int]) -> bool:
    """An agency representative whose agency is invited, from publication until its access
    ends (agency_access_days after the minutes are final)."""
    return (
        agency_access_open(conference, utcnow())
        and user.agency_id in invited_ids
        and Role.AGENCY_REP in roles_in(user, conference.marac_id)
    )


def agency_access_open(conference: Conference, now: datetime) -> bool:
    """The invited agencies read its cases' details: published, held, minutes drafted, and
    for the MARAC's agency_access_days once the minutes are final."""
    if conference.status in PUBLISHED:
        return True
    ends = conference.agency_access_ends_at
    return conference.status is ConferenceStatus.MINUTES_FINAL and ends is not None and now < ends


def may_view_agenda(user: User, conference: Conference, invited_ids: Collection[int]) -> bool:
    """Coordinators always; the chair; invited agencies' representatives once published."""
    return (
        manages(user, conference.marac_id)
        or chairs(user, conference)
        or researches(user, conference, invited_ids)
    )


def research_marac_ids(user: User) -> set[int]:
    return marac_ids_with(user, Role.AGENCY_REP)


def does_research(user: User) -> bool:
    return bool(research_marac_ids(user))
