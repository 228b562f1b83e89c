"""Reading a meeting: the opening screen, the console and the follow view, each in a fixed
number of queries however long the agenda or the case's history.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer, joinedload, lazyload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from conference.accounts.models import Agency, RoleGrant, User
from conference.accounts.queries import (
    marac_agencies as marac_agencies,  # kept here for its callers
)
from conference.actions.models import Action
from conference.conferences import display, listing, queries
from conference.conferences.choices import ItemStatus
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.extensions import db
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Discussion, Meeting, Revision
from conference.referrals.models import Case, Perpetrator, Referral
from conference.research.models import PerpetratorFinding, ResearchReturn


def invited_agencies(conference_id: int) -> list[Agency]:
    return list(
        db.session.scalars(
            sa.select(Agency)
            .join(conference_invitations, conference_invitations.c.agency_id == Agency.id)
            .where(conference_invitations.c.conference_id == conference_id)
            .order_by(Agency.name)
        )
    )


def attendances(conference_id: int) -> list[Attendance]:
    return list(
        db.session.scalars(sa.select(Attendance).where(Attendance.conference_id == conference_id))
    )


def attendees(conference_id: int) -> list[Attendee]:
    return list(
        db.session.scalars(
            sa.select(Attendee)
            .where(Attendee.conference_id == conference_id)
            .order_by(Attendee.added_at, Attendee.id)
        )
    )


def following_user_ids(conference_id: int) -> set[int]:
    """Attendees with accounts who accepted the confidentiality statement."""
    return set(
        db.session.scalars(
            sa.select(Attendee.user_id).where(
                Attendee.conference_id == conference_id,
                Attendee.user_id.is_not(None),
                Attendee.accepted_confidentiality_at.is_not(None),
            )
        )
    )


def present_agency_ids(conference_id: int) -> set[int]:
    from conference.meetings.choices import Presence

    return set(
        db.session.scalars(
            sa.select(Attendance.agency_id).where(
                Attendance.conference_id == conference_id,
                Attendance.presence == Presence.PRESENT,
            )
        )
    )


def present_agencies_for(conference_ids: Collection[int]) -> dict[int, set[int]]:
    """Conference id -> the agencies recorded present at it; one query."""
    from conference.meetings.choices import Presence

    present: dict[int, set[int]] = {}
    if not conference_ids:
        return present
    rows = db.session.execute(
        sa.select(Attendance.conference_id, Attendance.agency_id).where(
            Attendance.conference_id.in_(conference_ids),
            Attendance.presence == Presence.PRESENT,
        )
    )
    for conference_id, agency_id in rows:
        present.setdefault(conference_id, set()).add(agency_id)
    return present


def people_who_may_attend(conference: Conference) -> list[User]:
    """Active users with a role in the MARAC and not yet listed present, by agency then name:
    the attendee picker."""
    listed = sa.select(Attendee.user_id).where(
        Attendee.conference_id == conference.id, Attendee.user_id.is_not(None)
    )
    return list(
        db.session.scalars(
            sa.select(User)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Agency, Agency.id == User.agency_id)
            .where(
                RoleGrant.marac_id == conference.marac_id,
                User.is_active_account.is_(True),
                User.id.not_in(listed),
            )
            .order_by(Agency.name, User.name)
            .distinct()
        )
    )


def sent_with_apologies(conference_id: int) -> set[int]:
    """Agencies recorded as sending apologies and their information: nothing of theirs is
    missing."""
    return set(
        db.session.scalars(
            sa.select(Attendance.agency_id).where(
                Attendance.conference_id == conference_id,
                Attendance.presence == Presence.APOLOGIES,
                Attendance.information_sent.is_(True),
            )
        )
    )


def returned_agency_ids(conference_id: int) -> set[int]:
    """Agencies that made at least one research return for the conference."""
    return set(
        db.session.scalars(
            sa.select(ResearchReturn.agency_id)
            .join(AgendaItem, AgendaItem.id == ResearchReturn.agenda_item_id)
            .where(AgendaItem.conference_id == conference_id)
            .distinct()
        )
    )


def revisions_of(conference_id: int) -> list[Revision]:
    """Every revision of a conference's case records and minutes' notes, newest first."""
    return list(
        db.session.scalars(
            sa.select(Revision)
            .where(Revision.conference_id == conference_id)
            .order_by(Revision.at.desc(), Revision.id.desc())
        )
    )


def records_for(item_ids: Collection[int]) -> dict[int, Discussion]:
    if not item_ids:
        return {}
    rows = db.session.scalars(sa.select(Discussion).where(Discussion.agenda_item_id.in_(item_ids)))
    return {r.agenda_item_id: r for r in rows}


def actions_for(
    item_ids: Collection[int], *, agency_id: int | None = None
) -> dict[int, list[Action]]:
    """Agenda item id -> the actions agreed on it (or only those one agency owns), in order."""
    if not item_ids:
        return {}
    query = sa.select(Action).where(Action.agenda_item_id.in_(item_ids))
    if agency_id is not None:
        query = query.where(Action.owner_agency_id == agency_id)
    found: dict[int, list[Action]] = {}
    for action in db.session.scalars(query.order_by(Action.agreed_at, Action.id)):
        assert action.agenda_item_id is not None  # the query asked for these items
        found.setdefault(action.agenda_item_id, []).append(action)
    return found


def actions_count(item_id: int) -> int:
    """How many actions were agreed on one item (what "Mark as discussed" asks is a count)."""
    return (
        db.session.scalar(sa.select(sa.func.count()).where(Action.agenda_item_id == item_id)) or 0
    )


def returns_count(item_id: int) -> int:
    """How many agencies returned research on one item (the console's fold says it folded)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count()).where(ResearchReturn.agenda_item_id == item_id)
        )
        or 0
    )


def returns_for(item_id: int, agency_id: int | None = None) -> list[ResearchReturn]:
    """The research returns on one item (or just one agency's), by agency name."""
    query = (
        sa.select(ResearchReturn)
        .join(Agency, Agency.id == ResearchReturn.agency_id)
        .where(ResearchReturn.agenda_item_id == item_id)
        .options(lazyload(ResearchReturn.findings))
        .order_by(Agency.name)
    )
    if agency_id is not None:
        query = query.where(ResearchReturn.agency_id == agency_id)
    returns = list(db.session.scalars(query))
    # The findings always in a query of their own: the same two statements whether or not
    # any return was made (a poll's cost does not depend on what the agencies returned).
    findings: dict[int, list[PerpetratorFinding]] = {r.id: [] for r in returns}
    for finding in db.session.scalars(
        sa.select(PerpetratorFinding)
        .where(PerpetratorFinding.return_id.in_(list(findings)))
        .order_by(PerpetratorFinding.id)
    ):
        findings[finding.return_id].append(finding)
    for research in returns:
        set_committed_value(research, "findings", findings[research.id])
    return returns


@dataclass
class EarlierHearing:
    """An earlier conference that heard the case, with the plan it agreed."""

    item: AgendaItem
    label: str
    actions: list[Action] = field(default_factory=list)


def earlier_hearings(item: AgendaItem) -> list[EarlierHearing]:
    """The case's earlier conferences, newest first, and how each plan's actions ended."""
    earlier = list(
        db.session.scalars(
            _earlier_statement(),
            {
                "case_id": item.case_id,
                "item_id": item.id,
                "starts_at": item.conference.starts_at,
            },
        )
    )
    plans = actions_for([e.id for e in earlier])
    return [
        EarlierHearing(e, display.conference_label(e.conference), plans.get(e.id, []))
        for e in earlier
    ]


# The console's statements with many loader options are built once per process (as
# functools.cache keeps them) and run with their values: every move of the chair runs them, and
# building one cost nearly as much as running it.


@functools.cache
def _earlier_statement() -> sa.Select[AgendaItem]:
    return (
        sa.select(AgendaItem)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.case_id == sa.bindparam("case_id", type_=sa.Integer),
            AgendaItem.id != sa.bindparam("item_id", type_=sa.Integer),
            Conference.starts_at < sa.bindparam("starts_at", type_=Conference.starts_at.type),
            AgendaItem.status == ItemStatus.DISCUSSED,
        )
        .order_by(Conference.starts_at.desc())
        # Only each conference is shown; the case and the MARAC are the ones on screen.
        .options(lazyload("*"), joinedload(AgendaItem.conference).options(lazyload("*")))
    )


def meeting_for(conference_id: int) -> Meeting | None:
    # Its conference is nearly always in the session already: not joined again.
    return db.session.scalar(
        sa.select(Meeting)
        .where(Meeting.conference_id == conference_id)
        .options(lazyload(Meeting.conference))
    )


def current_item_id(conference_id: int) -> int | None:
    """The case on the meeting's screen, from one lookup of its unique conference id."""
    return db.session.scalar(
        sa.select(Meeting.current_item_id).where(Meeting.conference_id == conference_id)
    )


def agenda_of(conference: Conference) -> list[AgendaItem]:
    """The agenda of a running meeting. Its column shows each case's reference and victim;
    only the case on screen shows its referral's people, children and referrer, so those
    load when it asks for them (with_people: one referral's worth) instead of for every item."""
    items = db.session.scalars(_agenda_statement(), {"conference_id": conference.id}).all()
    return listing.ordered(items)


@functools.cache
def _agenda_statement() -> sa.Select[AgendaItem]:
    return queries.agenda_select(
        sa.bindparam("conference_id", type_=sa.Integer),
        referral=[*queries.referral_alone(lazyload), defer(Referral.draft)],
        case=[lazyload(Case.transferred_from), lazyload(Case.advocate)],
    )


def with_people(item: AgendaItem) -> list[Perpetrator]:
    """Load the referral of the case on screen with what its summary shows (its people,
    children, incidents and referring agency), whatever an earlier query of the request
    said about those relations; return its perpetrators in the order item_perpetrators
    gives them (none for a standing item)."""
    if item.referral_id is None:
        return []
    referral = db.session.scalars(_people_statement(), {"referral_id": item.referral_id}).one()
    return sorted(referral.perpetrators, key=lambda p: (p.position, p.id))


@functools.cache
def _people_statement() -> sa.Select[Referral]:
    return (
        sa.select(Referral)
        .where(Referral.id == sa.bindparam("referral_id", type_=sa.Integer))
        .options(
            selectinload(Referral.perpetrators),
            selectinload(Referral.children),
            selectinload(Referral.incidents),
            lazyload(Referral.answers),
            lazyload(Referral.transitions),
            # Not shown on the console: who referred her by name, the MARAC, the case a
            # notice is about (each was joined in, a hundred and fifty columns).
            lazyload(Referral.referrer),
            lazyload(Referral.marac),
            lazyload(Referral.about_case),
            defer(Referral.draft),
        )
        .execution_options(populate_existing=True)
    )


def elapsed_minutes(item: AgendaItem | None, now: datetime) -> int:
    if item is None or item.opened_at is None or item.status is not ItemStatus.IN_DISCUSSION:
        return 0
    return max(0, int((now - item.opened_at).total_seconds() // 60))


def predicted_finish(
    conference: Conference, items: list[AgendaItem], current: AgendaItem | None, now: datetime
) -> datetime:
    """When the meeting will end at the planned minutes per case, from where it is now."""
    per_case = conference.minutes_per_case
    waiting = [
        i
        for i in items
        if i.status in (ItemStatus.LISTED, ItemStatus.IN_DISCUSSION)
        and (current is None or i.id != current.id)
    ]
    standing = sum(1 for i in waiting if i.section.is_standing)
    left = listing.predicted_minutes(conference, len(waiting) - standing, standing)
    if current is not None and current.status is ItemStatus.IN_DISCUSSION:
        planned = listing.STANDING_ITEM_MINUTES if current.section.is_standing else per_case
        left += max(0, planned - elapsed_minutes(current, now))
    return now + timedelta(minutes=left)
