"""A meeting's change stamp: one short value that moves whenever anything the follow view
shows changes, so a poll can be answered "nothing new" from one statement instead of a page.

The stamp digests, for the conference: its status and version; the meeting's version and the
case on screen; each agenda item's position and status; and, over its items, the count, ids
and versions of the case records, the perpetrators' risks, the actions and the research
returns (with their findings on each perpetrator). An edit moves a version; an addition or
a removal moves a count and a sum of ids. It holds no case detail: it is a hash.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from conference.actions.models import Action
from conference.conferences.choices import ItemStatus
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.meetings.models import Attendee, Discussion, Meeting, PerpetratorRisk
from conference.research.models import PerpetratorFinding, ResearchReturn

#: Each item status as a number, so a change of status moves the sum it is part of.
_STATUS_NUMBERS = sa.case(
    {status.value: number for number, status in enumerate(ItemStatus, start=1)},
    value=AgendaItem.status,
    else_=0,
)


@dataclass(frozen=True)
class FollowState:
    #: The conference's change stamp (see above).
    stamp: str
    #: Whether the user asking is an attendee who accepted the confidentiality statement.
    attends: bool


def follow_state(conference_id: int, user_id: int) -> FollowState:
    """The conference's change stamp, and whether the user is an attendee who may follow it,
    in one statement built once per process: a poll every few seconds from every follower
    should not rebuild twenty subqueries, nor ask twice."""
    attends, *values = db.session.execute(
        _stamp_statement(), {"conference_id": conference_id, "user_id": user_id}
    ).one()
    digest = hashlib.sha256("|".join(str(value) for value in values).encode())
    return FollowState(digest.hexdigest()[:16], bool(attends))


@functools.cache
def _stamp_statement() -> sa.Select[Any]:
    conference_id = sa.bindparam("conference_id", type_=sa.Integer)
    user_id = sa.bindparam("user_id", type_=sa.Integer)
    attends = sa.exists().where(
        Attendee.conference_id == conference_id,
        Attendee.user_id == user_id,
        Attendee.accepted_confidentiality_at.is_not(None),
    )
    items = sa.select(AgendaItem.id).where(AgendaItem.conference_id == conference_id)

    def aggregate(model: Any, item_column: Any) -> list[sa.ScalarSelect]:
        where = item_column.in_(items)
        columns = [sa.func.count(model.id), sa.func.coalesce(sa.func.sum(model.id), 0)]
        version = getattr(model, "version", None)
        if version is not None:
            columns.append(sa.func.coalesce(sa.func.sum(version), 0))
        return [sa.select(column).where(where).scalar_subquery() for column in columns]

    parts = [
        sa.select(Conference.status).where(Conference.id == conference_id).scalar_subquery(),
        sa.select(Conference.version).where(Conference.id == conference_id).scalar_subquery(),
        sa.select(Meeting.version).where(Meeting.conference_id == conference_id).scalar_subquery(),
        sa.select(Meeting.current_item_id)
        .where(Meeting.conference_id == conference_id)
        .scalar_subquery(),
        *aggregate(AgendaItem, AgendaItem.id),
        sa.select(sa.func.coalesce(sa.func.sum(AgendaItem.id * _STATUS_NUMBERS), 0))
        .where(AgendaItem.conference_id == conference_id)
        .scalar_subquery(),
        sa.select(sa.func.coalesce(sa.func.sum(AgendaItem.id * (AgendaItem.position + 1)), 0))
        .where(AgendaItem.conference_id == conference_id)
        .scalar_subquery(),
        *aggregate(Discussion, Discussion.agenda_item_id),
        *aggregate(PerpetratorRisk, PerpetratorRisk.agenda_item_id),
        *aggregate(Action, Action.agenda_item_id),
        *aggregate(ResearchReturn, ResearchReturn.agenda_item_id),
        sa.select(sa.func.count(PerpetratorFinding.id))
        .join(ResearchReturn, ResearchReturn.id == PerpetratorFinding.return_id)
        .where(ResearchReturn.agenda_item_id.in_(items))
        .scalar_subquery(),
    ]
    return sa.select(attends, *parts)
