"""Standing items: cases an agenda gains at publication without a new referral.

A case comes back about twelve months after it was last heard, and a case with actions still
open past their due date comes back so the meeting reviews them. Functions flush; the caller
commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences import rules
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.listing import next_position
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Referral


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
