"""Reading for closure: a case's open actions and plans, when it was last heard, how long it
stays flagged for repeats, and the cases reaching 12 months since their last MARAC referral.

The flag counts from the same day as the repeat criterion: her last accepted MARAC referral
of the case (a repeat-incident notice included), plus the MARAC's repeat window.

Each function runs a fixed number of queries however many cases, conferences or actions.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from conference.accounts.models import Marac, User
from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action
from conference.conferences import display, rules
from conference.conferences.choices import HELD, UPCOMING, ConferenceStatus, ItemStatus, Section
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.queries import victim_names
from conference.extensions import db
from conference.meetings.queries import EarlierHearing, actions_for
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, Referral
from conference.referrals.queries import last_referred
from conference.referrals.services import risk_tool_for, today_in

#: Conferences a case cannot be closed while on: still ahead, or being held now.
NOT_YET_HELD = (*UPCOMING, ConferenceStatus.IN_PROGRESS)

#: The 12-month list shows cases whose repeat flag ends up to this many months either side of
#: today: those reaching the end of it, and those just past it.
TWELVE_MONTH_MARGIN = 1


def last_heard(*where: sa.ColumnElement[bool]) -> sa.Subquery:
    """Case id -> ``heard_at``, when its last conference started.

    The last conference is the latest held one that discussed the case, as the agenda's
    12-month standing item finds it, except that the 12-month notice itself is left out:
    noting that a year has passed is not a hearing, and counting it would keep the case
    flagged for ever.
    """
    return (
        sa.select(AgendaItem.case_id, sa.func.max(Conference.starts_at).label("heard_at"))
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            AgendaItem.status == ItemStatus.DISCUSSED,
            AgendaItem.section != Section.TWELVE_MONTHS,
            Conference.status.in_(HELD),
            *where,
        )
        .group_by(AgendaItem.case_id)
        .subquery()
    )


def repeat_window_days(marac: Marac) -> int:
    """How long after her last MARAC a new referral counts as a repeat: the MARAC's setting,
    the same one the referral criteria use (365 days unless the MARAC changed it)."""
    return risk_tool_for(marac)[1].repeat_window_days


def flag_ends_on(marac: Marac, referred_on: date) -> date:
    """The last day a case last referred on referred_on is flagged for repeats: the repeat
    window counted from that referral, as the criteria count it (both days included)."""
    return referred_on + timedelta(days=repeat_window_days(marac))


@dataclass(frozen=True)
class Standing:
    """Where a case stands for closure and repeats."""

    case: Case
    #: When its last conference started; None if no conference has heard it yet.
    heard_at: datetime | None
    #: The day of its last accepted referral; None only for a case that has none.
    last_referred_on: date | None
    #: The last day a new referral of her is a repeat of this case.
    flag_ends_on: date | None
    #: The name of whoever closed it last ("" if nobody has).
    closed_by: str

    def is_flagged(self, today: date) -> bool:
        return self.flag_ends_on is not None and today <= self.flag_ends_on

    @property
    def reopened_for_review(self) -> bool:
        """Reopened by a repeat, and no conference has heard it since: the previous plan is
        what its next conference must review, so the page puts it first."""
        reopened = self.case.reopened_at
        return (
            reopened is not None
            and self.case.status is not CaseStatus.CLOSED
            and (self.heard_at is None or self.heard_at < reopened)
        )


def standings(case_ids: Collection[int]) -> dict[int, Standing]:
    """Case id -> its standing, for many cases in one query."""
    if not case_ids:
        return {}
    heard = last_heard(AgendaItem.case_id.in_(case_ids))
    referred = last_referred(Referral.case_id.in_(case_ids))
    rows = db.session.execute(
        sa.select(Case, heard.c.heard_at, referred.c.referred_on, User.name)
        .outerjoin(heard, heard.c.case_id == Case.id)
        .outerjoin(referred, referred.c.case_id == Case.id)
        .outerjoin(User, User.id == Case.closed_by_id)
        .where(Case.id.in_(case_ids))
    ).all()
    return {
        case.id: Standing(
            case,
            heard_at,
            referred_on,
            flag_ends_on(case.marac, referred_on) if referred_on else None,
            closer or "",
        )
        for case, heard_at, referred_on, closer in rows
    }


def open_actions(case_id: int) -> list[Action]:
    """The case's actions not yet done or closed as not done, soonest due first."""
    return list(
        db.session.scalars(
            sa.select(Action)
            .where(Action.case_id == case_id, Action.status.in_(OPEN_STATUSES))
            .order_by(Action.due_on, Action.id)
        )
    )


def item_not_yet_held(case_id: int) -> AgendaItem | None:
    """The case's item on a conference still ahead or being held now, if it has one."""
    return db.session.scalar(
        sa.select(AgendaItem)
        .join(AgendaItem.conference)
        .where(AgendaItem.case_id == case_id, Conference.status.in_(NOT_YET_HELD))
        .order_by(Conference.starts_at)
        .limit(1)
    )


@dataclass(frozen=True)
class Closing:
    """What the coordinator needs to see before closing a case."""

    open_actions: list[Action]
    #: The item on a conference still ahead or being held: the case cannot close till then.
    not_yet_held: AgendaItem | None
    #: Closing needs a reason: actions are open, or no conference has heard the case.
    needs_reason: bool


def closing(case: Case, standing: Standing) -> Closing:
    """The case's open actions and any agenda it waits on. Two queries."""
    still_open = open_actions(case.id)
    return Closing(
        still_open, item_not_yet_held(case.id), bool(still_open) or standing.heard_at is None
    )


def hearings(case_id: int) -> list[EarlierHearing]:
    """Every conference that discussed the case, newest first, with the plan each agreed and
    how each action ended: the chair's "earlier conferences", for the whole case."""
    items = list(
        db.session.scalars(
            sa.select(AgendaItem)
            .join(Conference, Conference.id == AgendaItem.conference_id)
            .where(AgendaItem.case_id == case_id, AgendaItem.status == ItemStatus.DISCUSSED)
            .order_by(Conference.starts_at.desc(), AgendaItem.id.desc())
        )
    )
    plans = actions_for([i.id for i in items])
    return [
        EarlierHearing(i, display.conference_label(i.conference), plans.get(i.id, []))
        for i in items
    ]


@dataclass(frozen=True)
class TwelveMonthCase:
    """One row of the 12-month list."""

    case: Case
    victim: str
    #: When its last conference started; None if no conference has heard it.
    heard_at: datetime | None
    last_referred_on: date
    flag_ends_on: date
    #: The flag has ended (in the MARAC's today): a new referral of her would be a new one.
    has_ended: bool
    open_actions: int


def reaching_twelve_months(maracs: Collection[Marac], now: datetime) -> list[TwelveMonthCase]:
    """Cases of these MARACs whose repeat flag ends within a month either side of today, in
    each MARAC's time zone (with the usual 365-day window: last referred about 11 to 13 months
    ago), longest since referred first. Two queries, however many cases or actions.
    """
    if not maracs:
        return []
    marac_ids = [m.id for m in maracs]
    # By the case's MARAC, not the referral's: a transferred case keeps the referrals made
    # where it came from, and its flag counts from them.
    referred = last_referred(
        Referral.case_id.in_(sa.select(Case.id).where(Case.marac_id.in_(marac_ids)))
    )
    heard = last_heard(Conference.marac_id.in_(marac_ids))
    # Counted per listed case (by the case_id index), not over every action of the install.
    still_open = (
        sa.select(sa.func.count())
        .where(Action.case_id == Case.id, Action.status.in_(OPEN_STATUSES))
        .correlate(Case)
        .scalar_subquery()
    )
    in_window = [
        sa.and_(
            Case.marac_id == marac.id,
            referred.c.referred_on.between(*_referred_between(marac, now)),
        )
        for marac in maracs
    ]
    rows = db.session.execute(
        sa.select(Case, referred.c.referred_on, heard.c.heard_at, still_open)
        .join(referred, referred.c.case_id == Case.id)
        .outerjoin(heard, heard.c.case_id == Case.id)
        .where(sa.or_(*in_window))
        .order_by(referred.c.referred_on, Case.id)
    ).all()
    names = victim_names({row[0].id for row in rows})
    found = []
    for case, referred_on, heard_at, count in rows:
        ends_on = flag_ends_on(case.marac, referred_on)
        ended = ends_on < today_in(case.marac, now)
        found.append(
            TwelveMonthCase(
                case, names.get(case.id, ""), heard_at, referred_on, ends_on, ended, count
            )
        )
    return found


def _referred_between(marac: Marac, now: datetime) -> tuple[date, date]:
    """The first and last day of a last referral whose flag ends within the margin of the
    MARAC's today."""
    today = today_in(marac, now)
    window = timedelta(days=repeat_window_days(marac))
    return (
        rules.add_months(today, -TWELVE_MONTH_MARGIN) - window,
        rules.add_months(today, TWELVE_MONTH_MARGIN) - window,
    )


@dataclass(frozen=True)
class ReadyToClose:
    """One row of the ready-to-close list."""

    case: Case
    victim: str
    heard_at: datetime | None
    #: How many actions its plan had (each now done or closed as not done).
    actions: int


def ready_to_close(
    marac_ids: Collection[int], *, page: int, per_page: int
) -> tuple[Pagination, list[ReadyToClose]]:
    """The cases of these MARACs whose plan is complete and that wait for no conference,
    longest since heard first, a page at a time. Four queries a page, however many cases."""
    heard = last_heard(Conference.marac_id.in_(marac_ids))
    ahead = (
        sa.select(AgendaItem.case_id)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(Conference.status.in_(NOT_YET_HELD))
    )
    listing = db.paginate(
        sa.select(Case)
        .outerjoin(heard, heard.c.case_id == Case.id)
        .where(
            Case.marac_id.in_(marac_ids),
            Case.status == CaseStatus.PLAN_COMPLETE,
            Case.id.not_in(ahead),
        )
        .order_by(heard.c.heard_at.is_(None), heard.c.heard_at, Case.id),
        page=min(max(page, 1), 10_000),
        per_page=per_page,
        max_per_page=per_page,
        error_out=False,
        count=True,
    )
    cases: list[Case] = list(listing.items)
    ids = [c.id for c in cases]
    names = victim_names(ids)
    when = dict(
        db.session.execute(
            sa.select(heard.c.case_id, heard.c.heard_at).where(heard.c.case_id.in_(ids))
        ).all()
    )
    counts = dict(
        db.session.execute(
            sa.select(Action.case_id, sa.func.count())
            .where(Action.case_id.in_(ids))
            .group_by(Action.case_id)
        ).all()
    )
    rows = [
        ReadyToClose(c, names.get(c.id, ""), when.get(c.id), counts.get(c.id, 0)) for c in cases
    ]
    return listing, rows
