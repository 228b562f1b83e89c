"""Building an agenda: placing accepted cases, ordering them, moving them, publishing.

Cases go on the next conference whose referral cut-off has not passed and which has room.
Cases with children in the household come first, then adults, then the standing items.
Once an agenda is published, every case added or removed needs a reason and the invited
agencies are told (without any case detail). Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Agency, Marac, User
from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences import planning, rules
from conference.conferences.choices import (
    UPCOMING,
    ChangeKind,
    ConferenceStatus,
    ItemStatus,
    Section,
)
from conference.conferences.models import (
    AgendaChange,
    AgendaItem,
    Conference,
    conference_invitations,
)
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Child, Referral
from conference.referrals.services import today_in

CASE_SECTIONS = (Section.CHILDREN, Section.ADULTS)


@dataclass(frozen=True)
class Placement:
    """Where a case went, and the full conference it could not go on, if any."""

    case: Case
    conference: Conference | None
    full: Conference | None = None
    already_listed: bool = False


def ordered(items: Sequence[AgendaItem]) -> list[AgendaItem]:
    """Items in meeting order: section by section, then by position."""
    return sorted(items, key=lambda item: (item.section.rank, item.position))


def case_load(conference_ids: Sequence[int]) -> dict[int, int]:
    """How many cases (not standing items) each conference holds."""
    if not conference_ids:
        return {}
    rows = db.session.execute(
        sa.select(AgendaItem.conference_id, sa.func.count())
        .where(
            AgendaItem.conference_id.in_(conference_ids),
            AgendaItem.section.in_(CASE_SECTIONS),
        )
        .group_by(AgendaItem.conference_id)
    )
    return {conference_id: count for conference_id, count in rows}


def open_for_listing(marac: Marac, now: datetime) -> list[Conference]:
    """Conferences a newly accepted case may go on: not yet published, cut-off not passed."""
    today = today_in(marac, now)
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(
                Conference.marac_id == marac.id,
                Conference.status == ConferenceStatus.SCHEDULED,
                Conference.cutoff_on >= today,
                Conference.starts_at > now,
            )
            .order_by(Conference.starts_at)
        )
    )


def listed_on(case: Case) -> AgendaItem | None:
    """The case's item on a conference still to come, if it has one."""
    return db.session.scalar(
        sa.select(AgendaItem)
        .join(AgendaItem.conference)
        .where(AgendaItem.case_id == case.id, Conference.status.in_(UPCOMING))
        .order_by(Conference.starts_at)
        .limit(1)
    )


def section_for(referral: Referral | None) -> Section:
    if referral is None:
        return Section.ADULTS
    has_children = db.session.scalar(sa.select(sa.exists().where(Child.referral_id == referral.id)))
    return Section.CHILDREN if has_children else Section.ADULTS


def latest_accepted(case: Case) -> Referral | None:
    return db.session.scalar(
        sa.select(Referral)
        .where(Referral.case_id == case.id, Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.decided_at.desc(), Referral.id.desc())
        .limit(1)
    )


def place_case(case: Case, *, actor: User | None, now: datetime) -> Placement:
    """List a newly accepted case on the next conference with room.

    A case already on an upcoming agenda stays there. When the first conference it could go
    on is full, it goes on the next one and the placement names the full one, so the
    coordinator is told and can override. With no conference to go on it stays waiting.
    """
    existing = listed_on(case)
    if existing is not None:
        return Placement(case, existing.conference, already_listed=True)
    conferences = open_for_listing(case.marac, now)
    load = case_load([c.id for c in conferences])
    full = None
    for conference in conferences:
        if load.get(conference.id, 0) < conference.capacity:
            add_case(conference, case, actor=actor, now=now, overflowed_from=full)
            return Placement(case, conference, full=full)
        full = full or conference
    return Placement(case, None, full=full)


def add_case(
    conference: Conference,
    case: Case,
    *,
    actor: User | None,
    now: datetime,
    reason: str = "",
    over_capacity_reason: str = "",
    overflowed_from: Conference | None = None,
) -> AgendaItem:
    """Put a case on a conference's agenda, at the end of its section.

    Refuses a full conference unless over_capacity_reason is given, and a published one
    unless reason is given.
    """
    full = _check_addable(conference, case, reason, over_capacity_reason)
    referral = latest_accepted(case)
    section = section_for(referral)
    item = AgendaItem(
        conference=conference,
        case=case,
        referral_id=referral.id if referral else None,
        section=section,
        position=_next_position(conference, section),
        over_capacity_reason=over_capacity_reason.strip() if full else "",
        overflowed_from_id=overflowed_from.id if overflowed_from else None,
        added_at=now,
        added_by_id=actor.id if actor else None,
    )
    db.session.add(item)
    case.status = CaseStatus.LISTED
    db.session.flush()
    audit.record(
        actor,
        "agenda.case_added",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"case_id": case.id, "over_capacity": bool(item.over_capacity_reason)},
    )
    if conference.is_published:
        _record_change(conference, case, ChangeKind.ADDED, reason, actor, now)
    return item


def remove(item: AgendaItem, *, actor: User, reason: str, now: datetime) -> Case:
    """Take a case off an agenda and back to the cases waiting for a conference."""
    conference, case = item.conference, item.case
    _check_can_change(conference)
    if conference.is_published and not reason.strip():
        raise ValidationFailed(
            "The agenda is published: give a reason for removing this case", "reason"
        )
    db.session.delete(item)
    if not item.section.is_standing:
        case.status = CaseStatus.OPEN
    db.session.flush()
    _close_gaps(conference, item.section)
    audit.record(
        actor,
        "agenda.case_removed",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"case_id": case.id},
    )
    if conference.is_published:
        _record_change(conference, case, ChangeKind.REMOVED, reason, actor, now)
    return case


def move(
    item: AgendaItem,
    target: Conference,
    *,
    actor: User,
    now: datetime,
    reason: str = "",
    over_capacity_reason: str = "",
) -> AgendaItem:
    """Move a case to another conference's agenda (a reason where either is published).

    The item itself moves, so the research agencies have already returned travels with it.
    """
    source = item.conference
    if target.id == source.id:
        raise ValidationFailed("Choose a different conference", "conference_id")
    _check_can_change(source)
    full = _check_addable(target, item.case, reason, over_capacity_reason)
    if source.is_published and not reason.strip():
        raise ValidationFailed(
            "The agenda is published: give a reason for moving this case", "reason"
        )
    item.conference = target
    item.position = _next_position(target, item.section)
    item.over_capacity_reason = over_capacity_reason.strip() if full else ""
    item.overflowed_from_id = None
    db.session.flush()
    _close_gaps(source, item.section)
    audit.record(
        actor,
        "agenda.case_moved",
        target,
        now=now,
        detail={"case_id": item.case_id, "from_conference_id": source.id},
    )
    if source.is_published:
        _record_change(source, item.case, ChangeKind.REMOVED, reason, actor, now)
    if target.is_published:
        _record_change(target, item.case, ChangeKind.ADDED, reason, actor, now)
    return item


def shift(item: AgendaItem, step: int, *, actor: User, now: datetime) -> bool:
    """Swap an item with its neighbour in its section (step -1 up, +1 down)."""
    _check_can_change(item.conference)
    siblings = _section_items(item.conference_id, item.section)
    index = next(i for i, sibling in enumerate(siblings) if sibling.id == item.id)
    other = index + step
    if not 0 <= other < len(siblings):
        return False
    neighbour = siblings[other]
    item.position, neighbour.position = neighbour.position, item.position
    db.session.flush()
    audit.record(
        actor,
        "agenda.reordered",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id, "step": step},
    )
    return True


def waiting_cases(marac_ids: Sequence[int]) -> list[Case]:
    """Accepted cases not on any agenda yet, oldest first."""
    if not marac_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Case)
            .where(Case.marac_id.in_(marac_ids), Case.status == CaseStatus.OPEN)
            .order_by(Case.opened_at, Case.id)
        )
    )


def cancel_and_relist(
    conference: Conference, *, actor: User, reason: str, now: datetime
) -> list[Placement]:
    """Cancel a conference and list each of its cases on the next conference with room."""
    items = _all_items(conference.id)
    cases = [item.case for item in items if not item.section.is_standing]
    for item in items:
        db.session.delete(item)
    db.session.flush()
    planning.cancel(conference, actor=actor, reason=reason, now=now)
    placements = []
    for case in cases:
        case.status = CaseStatus.OPEN
        placements.append(place_case(case, actor=actor, now=now))
    return placements


# Publishing ------------------------------------------------------------------------------------


def publish(conference: Conference, *, actor: User | None, now: datetime) -> int:
    """Publish the agenda: add the standing items, invite the MARAC's agencies, open research,
    and tell each invited agency's representatives and the chair. Returns agencies invited."""
    if conference.status is not ConferenceStatus.SCHEDULED:
        raise InvalidTransition(f"This conference is {conference.status.label.lower()}")
    if conference.starts_at <= now:
        raise InvalidTransition("This conference has already started")
    add_twelve_month_items(conference, now=now)
    add_overdue_action_items(conference, now=now)
    if not _has_any_item(conference):
        raise InvalidTransition("There is nothing on this agenda to publish")
    agencies = list(
        db.session.scalars(
            sa.select(Agency)
            .where(Agency.maracs.any(id=conference.marac_id), Agency.is_active.is_(True))
            .order_by(Agency.name)
        )
    )
    if agencies:
        db.session.execute(
            sa.insert(conference_invitations),
            [
                {"conference_id": conference.id, "agency_id": agency.id, "invited_at": now}
                for agency in agencies
            ],
        )
    conference.status = ConferenceStatus.AGENDA_PUBLISHED
    conference.published_at = now
    db.session.flush()
    audit.record(
        actor,
        "agenda.published",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"agencies": len(agencies)},
    )
    planning.tell_invited(conference, "agenda.published", key="published", now=now)
    return len(agencies)


def publish_due(now: datetime) -> dict[str, int]:
    """The job: publish each agenda whose research window has opened. Empty agendas wait."""
    published = empty = 0
    candidates = db.session.scalars(
        sa.select(Conference)
        .where(Conference.status == ConferenceStatus.SCHEDULED, Conference.starts_at > now)
        .order_by(Conference.starts_at)
    ).all()
    for conference in candidates:
        if conference.publish_on > today_in(conference.marac, now):
            continue
        try:
            # Refusals come before any write (an empty agenda gains no standing item either).
            publish(conference, actor=None, now=now)
        except InvalidTransition:
            empty += 1
        else:
            published += 1
    return {"published": published, "empty": empty}


def add_twelve_month_items(conference: Conference, *, now: datetime) -> int:
    """Standing items for cases whose last conference was about 12 months before this one.

    "About": the anniversary falls after the MARAC's previous conference and by this one, so
    every case is noticed exactly once.
    """
    timezone = conference.marac.timezone
    this_day = rules.local(conference.starts_at, timezone).date()
    previous = db.session.scalar(
        sa.select(sa.func.max(Conference.starts_at)).where(
            Conference.marac_id == conference.marac_id,
            Conference.status != ConferenceStatus.CANCELLED,
            Conference.starts_at < conference.starts_at,
        )
    )
    previous_day = (
        rules.local(previous, timezone).date() if previous else this_day - timedelta(days=31)
    )
    # Last heard after the day a year before the previous conference, up to the day a year
    # before this one; as instants, from the midnights that follow each of those days.
    heard_after = rules.starts_at(
        rules.add_months(previous_day, -12) + timedelta(days=1), time(0), timezone
    )
    heard_before = rules.starts_at(
        rules.add_months(this_day, -12) + timedelta(days=1), time(0), timezone
    )
    last_heard = (
        sa.select(AgendaItem.case_id, sa.func.max(Conference.starts_at).label("heard_at"))
        .join(AgendaItem.conference)
        .where(
            Conference.marac_id == conference.marac_id,
            AgendaItem.status == ItemStatus.DISCUSSED,
            # Noting the year has passed is not a hearing: counting it would bring the case
            # back every year.
            AgendaItem.section != Section.TWELVE_MONTHS,
        )
        .group_by(AgendaItem.case_id)
        .subquery()
    )
    already = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == conference.id)
    case_ids = list(
        db.session.scalars(
            sa.select(last_heard.c.case_id)
            .where(
                last_heard.c.heard_at >= heard_after,
                last_heard.c.heard_at < heard_before,
                last_heard.c.case_id.not_in(already),
            )
            .order_by(last_heard.c.heard_at, last_heard.c.case_id)
        )
    )
    return _add_standing(conference, Section.TWELVE_MONTHS, case_ids, now)


def add_overdue_action_items(conference: Conference, *, now: datetime) -> int:
    """Standing items for cases (not otherwise on this agenda) with actions still open past
    their due date on the meeting's day, so the meeting reviews each one."""
    day = rules.local(conference.starts_at, conference.marac.timezone).date()
    already = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == conference.id)
    case_ids = list(
        db.session.scalars(
            sa.select(Action.case_id)
            .join(Case, Case.id == Action.case_id)
            .where(
                Case.marac_id == conference.marac_id,
                # Closed early with a reason: the coordinator has already decided on them.
                Case.status != CaseStatus.CLOSED,
                Action.status.in_(OPEN_STATUSES),
                Action.due_on < day,
                Action.case_id.not_in(already),
            )
            .group_by(Action.case_id)
            .order_by(sa.func.min(Action.due_on), Action.case_id)
        )
    )
    return _add_standing(conference, Section.OVERDUE_ACTIONS, case_ids, now)


def _add_standing(
    conference: Conference, section: Section, case_ids: Sequence[int], now: datetime
) -> int:
    """List each case as a standing item of the section, in the order given."""
    referrals = _latest_accepted_ids(case_ids)
    position = _next_position(conference, section)
    for offset, case_id in enumerate(case_ids):
        db.session.add(
            AgendaItem(
                conference=conference,
                case_id=case_id,
                referral_id=referrals.get(case_id),
                section=section,
                position=position + offset,
                added_at=now,
            )
        )
    db.session.flush()
    return len(case_ids)


def _latest_accepted_ids(case_ids: Sequence[int]) -> dict[int, int]:
    """Case id -> id of its latest accepted referral, for many cases in one query."""
    if not case_ids:
        return {}
    rows = db.session.execute(
        sa.select(Referral.case_id, Referral.id)
        .where(Referral.case_id.in_(case_ids), Referral.status == ReferralStatus.ACCEPTED)
        .order_by(Referral.decided_at, Referral.id)
    )
    return {case_id: referral_id for case_id, referral_id in rows}  # the latest wins


def record_view(
    actor: User, verb: str, conference: Conference, items: Sequence[AgendaItem], *, now: datetime
) -> None:
    """Note that someone saw an agenda's cases (as a list, the research page or the grid)."""
    audit.record(actor, verb, conference, now=now, detail={"case_ids": [i.case_id for i in items]})


def predicted_minutes(conference: Conference, case_count: int) -> int:
    return case_count * conference.minutes_per_case


# Helpers ---------------------------------------------------------------------------------------


def _check_can_change(conference: Conference) -> None:
    if conference.status not in UPCOMING:
        raise InvalidTransition(
            f"The conference is {conference.status.label.lower()}: its agenda cannot change"
        )


def _check_addable(
    conference: Conference, case: Case, reason: str, over_capacity_reason: str
) -> bool:
    """Refuse what cannot be listed; True when the conference is full (and a reason given)."""
    _check_can_change(conference)
    if case.marac_id != conference.marac_id:
        raise ValidationFailed("Choose a conference of the case's MARAC", "conference_id")
    if _has_item(conference, case):
        raise ValidationFailed("This case is already on that agenda", "conference_id")
    full = case_load([conference.id]).get(conference.id, 0) >= conference.capacity
    if full and not over_capacity_reason.strip():
        raise ValidationFailed(
            f"That conference is full ({conference.capacity} cases). Give a reason to list "
            "this case over capacity, or choose another conference",
            "over_capacity_reason",
        )
    if conference.is_published and not reason.strip():
        raise ValidationFailed(
            "The agenda is published: give a reason for adding this case", "reason"
        )
    return full


def _has_item(conference: Conference, case: Case) -> bool:
    return bool(
        db.session.scalar(
            sa.select(
                sa.exists().where(
                    AgendaItem.conference_id == conference.id, AgendaItem.case_id == case.id
                )
            )
        )
    )


def _has_any_item(conference: Conference) -> bool:
    return bool(
        db.session.scalar(sa.select(sa.exists().where(AgendaItem.conference_id == conference.id)))
    )


def _section_items(conference_id: int, section: Section) -> list[AgendaItem]:
    return list(
        db.session.scalars(
            sa.select(AgendaItem)
            .where(AgendaItem.conference_id == conference_id, AgendaItem.section == section)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )


def _all_items(conference_id: int) -> list[AgendaItem]:
    return ordered(
        db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.conference_id == conference_id)
        ).all()
    )


def _next_position(conference: Conference, section: Section) -> int:
    last = db.session.scalar(
        sa.select(sa.func.max(AgendaItem.position)).where(
            AgendaItem.conference_id == conference.id, AgendaItem.section == section
        )
    )
    return (last or 0) + 1


def _close_gaps(conference: Conference, section: Section) -> None:
    for position, item in enumerate(_section_items(conference.id, section), start=1):
        item.position = position
    db.session.flush()


def _record_change(
    conference: Conference,
    case: Case,
    kind: ChangeKind,
    reason: str,
    actor: User | None,
    now: datetime,
) -> None:
    change = AgendaChange(
        conference_id=conference.id,
        case_id=case.id,
        kind=kind,
        reason=reason.strip(),
        actor_id=actor.id if actor else None,
        changed_at=now,
    )
    db.session.add(change)
    db.session.flush()
    planning.tell_invited(conference, "agenda.changed", key=f"{change.id}", now=now)
