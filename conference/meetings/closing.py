"""Concluding a meeting: every case discussed or deferred, deferred cases carried on to the
next conference, the cases heard, and a draft of the minutes begun.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import User
from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences import display, listing, queries
from conference.conferences.choices import UPCOMING, ConferenceStatus, ItemStatus
from conference.conferences.lifecycle import CONFERENCE, SETTLED
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.meetings.models import Meeting
from conference.minutes.models import Minutes
from conference.referrals.choices import CaseStatus
from conference.referrals.lifecycle import CASE


@dataclass
class Conclusion:
    carried: list[tuple[AgendaItem, Conference]] = field(default_factory=list)
    #: Deferred cases with no conference ahead to go on: they wait to be listed.
    waiting: list[AgendaItem] = field(default_factory=list)


def still_open(items: list[AgendaItem]) -> list[AgendaItem]:
    """The items neither discussed nor deferred: the conclusion's guard waits for them."""
    return [i for i in items if i.status not in SETTLED]


def next_conference(conference: Conference) -> Conference | None:
    """The MARAC's next conference still ahead of this one, whose agenda can change."""
    return db.session.scalar(
        sa.select(Conference)
        .where(
            Conference.marac_id == conference.marac_id,
            Conference.status.in_(UPCOMING),
            Conference.starts_at > conference.starts_at,
        )
        .order_by(Conference.starts_at)
        .limit(1)
    )


def conclude(meeting: Meeting, *, actor: User, now: datetime) -> Conclusion:
    """End the meeting. Refuses while any case is neither discussed nor deferred. Flushes."""
    conference = meeting.conference
    CONFERENCE.check(conference, ConferenceStatus.CONCLUDED, actor=actor, now=now)
    items = queries.agenda_items(conference.id)
    result = Conclusion()
    target = next_conference(conference)
    with_open_actions = _cases_with_open_actions([i.case_id for i in items])
    for item in items:
        if item.status is ItemStatus.DEFERRED and not item.section.is_standing:
            _carry(item, target, actor, now, result)
        elif not item.section.is_standing:
            heard = (
                CaseStatus.ACTIONS_OPEN
                if item.case_id in with_open_actions
                else CaseStatus.PLAN_COMPLETE
            )
            CASE.transition(item.case, heard, actor=actor, now=now)
    meeting.concluded_at = now
    meeting.concluded_by_id = actor.id
    meeting.current_item_id = None
    CONFERENCE.transition(conference, ConferenceStatus.CONCLUDED, actor=actor, now=now)
    has_minutes = sa.select(Minutes.id).where(Minutes.conference_id == conference.id)
    if db.session.scalar(has_minutes) is None:
        db.session.add(Minutes(conference_id=conference.id, updated_at=now))
    db.session.flush()
    audit.record(
        actor,
        "meeting.concluded",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"carried": len(result.carried), "waiting": len(result.waiting)},
    )
    return result


def _carry(
    item: AgendaItem,
    target: Conference | None,
    actor: User,
    now: datetime,
    result: Conclusion,
) -> None:
    if target is None:
        CASE.transition(item.case, CaseStatus.OPEN, actor=actor, now=now)
        result.waiting.append(item)
        return
    ahead = listing.listed_on(item.case)
    if ahead is not None:
        # Already listed ahead (a new referral, say): it is heard there, once.
        item.carried_to_id = ahead.conference_id
        result.carried.append((item, ahead.conference))
        return
    why = f"Deferred by the meeting of {display.conference_label(item.conference)}"
    full = listing.case_load([target.id]).get(target.id, 0) >= target.capacity
    listing.add_case(
        target,
        item.case,
        actor=actor,
        now=now,
        reason=why,
        over_capacity_reason=why if full else "",
    )
    item.carried_to_id = target.id
    result.carried.append((item, target))


def _cases_with_open_actions(case_ids: list[int]) -> set[int]:
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Action.case_id)
            .where(Action.case_id.in_(case_ids), Action.status.in_(OPEN_STATUSES))
            .distinct()
        )
    )
