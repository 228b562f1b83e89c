"""Reading actions: the overdue ones a meeting reviews under a standing item."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from conference.actions.choices import OPEN_STATUSES
from conference.actions.models import Action, ActionUpdate
from conference.conferences.models import AgendaItem
from conference.extensions import db


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
