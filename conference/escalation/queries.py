"""Reading the escalation register: a fixed number of queries however many entries."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa

from conference.actions.models import Action
from conference.escalation.choices import EntryStatus
from conference.escalation.models import EntryChange, EscalationEntry
from conference.extensions import db


def entries(marac_ids: Collection[int], status: EntryStatus | None = None) -> list[EscalationEntry]:
    """The entries of these MARACs (of one status if given), live ones first, oldest first.
    Two queries: the entries with their MARAC and agency, then their actions."""
    query = sa.select(EscalationEntry).where(EscalationEntry.marac_id.in_(marac_ids))
    if status is not None:
        query = query.where(EscalationEntry.status == status)
    settled = EscalationEntry.status.in_([EntryStatus.RESOLVED, EntryStatus.CLOSED])
    return list(
        db.session.scalars(
            query.order_by(
                sa.case((settled, 1), else_=0), EscalationEntry.opened_on, EscalationEntry.id
            )
        ).unique()
    )


def status_counts(marac_ids: Collection[int]) -> dict[EntryStatus, int]:
    """How many entries of these MARACs are in each status. One query."""
    rows = db.session.execute(
        sa.select(EscalationEntry.status, sa.func.count(EscalationEntry.id))
        .where(EscalationEntry.marac_id.in_(marac_ids))
        .group_by(EscalationEntry.status)
    )
    counts = dict.fromkeys(EntryStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts


def history(entry: EscalationEntry) -> list[EntryChange]:
    """Every change to the entry, oldest first, with who made it. One query."""
    return list(
        db.session.scalars(
            sa.select(EntryChange).where(EntryChange.entry_id == entry.id).order_by(EntryChange.id)
        )
    )


def actions_now(entry: EscalationEntry) -> dict[int, tuple[int, str, date]]:
    """How each action of the entry stands now: action id -> (case id, status, due date).
    One query."""
    ids = [item.action_id for item in entry.actions]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Action.id, Action.case_id, Action.status, Action.due_on).where(Action.id.in_(ids))
    )
    return {action_id: (case_id, status, due_on) for action_id, case_id, status, due_on in rows}
