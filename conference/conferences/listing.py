"""Listing cases on agendas: placing accepted cases, ordering them, moving and removing them.

Cases go on the next conference whose referral cut-off has not passed and which has room.
Cases with children in the household come first, then adults, then the standing items.
Once an agenda is published, every case added or removed needs a reason and the invited
agencies are told (without any case detail). Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Marac, User
from conference.conferences import display, planning
from conference.conferences.choices import UPCOMING, ChangeKind, ConferenceStatus, Section
from conference.conferences.models import AgendaChange, AgendaItem, Conference
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.lifecycle import CASE
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
    #: Listed on a full conference at the coordinator's choice, with a reason.
    over_capacity: bool = False


@dataclass(frozen=True)
class Outlook:
    """Where accepting a referral now would list its case, and the full conferences nearer."""

    #: The conference place_case would choose; None when every open one is full or none is open.
    conference: Conference | None
    #: Full conferences before it, each of which can take the case over capacity with a reason.
    nearer: list[Conference]
    #: Days from today to the meeting day (None without a conference).
    wait_days: int | None
    #: The MARAC's longest acceptable wait, in days.
    limit: int

    @property
    def too_long(self) -> bool:
        """The case would wait longer than the MARAC allows, or has no conference at all."""
        return self.wait_days is None or self.wait_days > self.limit


def outlook(marac: Marac, now: datetime) -> Outlook:
    """What place_case would do for a case accepted now, without listing anything."""
    conferences = open_for_listing(marac, now)
    load = case_load([c.id for c in conferences])
    nearer: list[Conference] = []
    for conference in conferences:
        if load.get(conference.id, 0) < conference.capacity:
            wait = (display.local_day(conference) - today_in(marac, now)).days
            return Outlook(conference, nearer, wait, marac.listing_wait_days)
        nearer.append(conference)
    return Outlook(None, nearer, None, marac.listing_wait_days)


def hearing_rank(item: AgendaItem) -> float:
    """Where the item's section is heard: overdue actions on a case with children straight
    after the cases with children (the children's agencies can then leave), the rest in the
    sections' own order."""
    if item.section is Section.OVERDUE_ACTIONS and item.with_children:
        return Section.CHILDREN.rank + 0.5
    return item.section.rank


def ordered(items: Sequence[AgendaItem]) -> list[AgendaItem]:
    """Items in meeting order: section by section (see hearing_rank), then by position."""
    return sorted(items, key=lambda item: (hearing_rank(item), item.position))


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
    unless reason is given. Raises InvalidTransition for a closed case (its table).
    """
    full = _check_addable(conference, case, reason, over_capacity_reason)
    CASE.transition(case, CaseStatus.LISTED, actor=actor, now=now)
    referral = latest_accepted(case)
    section = section_for(referral)
    item = AgendaItem(
        conference=conference,
        case=case,
        referral_id=referral.id if referral else None,
        section=section,
        position=next_position(conference, section),
        over_capacity_reason=over_capacity_reason.strip() if full else "",
        overflowed_from_id=overflowed_from.id if overflowed_from else None,
        added_at=now,
        added_by_id=actor.id if actor else None,
    )
    db.session.add(item)
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
    if not item.section.is_standing:
        CASE.transition(case, CaseStatus.OPEN, actor=actor, now=now)
    db.session.delete(item)
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
    item.position = next_position(target, item.section)
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
        CASE.transition(case, CaseStatus.OPEN, actor=actor, now=now)
        placements.append(place_case(case, actor=actor, now=now))
    return placements


def record_view(
    actor: User, verb: str, conference: Conference, items: Sequence[AgendaItem], *, now: datetime
) -> None:
    """Note that someone saw an agenda's cases (as a list, the research page or the grid)."""
    audit.record(actor, verb, conference, now=now, detail={"case_ids": [i.case_id for i in items]})


#: A standing item (overdue actions to review, a case reaching 12 months) is a short review,
#: not a case's full discussion: the time the plans allow for one.
STANDING_ITEM_MINUTES = 5


def predicted_minutes(conference: Conference, case_count: int, standing_count: int = 0) -> int:
    """How long the cases and standing items take at the planned minutes for each."""
    return case_count * conference.minutes_per_case + standing_count * STANDING_ITEM_MINUTES


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
        raise ValidationFailed("Choose a conference from the list", "conference_id")
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


def next_position(conference: Conference, section: Section) -> int:
    """The position after the last item of the section."""
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
