"""The coordinator's tracker: every action of the MARAC, who owns it, and what is late."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import orm

from conference.accounts.models import Agency, Marac, agency_maracs
from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences import display, rules
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.queries import victim_names
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.spreadsheets import stream_csv

#: Escalation to the coordinators and the chair comes at this many days overdue.
ESCALATION_DAYS = 7


@dataclass(frozen=True)
class Filters:
    """What the coordinator asked to see. Statuses None means every status."""

    marac_ids: Collection[int]
    today: date
    agency_id: int | None = None
    conference_id: int | None = None
    statuses: Collection[ActionStatus] | None = OPEN_STATUSES
    #: Only open actions at least this many days overdue (1 = overdue at all).
    overdue_by: int | None = None


@dataclass(frozen=True)
class TrackedAction:
    action: Action
    reference: str
    victim: str
    #: The conference that agreed it; None for an interim action agreed at screening.
    conference: Conference | None
    last_update: ActionUpdate | None
    case_closed: bool = False
    timezone: str = "UTC"

    def days_overdue(self, today: date) -> int:
        return (today - self.action.due_on).days if self.action.is_overdue(today) else 0


@dataclass(frozen=True)
class AgencyCount:
    agency: Agency
    open: int
    overdue: int
    escalated: int


@dataclass
class TrackerPage:
    rows: list[TrackedAction]
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.per_page))


def listed_action_loading() -> list[orm.interfaces.LoaderOption]:
    """How a list of actions (the tracker, its export, an agency's own actions) loads each
    action with its case and, outer-joined, the conference that agreed it."""
    return [
        # Its MARAC's eager inner join would drop the rows without a conference.
        orm.joinedload(Conference.marac, innerjoin=False),
        # Each eager join costs the planner more than the page's rows cost to read: what no
        # list shows is not loaded, and the few agencies and people the rows name come in a
        # query of their own.
        orm.lazyload(Conference.chair),
        orm.lazyload(Action.perpetrator),
        orm.selectinload(Action.owner_agency),
        orm.selectinload(Action.agreed_by),
    ]


def _matching(filters: Filters) -> sa.Select:
    query = (
        sa.select(Action, Case.reference, Case.status, Conference, Marac.timezone)
        .join(Case, Case.id == Action.case_id)
        .join(Marac, Marac.id == Case.marac_id)
        # Outer joins: an interim action agreed at screening has no agenda item.
        .outerjoin(AgendaItem, AgendaItem.id == Action.agenda_item_id)
        .outerjoin(Conference, Conference.id == AgendaItem.conference_id)
        .options(*listed_action_loading())
        .where(Case.marac_id.in_(filters.marac_ids or {-1}))
    )
    if filters.agency_id is not None:
        query = query.where(Action.owner_agency_id == filters.agency_id)
    if filters.conference_id is not None:
        query = query.where(Conference.id == filters.conference_id)
    statuses = filters.statuses
    if filters.overdue_by is not None:
        # Only open actions can be overdue: "done" and "overdue" together match nothing.
        statuses = [s for s in (statuses or OPEN_STATUSES) if s in OPEN_STATUSES]
        query = query.where(Action.due_on <= filters.today - timedelta(days=filters.overdue_by))
    if statuses is not None:
        # A case closed early keeps its open actions listed (marked) until each is reported on.
        query = query.where(Action.status.in_(statuses))
    return query


def tracked(filters: Filters, *, page: int = 1, per_page: int | None = None) -> TrackerPage:
    """The matching actions, soonest due first; one page of them when per_page is given.

    A constant number of queries whatever the number of actions.
    """
    matching = _matching(filters)
    query = matching.order_by(Action.due_on, Action.id)
    if per_page is None:
        rows = db.session.execute(query).all()
        return TrackerPage(_with_context(rows), len(rows), 1, max(1, len(rows)))
    # Counted unsorted: sorting ten years of actions only to count them took 50 ms.
    counted = matching.with_only_columns(Action.id).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(counted)) or 0
    last_page = max(1, -(-total // per_page))
    page = min(max(page, 1), last_page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    return TrackerPage(_with_context(rows), total, page, per_page)


def _with_context(rows: Iterable[sa.Row]) -> list[TrackedAction]:
    rows = list(rows)
    names = victim_names({row[0].case_id for row in rows})
    latest = latest_updates([row[0].id for row in rows])
    return [
        TrackedAction(
            action,
            reference,
            names.get(action.case_id, ""),
            conf,
            latest.get(action.id),
            case_status is CaseStatus.CLOSED,
            zone,
        )
        for action, reference, case_status, conf, zone in rows
    ]


def latest_updates(action_ids: Collection[int]) -> dict[int, ActionUpdate]:
    """Each action's most recent update, in one query."""
    if not action_ids:
        return {}
    newest = (
        sa.select(sa.func.max(ActionUpdate.id))
        .where(ActionUpdate.action_id.in_(action_ids))
        .group_by(ActionUpdate.action_id)
    )
    return {
        u.action_id: u
        for u in db.session.scalars(sa.select(ActionUpdate).where(ActionUpdate.id.in_(newest)))
    }


def agency_counts(marac_ids: Collection[int], today: date) -> list[AgencyCount]:
    """Open, overdue and escalation-due actions per owner agency, most overdue first; the
    actions of cases closed early are not chased, so not counted."""
    is_open = Action.status.in_(OPEN_STATUSES)
    late = sa.and_(is_open, Action.due_on < today)
    escalated = sa.and_(is_open, Action.due_on <= today - timedelta(days=ESCALATION_DAYS))
    counted = (
        sa.select(
            Action.owner_agency_id,
            sa.func.count(Action.id),
            sa.func.sum(sa.case((late, 1), else_=0)),
            sa.func.sum(sa.case((escalated, 1), else_=0)),
        )
        .join(Case, Case.id == Action.case_id)
        .where(Case.marac_id.in_(marac_ids or {-1}), Case.status != CaseStatus.CLOSED, is_open)
        .group_by(Action.owner_agency_id)
    )
    numbers = {row[0]: row[1:] for row in db.session.execute(counted)}
    agencies = db.session.scalars(sa.select(Agency).where(Agency.id.in_(numbers or {-1})))
    found = [AgencyCount(a, *(int(n or 0) for n in numbers[a.id])) for a in agencies]
    return sorted(found, key=lambda c: (-c.overdue, -c.open, c.agency.name))


def agencies_with_actions(marac_ids: Collection[int], asked: int | None = None) -> list[Agency]:
    """The filter's choices: the agencies that sit on these MARACs, any other that still owns
    an unfinished action in them (one that has left), and the agency asked for if it owned
    any action there (a link kept from before it left). Finding every agency that ever owned
    an action would read ten years of actions on each view of the tracker."""
    in_maracs = Case.marac_id.in_(marac_ids or {-1})
    sitting = sa.select(agency_maracs.c.agency_id).where(
        agency_maracs.c.marac_id.in_(marac_ids or {-1})
    )
    still_owning = (
        sa.select(Action.owner_agency_id)
        .join(Case, Case.id == Action.case_id)
        .where(in_maracs, Action.status.in_(OPEN_STATUSES))
    )
    offered: list[sa.ColumnElement[bool]] = [Agency.id.in_(sitting), Agency.id.in_(still_owning)]
    if asked is not None:
        owned_here = (
            sa.select(Action.id)
            .join(Case, Case.id == Action.case_id)
            .where(Action.owner_agency_id == asked, in_maracs)
            .exists()
        )
        offered.append(sa.and_(Agency.id == asked, owned_here))
    return list(db.session.scalars(sa.select(Agency).where(sa.or_(*offered)).order_by(Agency.name)))


@dataclass(frozen=True)
class ConferenceChoice:
    """A conference as a filter offers it: its id, when it started, its MARAC's time zone."""

    id: int
    starts_at: datetime
    timezone: str


def conferences_with_actions(marac_ids: Collection[int]) -> list[ConferenceChoice]:
    """The conferences that agreed any action in these MARACs, latest first."""
    agreed = sa.select(AgendaItem.conference_id).join(
        Action, Action.agenda_item_id == AgendaItem.id
    )
    # Ten years of meetings are offered by their day alone: read as three columns each.
    rows = db.session.execute(
        sa.select(Conference.id, Conference.starts_at, Marac.timezone)
        .join(Marac, Marac.id == Conference.marac_id)
        .where(Conference.marac_id.in_(marac_ids or {-1}), Conference.id.in_(agreed))
        .order_by(Conference.starts_at.desc())
    )
    return [ConferenceChoice(*row) for row in rows]


#: Structured columns only: descriptions and notes are free text that can name people or
#: places, and a downloaded file is beyond the app's protection. The action number finds the
#: rest in the app.
CSV_HEADER = [
    "Case",
    "Action number",
    "Owner agency",
    "Agreed at conference",
    "Priority",
    "Due",
    "Status",
    "Days overdue",
    "Last update",
    "Case closed",
]


def as_csv(rows: Iterable[TrackedAction], today: date) -> str:
    """The tracker as CSV: references, agencies, dates and statuses; no names, no free text."""
    return "".join(stream_csv(CSV_HEADER, csv_rows(rows, today)))


def csv_rows(rows: Iterable[TrackedAction], today: date) -> Iterator[list[str]]:
    """Each action as a CSV row (cells not yet made safe: stream_csv does it)."""
    for row in rows:
        action, update = row.action, row.last_update
        yield [
            row.reference,
            str(action.id),
            action.owner_agency.name,
            display.local_day(row.conference).isoformat() if row.conference else "screening",
            action.priority.label,
            action.due_on.isoformat(),
            action.status.label,
            str(row.days_overdue(today)),
            rules.local(update.at, row.timezone).date().isoformat() if update else "",
            "Yes" if row.case_closed else "No",
        ]


#: Actions read per query when every matching action is walked (the CSV export).
BATCH = 500


def every_tracked(filters: Filters, *, batch: int | None = None) -> Iterator[TrackedAction]:
    """Every matching action, soonest due first, read a batch at a time after the last one
    seen (keyset), so memory stays flat however many there are. No victim names: the export
    that walks them never shows any."""
    batch = batch or BATCH
    query = _matching(filters).order_by(Action.due_on, Action.id)
    after: tuple[date, int] | None = None
    while True:
        page = query
        if after is not None:
            due_on, last_id = after
            page = page.where(
                sa.or_(
                    Action.due_on > due_on, sa.and_(Action.due_on == due_on, Action.id > last_id)
                )
            )
        rows = db.session.execute(page.limit(batch)).all()
        if not rows:
            return
        latest = latest_updates([row[0].id for row in rows])
        for action, reference, case_status, conf, zone in rows:
            yield TrackedAction(
                action,
                reference,
                "",
                conf,
                latest.get(action.id),
                case_status is CaseStatus.CLOSED,
                zone,
            )
        if len(rows) < batch:
            return  # the last batch: asking again would only find nothing
        after = (rows[-1][0].due_on, rows[-1][0].id)


def count_and_cases(filters: Filters) -> tuple[int, list[int]]:
    """How many actions match, and the cases they belong to (for the export's audit event)."""
    matching = _matching(filters).with_only_columns(Action.id, Action.case_id).subquery()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0
    case_ids = db.session.scalars(
        sa.select(matching.c.case_id).distinct().order_by(matching.c.case_id)
    ).all()
    return total, list(case_ids)


def chosen_id(text: str | None, known: Iterable[int]) -> int | None:
    """The id chosen in a filter, if it is one of those offered; anything else means any."""
    return next((i for i in known if str(i) == (text or "")), None)


def chosen_statuses(text: str | None) -> Collection[ActionStatus] | None:
    """The statuses a filter value stands for; None is every status, unknown is open ones."""
    if text == "all":
        return None
    if text == "closed":
        return [s for s in ActionStatus if s.is_closed]
    if text is not None and text in ActionStatus._value2member_map_:
        return [ActionStatus(text)]
    return OPEN_STATUSES
