"""Reading actions: an agency's own, and the overdue ones a meeting reviews."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action, ActionUpdate
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.queries import victim_names
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
    latest: dict[int, ActionUpdate] = {}
    for update in db.session.scalars(
        sa.select(ActionUpdate)
        .where(ActionUpdate.agenda_item_id == item.id)
        .order_by(ActionUpdate.at, ActionUpdate.id)
    ):
        latest[update.action_id] = update
    return [(action, latest.get(action.id)) for action in actions]


@dataclass(frozen=True)
class AgencyAction:
    """One open action with the least context its owner agency needs to act on it."""

    action: Action
    reference: str
    victim: str
    conference: Conference


def agency_actions(
    agency_id: int,
    marac_ids: Collection[int],
    *,
    statuses: Collection[ActionStatus] = OPEN_STATUSES,
    conference_id: int | None = None,
    due_by: date | None = None,
) -> list[AgencyAction]:
    """The agency's actions in these MARACs (open ones unless told), soonest due first."""
    if not marac_ids:
        return []
    query = (
        sa.select(Action, Case.reference, Conference)
        .join(Case, Case.id == Action.case_id)
        .join(AgendaItem, AgendaItem.id == Action.agenda_item_id)
        .join(Conference, Conference.id == AgendaItem.conference_id)
        .where(
            Action.owner_agency_id == agency_id,
            Case.marac_id.in_(marac_ids),
            # A case closed early keeps its open actions on record; nobody chases them.
            Case.status != CaseStatus.CLOSED,
            Action.status.in_(statuses),
        )
        .order_by(Action.due_on, Action.id)
    )
    if conference_id is not None:
        query = query.where(Conference.id == conference_id)
    if due_by is not None:
        query = query.where(Action.due_on <= due_by)
    rows = db.session.execute(query).all()
    names = victim_names({action.case_id for action, _, _ in rows})
    return [
        AgencyAction(action, reference, names.get(action.case_id, ""), conference)
        for action, reference, conference in rows
    ]


def agency_action(action: Action) -> AgencyAction:
    """One action with the context the agency's list shows it with."""
    reference, conference = db.session.execute(
        sa.select(Case.reference, Conference)
        .join(AgendaItem, AgendaItem.conference_id == Conference.id)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.id == action.agenda_item_id)
    ).one()
    name = victim_names([action.case_id]).get(action.case_id, "")
    return AgencyAction(action, reference, name, conference)


def latest_update(action_id: int) -> ActionUpdate | None:
    """The action's most recent update (its note, who and when), if it has any."""
    return db.session.scalar(
        sa.select(ActionUpdate)
        .where(ActionUpdate.action_id == action_id)
        .order_by(ActionUpdate.at.desc(), ActionUpdate.id.desc())
        .limit(1)
    )


def conferences_with_actions(agency_id: int, marac_ids: Collection[int]) -> list[Conference]:
    """The conferences that agreed actions for the agency: the filter's choices."""
    if not marac_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Conference)
            .join(AgendaItem, AgendaItem.conference_id == Conference.id)
            .join(Action, Action.agenda_item_id == AgendaItem.id)
            .where(Action.owner_agency_id == agency_id, Conference.marac_id.in_(marac_ids))
            .distinct()
            .order_by(Conference.starts_at.desc())
        )
    )
