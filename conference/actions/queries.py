"""Reading actions: an agency's own, and the overdue ones a meeting reviews."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import orm

from conference.accounts.models import Marac
from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.actions.tracker import ConferenceChoice, listed_action_loading
from conference.conferences.choices import Section
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.queries import victim_names
from conference.db import one_page
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case


def overdue_review(item: AgendaItem, day: date) -> list[tuple[Action, ActionUpdate | None]]:
    """The case's actions overdue on the meeting day, and those this item already reviewed,
    each with the meeting's latest decision on it (or None), oldest due first."""
    reviewed = sa.select(ActionUpdate.action_id).where(ActionUpdate.agenda_item_id == item.id)
    actions = list(
        db.session.scalars(
            sa.select(Action)
            .where(
                Action.case_id == item.case_id,
                sa.or_(
                    sa.and_(Action.status.in_(OPEN_STATUSES), Action.due_on < day),
                    Action.id.in_(reviewed),
                ),
            )
            .order_by(Action.due_on, Action.id)
        )
    )
    return _with_decisions(item, actions)


def interim_review(item: AgendaItem) -> list[tuple[Action, ActionUpdate | None]]:
    """The case's interim actions agreed at screening that are still open, and those this item
    already reviewed, each with the meeting's latest decision on it (or None)."""
    reviewed = sa.select(ActionUpdate.action_id).where(ActionUpdate.agenda_item_id == item.id)
    actions = list(
        db.session.scalars(
            sa.select(Action)
            .where(
                Action.case_id == item.case_id,
                Action.screening_referral_id.is_not(None),
                sa.or_(Action.status.in_(OPEN_STATUSES), Action.id.in_(reviewed)),
            )
            .order_by(Action.due_on, Action.id)
        )
    )
    return _with_decisions(item, actions)


def interim_actions(case_id: int) -> list[Action]:
    """Every interim action agreed at the case's screenings, soonest due first."""
    return list(
        db.session.scalars(
            sa.select(Action)
            .where(Action.case_id == case_id, Action.screening_referral_id.is_not(None))
            .order_by(Action.due_on, Action.id)
        )
    )


def to_review(item: AgendaItem, day: date) -> list[tuple[Action, ActionUpdate | None]]:
    """What the meeting decides on under this item: a standing item's overdue actions, or the
    interim actions agreed at screening for a case heard for the first time since."""
    if item.section is Section.OVERDUE_ACTIONS:
        return overdue_review(item, day)
    if item.section.is_standing:
        return []
    return interim_review(item)


def undecided_count(item: AgendaItem, day: date) -> int:
    """How many of to_review(item, day) the meeting has not decided on yet, counted in one
    statement: each save on the console says what the case still needs."""
    if item.section.is_standing and item.section is not Section.OVERDUE_ACTIONS:
        return 0
    # An action with a decision under this item is decided; the rest of to_review's actions
    # are the open ones it picks: overdue on the day, or agreed at screening.
    decided = sa.exists().where(
        ActionUpdate.agenda_item_id == item.id, ActionUpdate.action_id == Action.id
    )
    picked = (
        Action.due_on < day
        if item.section is Section.OVERDUE_ACTIONS
        else Action.screening_referral_id.is_not(None)
    )
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Action)
            .where(
                Action.case_id == item.case_id,
                Action.status.in_(OPEN_STATUSES),
                picked,
                ~decided,
            )
        )
        or 0
    )


def _with_decisions(
    item: AgendaItem, actions: list[Action]
) -> list[tuple[Action, ActionUpdate | None]]:
    latest: dict[int, ActionUpdate] = {}
    for update in db.session.scalars(
        sa.select(ActionUpdate)
        .where(ActionUpdate.agenda_item_id == item.id)
        .order_by(ActionUpdate.at, ActionUpdate.id)
    ):
        latest[update.action_id] = update
    return [(action, latest.get(action.id)) for action in actions]


def meeting_decisions(
    item_ids: Collection[int], *, agency_id: int | None = None
) -> dict[int, list[tuple[Action, ActionUpdate]]]:
    """Agenda item id -> each overdue action a meeting decided on under it, with its latest
    decision there (only one agency's actions, when asked), in the order they were decided."""
    if not item_ids:
        return {}
    query = (
        sa.select(ActionUpdate, Action)
        .join(Action, Action.id == ActionUpdate.action_id)
        .where(ActionUpdate.agenda_item_id.in_(item_ids))
        .order_by(ActionUpdate.at, ActionUpdate.id)
    )
    if agency_id is not None:
        query = query.where(Action.owner_agency_id == agency_id)
    latest: dict[int, dict[int, tuple[Action, ActionUpdate]]] = {}
    for update, action in db.session.execute(query):
        assert update.agenda_item_id is not None
        by_action = latest.setdefault(update.agenda_item_id, {})
        # A later decision on the same action replaces the earlier one, in its first place.
        by_action[action.id] = (action, update)
    return {item_id: list(found.values()) for item_id, found in latest.items()}


@dataclass(frozen=True)
class AgencyAction:
    """One open action with the least context its owner agency needs to act on it."""

    action: Action
    reference: str
    victim: str
    #: The conference that agreed it; None for an interim action agreed at screening.
    conference: Conference | None
    #: The case was closed before the plan was done: the action still waits for its report.
    case_closed: bool = False


def agency_actions_page(
    agency_id: int,
    marac_ids: Collection[int],
    *,
    page: int,
    per_page: int,
    statuses: Collection[ActionStatus] = OPEN_STATUSES,
    conference_id: int | None = None,
    due_by: date | None = None,
) -> tuple[Pagination, list[AgencyAction]]:
    """One page of the agency's actions in these MARACs (open ones unless told), soonest due
    first, with their count; and those of the page with their context. Three queries.

    A case closed early keeps its open actions here until the agency reports on each."""
    ids = (
        sa.select(Action.id)
        .join(Case, Case.id == Action.case_id)
        .where(
            Action.owner_agency_id == agency_id,
            Case.marac_id.in_(marac_ids or [-1]),
            Action.status.in_(statuses),
        )
        .order_by(Action.due_on, Action.id)
    )
    if conference_id is not None:
        on_agenda = sa.select(AgendaItem.id).where(AgendaItem.conference_id == conference_id)
        ids = ids.where(Action.agenda_item_id.in_(on_agenda))
    if due_by is not None:
        ids = ids.where(Action.due_on <= due_by)
    # Ordered by due day across the join: the page already reads every matching action.
    listing = one_page(ids, page=page, per_page=per_page, counted_with_rows=True)
    return listing, agency_actions_by_id(list(listing.items))


def agency_actions_by_id(action_ids: list[int]) -> list[AgencyAction]:
    """These actions, in this order, with the least context their owner agency needs."""
    if not action_ids:
        return []
    query = (
        sa.select(Action, Case.reference, Case.status, Conference)
        .join(Case, Case.id == Action.case_id)
        # Outer joins: an interim action agreed at screening has no agenda item.
        .outerjoin(AgendaItem, AgendaItem.id == Action.agenda_item_id)
        .outerjoin(Conference, Conference.id == AgendaItem.conference_id)
        .options(*listed_action_loading())
        .where(Action.id.in_(action_ids))
    )
    rows = {row[0].id: row for row in db.session.execute(query).all()}
    names = victim_names({row[0].case_id for row in rows.values()})
    return [
        AgencyAction(
            action,
            reference,
            names.get(action.case_id, ""),
            conference,
            case_status is CaseStatus.CLOSED,
        )
        for action, reference, case_status, conference in (rows[i] for i in action_ids if i in rows)
    ]


def agency_action(action: Action) -> AgencyAction:
    """One action with the context the agency's list shows it with."""
    reference, status = db.session.execute(
        sa.select(Case.reference, Case.status).where(Case.id == action.case_id)
    ).one()
    # An interim action agreed at screening belongs to no conference yet.
    conference = (
        db.session.scalar(
            sa.select(Conference)
            .join(AgendaItem, AgendaItem.conference_id == Conference.id)
            .where(AgendaItem.id == action.agenda_item_id)
        )
        if action.agenda_item_id is not None
        else None
    )
    name = victim_names([action.case_id]).get(action.case_id, "")
    return AgencyAction(action, reference, name, conference, status is CaseStatus.CLOSED)


def latest_update(action_id: int) -> ActionUpdate | None:
    """The action's most recent update (its note, who and when), if it has any."""
    return db.session.scalar(
        sa.select(ActionUpdate)
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.at.desc(), ActionUpdate.id.desc())
        .limit(1)
    )


def histories(action_ids: Collection[int]) -> dict[int, list[ActionUpdate]]:
    """Action id -> its updates, newest first (what each said, who, when). One query."""
    found: dict[int, list[ActionUpdate]] = {action_id: [] for action_id in action_ids}
    if not found:
        return found
    for update in db.session.scalars(
        sa.select(ActionUpdate)
        .where(ActionUpdate.action_id.in_(found))
        .order_by(ActionUpdate.at.desc(), ActionUpdate.id.desc())
    ):
        found[update.action_id].append(update)
    return found


def conferences_with_actions(agency_id: int, marac_ids: Collection[int]) -> list[ConferenceChoice]:
    """The conferences that agreed actions for the agency: the filter's choices."""
    if not marac_ids:
        return []
    # The meetings' ids first, then each meeting once: made distinct whole, every meeting
    # would be sorted once for each of its actions.
    held = orm.aliased(Conference)
    agreed = (
        sa.select(AgendaItem.conference_id)
        .join(held, held.id == AgendaItem.conference_id)
        .join(Action, Action.agenda_item_id == AgendaItem.id)
        .where(Action.owner_agency_id == agency_id, held.marac_id.in_(marac_ids))
    )
    # Offered by their day alone: read as three columns each.
    rows = db.session.execute(
        sa.select(Conference.id, Conference.starts_at, Marac.timezone)
        .join(Marac, Marac.id == Conference.marac_id)
        .where(Conference.id.in_(agreed))
        .order_by(Conference.starts_at.desc())
    )
    return [ConferenceChoice(*row) for row in rows]
