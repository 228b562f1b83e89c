"""The meeting's view of each perpetrator's risk to others (a new partner, children, family,
the public, staff), recorded at the console beside the case's record.

Every function here flushes and leaves the commit to its caller.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import User
from conference.conferences import planning
from conference.conferences.models import AgendaItem
from conference.conferences.queries import item_perpetrators
from conference.errors import NotFound, ValidationFailed
from conference.extensions import db
from conference.meetings.choices import PERPETRATOR_RISK_FIELDS
from conference.meetings.console import (
    SAME_MOMENT,
    check_in_progress,
    merged_values,
    write_texts,
)
from conference.meetings.models import PERPETRATOR_RISK_LIMITS, PerpetratorRisk
from conference.merging import Merge
from conference.referrals.models import Perpetrator


def perpetrator_of(item: AgendaItem, perpetrator_id: int) -> Perpetrator:
    """One perpetrator of the item's referral. Raises NotFound for anyone else's."""
    for perpetrator in item_perpetrators(item):
        if perpetrator.id == perpetrator_id:
            return perpetrator
    raise NotFound("No such perpetrator on this case")


def risks_for(item_ids: Collection[int]) -> dict[int, dict[int, PerpetratorRisk]]:
    """Agenda item id -> perpetrator id -> what the meeting recorded on his risk."""
    if not item_ids:
        return {}
    rows = db.session.scalars(
        sa.select(PerpetratorRisk).where(PerpetratorRisk.agenda_item_id.in_(item_ids))
    )
    found: dict[int, dict[int, PerpetratorRisk]] = {}
    for row in rows:
        found.setdefault(row.agenda_item_id, {})[row.perpetrator_id] = row
    return found


def save_risk(
    item: AgendaItem,
    perpetrator: Perpetrator,
    values: Mapping[str, str],
    *,
    version: int | None,
    actor: User,
    now: datetime,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[PerpetratorRisk, Merge | None]:
    """Save the meeting's view of one perpetrator's risk; a save made on a stale copy is merged
    with what is saved, as the case's record is (console.merged_values).

    ``version`` is the version the user's copy was read at (None before anything is saved),
    ``base`` the text it started from, ``keep`` the fields to leave as saved. Returns the risk
    and the merge, if any. Raises RecordConflict (both changed a field), ValidationFailed and
    InvalidTransition.
    """
    check_in_progress(item.conference)
    if perpetrator.referral_id != item.referral_id:
        raise NotFound("No such perpetrator on this case")
    risk = risks_for([item.id]).get(item.id, {}).get(perpetrator.id)
    if risk is None and version is not None:
        raise ValidationFailed("This record was removed; reload the page")
    values, merged = merged_values(
        risk,
        PERPETRATOR_RISK_FIELDS,
        values,
        version=version,
        base=base,
        keep=keep,
        message=_conflict_message(risk, perpetrator) if risk is not None else SAME_MOMENT,
    )
    for name in PERPETRATOR_RISK_FIELDS:
        limit = PERPETRATOR_RISK_LIMITS[name]
        if len((values.get(name) or "").strip()) > limit:
            raise ValidationFailed(f"Must be {limit} characters or fewer", name)
    if risk is None:
        risk = PerpetratorRisk(agenda_item_id=item.id, perpetrator_id=perpetrator.id)
        db.session.add(risk)
    changed = list(write_texts(risk, PERPETRATOR_RISK_FIELDS, values, actor=actor, now=now))
    audit.record(
        actor,
        "meeting.perpetrator_risk_saved",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={
            "case_id": item.case_id,
            "perpetrator_id": perpetrator.id,
            "fields": changed,
            "merged": merged is not None,
        },
    )
    return risk, merged


def _conflict_message(risk: PerpetratorRisk, perpetrator: Perpetrator) -> str:
    who = risk.updated_by.name if risk.updated_by else "Someone"
    return (
        f"{who} saved the meeting's view of {perpetrator.name}'s risk at "
        f"{planning.rules.clock(risk.updated_at)} while you were typing. Nothing is saved yet. "
        "Where you both changed the same part, both texts are shown side by side: choose which "
        "to keep, then save again."
    )


def risks_with_perpetrators(
    item_ids: Collection[int],
) -> dict[int, list[tuple[Perpetrator, PerpetratorRisk]]]:
    """Agenda item id -> each perpetrator with what the meeting recorded on his risk, in the
    referral's order; one query however many items."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        sa.select(Perpetrator, PerpetratorRisk)
        .join(PerpetratorRisk, PerpetratorRisk.perpetrator_id == Perpetrator.id)
        .where(PerpetratorRisk.agenda_item_id.in_(item_ids))
        .order_by(Perpetrator.position, Perpetrator.id)
    )
    found: dict[int, list[tuple[Perpetrator, PerpetratorRisk]]] = {}
    for perpetrator, risk in rows:
        if not risk.is_empty:
            found.setdefault(risk.agenda_item_id, []).append((perpetrator, risk))
    return found
