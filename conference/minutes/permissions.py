"""Who may read, edit, finalise and print a conference's minutes. Pure predicates."""

from __future__ import annotations

from collections.abc import Collection

from conference.accounts.models import User
from conference.accounts.permissions import AGENCY_ROLES, roles_in
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import Conference
from conference.meetings.permissions import drives

#: Conferences that have minutes: drafted when the meeting concludes, then final.
WITH_MINUTES = (ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL)


def has_minutes(conference: Conference) -> bool:
    return conference.status in WITH_MINUTES


def is_final(conference: Conference) -> bool:
    return conference.status is ConferenceStatus.MINUTES_FINAL


def writes_minutes(user: User, conference: Conference) -> bool:
    """Read, edit, correct, finalise and print the full minutes: the chair and coordinators."""
    return has_minutes(conference) and drives(user, conference)


def reads_agency_copy(
    user: User, conference: Conference, agency_id: int, copy_agency_ids: Collection[int]
) -> bool:
    """An agency's copy, for an agency that has one (``queries.copy_agency_ids``: present, or
    sent apologies but owns actions from the meeting): whoever writes the minutes (draft or
    final), and that agency's own representatives once the minutes are final."""
    if not has_minutes(conference) or agency_id not in copy_agency_ids:
        return False
    if drives(user, conference):
        return True
    return (
        is_final(conference)
        and user.agency_id == agency_id
        and bool(set(AGENCY_ROLES) & roles_in(user, conference.marac_id))
    )
