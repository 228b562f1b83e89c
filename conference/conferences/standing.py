"""Standing items: cases an agenda gains at publication without a new referral.

A case comes back when its repeat flag ends, about twelve months after her last MARAC
referral, and a case with actions still
open past their due date comes back so the meeting reviews them. Functions flush; the caller
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences import rules
from conference.conferences.choices import UPCOMING, ConferenceStatus, Section
from conference.conferences.listing import next_position
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals import queries as case_queries
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Child, Referral
from conference.referrals.services import risk_tool_for


def add_twelve_month_items(conference: Conference, *, now: datetime) -> int:
    """Standing items for cases whose repeat flag ended since the MARAC's previous conference:
    12 months (the MARAC's repeat window) after their last accepted referral, the day the
    repeat criterion counts from.

    The flag's last day falls on or after the previous conference's day and before this one's,
    so every case is noticed exactly once.
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
    window = timedelta(days=risk_tool_for(conference.marac)[1].repeat_window_days)
    last_referred = case_queries.last_referred(
        Referral.case_id.in_(sa.select(Case.id).where(Case.marac_id == conference.marac_id))
    )
    already = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == conference.id)
    due = db.session.execute(
        sa.select(last_referred.c.case_id, last_referred.c.referred_on)
        .where(
            last_referred.c.referred_on >= previous_day - window,
            last_referred.c.referred_on < this_day - window,
            last_referred.c.case_id.not_in(already),
        )
        .order_by(last_referred.c.referred_on, last_referred.c.case_id)
    ).all()
    noticed = _twelve_months_noticed({case_id: day for case_id, day in due}, conference)
    case_ids = [case_id for case_id, _ in due if case_id not in noticed]
    return _add_standing(conference, Section.TWELVE_MONTHS, case_ids, now)


def _twelve_months_noticed(referred: dict[int, date], conference: Conference) -> set[int]:
    """The cases already a 12-month item on another agenda since their last referral (an extra
    conference published after the next one, or the other way round): noticed once is enough.
    One query."""
    if not referred:
        return set()
    rows = db.session.execute(
        sa.select(AgendaItem.case_id, Conference.starts_at)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.case_id.in_(referred),
            AgendaItem.section == Section.TWELVE_MONTHS,
            Conference.id != conference.id,
            Conference.status != ConferenceStatus.CANCELLED,
        )
    )
    timezone = conference.marac.timezone
    return {
        case_id
        for case_id, starts_at in rows
        if rules.local(starts_at, timezone).date() > referred[case_id]
    }


def add_overdue_action_items(conference: Conference, *, now: datetime) -> int:
    """Standing items for cases (not otherwise on this agenda) with actions still open past
    their due date on the meeting's day, so the meeting reviews each one."""
    day = rules.local(conference.starts_at, conference.marac.timezone).date()
    already = sa.select(AgendaItem.case_id).where(AgendaItem.conference_id == conference.id)
    # A case listed to be heard at a meeting still to come has its actions (the interim ones
    # from screening among them) reviewed at that hearing, not as a standing item before it.
    awaiting = (
        sa.select(AgendaItem.case_id)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            Conference.status.in_(UPCOMING),
            AgendaItem.section.in_((Section.CHILDREN, Section.ADULTS)),
        )
    )
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
                Action.case_id.not_in(awaiting),
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
    # Overdue actions on a case with children are heard with the children's cases.
    with_children = (
        _with_children(list(referrals.values())) if section is Section.OVERDUE_ACTIONS else set()
    )
    position = next_position(conference, section)
    for offset, case_id in enumerate(case_ids):
        db.session.add(
            AgendaItem(
                conference=conference,
                case_id=case_id,
                referral_id=referrals.get(case_id),
                section=section,
                position=position + offset,
                added_at=now,
                with_children=referrals.get(case_id) in with_children,
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
    # The latest wins; every row has a case, as the query asks.
    return {case_id: referral_id for case_id, referral_id in rows if case_id is not None}


def _with_children(referral_ids: Sequence[int]) -> set[int]:
    """The referrals that name a child in the household; one query."""
    if not referral_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Child.referral_id).where(Child.referral_id.in_(referral_ids)).distinct()
        )
    )
