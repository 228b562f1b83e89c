"""The transition table of a conference: scheduled, published, held, concluded, minutes final.

A conference is planned (scheduled), its agenda published, the meeting started on its day once
attendance is done, concluded once every case is discussed or deferred, and its minutes made
final. Until the meeting starts it can be cancelled.
"""

from __future__ import annotations

import sqlalchemy as sa

from conference.conferences import rules
from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.conferences.display import local_day
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.permissions import chairs, manages
from conference.extensions import db
from conference.referrals.models import Case
from conference.referrals.services import today_in
from conference.states import Actor, Context, Guard, Machine, move

COORDINATOR, CHAIR, SYSTEM = Actor.COORDINATOR, Actor.CHAIR, Actor.SYSTEM

#: An item the meeting has finished with, one way or the other.
SETTLED = (ItemStatus.DISCUSSED, ItemStatus.DEFERRED)


def _starts_ahead(conference: Conference, context: Context) -> str | None:
    assert context.now is not None
    return None if conference.starts_at > context.now else "This conference has already started"


def _has_agenda(conference: Conference, _: Context) -> str | None:
    listed = db.session.scalar(
        sa.select(sa.exists().where(AgendaItem.conference_id == conference.id))
    )
    return None if listed else "There is nothing on this agenda to publish"


def _on_its_day(conference: Conference, context: Context) -> str | None:
    assert context.now is not None
    if local_day(conference) > today_in(conference.marac, context.now):
        return "The meeting can be opened on its day"
    return None


def _at_its_time(conference: Conference, context: Context) -> str | None:
    """Its planned start has come, or the chair says everyone is here and starts early."""
    assert context.now is not None
    if context.now >= conference.starts_at or context.facts.get("early") is True:
        return None
    start = rules.local(conference.starts_at, conference.marac.timezone)
    return (
        f"The meeting is planned to start at {rules.clock(start)}: say it starts early to begin now"
    )


def _attendance_done(conference: Conference, context: Context) -> str | None:
    """``invited`` may come with the facts, when the caller has read it already."""
    # Imported here: the meetings package imports this module.
    from conference.meetings import opening, queries

    invited = context.facts.get("invited")
    if invited is None:
        invited = queries.invited_agencies(conference.id)
    state = opening.readiness(
        invited, queries.attendances(conference.id), queries.attendees(conference.id)
    )
    return None if state.ready else ". ".join(state.problems())


def _every_case_settled(conference: Conference, _: Context) -> str | None:
    rows = db.session.execute(
        sa.select(Case.reference, AgendaItem.section, AgendaItem.position)
        .join(Case, Case.id == AgendaItem.case_id)
        .where(AgendaItem.conference_id == conference.id, AgendaItem.status.not_in(SETTLED))
    ).all()
    if not rows:
        return None
    names = ", ".join(row.reference for row in sorted(rows, key=lambda r: (r[1].rank, r[2])))
    return f"Discuss or defer every case before concluding. Still open: {names}"


STARTS_AHEAD: Guard[Conference] = Guard("it starts in the future", _starts_ahead)
HAS_AGENDA: Guard[Conference] = Guard(
    "something is on its agenda (cases, or the standing items publishing adds)", _has_agenda
)
ON_ITS_DAY: Guard[Conference] = Guard("it is the meeting's day (in the MARAC's zone)", _on_its_day)
AT_ITS_TIME: Guard[Conference] = Guard(
    "its planned start time has come, or the chair starts it early (recorded)", _at_its_time
)
ATTENDANCE_DONE: Guard[Conference] = Guard(
    "every invited agency present or sending apologies, someone present, and everyone's "
    "confidentiality accepted",
    _attendance_done,
)
EVERY_CASE_SETTLED: Guard[Conference] = Guard(
    "every case on its agenda discussed or deferred", _every_case_settled
)

SCHEDULED, AGENDA_PUBLISHED = ConferenceStatus.SCHEDULED, ConferenceStatus.AGENDA_PUBLISHED
IN_PROGRESS, CONCLUDED = ConferenceStatus.IN_PROGRESS, ConferenceStatus.CONCLUDED
MINUTES_FINAL, CANCELLED = ConferenceStatus.MINUTES_FINAL, ConferenceStatus.CANCELLED
MEETING = {CHAIR, COORDINATOR}
_CONCLUDED = "The meeting has concluded: change its record through the minutes"

CONFERENCE: Machine[Conference, ConferenceStatus] = Machine(
    "conference",
    ConferenceStatus,
    [
        move(
            SCHEDULED,
            AGENDA_PUBLISHED,
            "publish the agenda",
            by={COORDINATOR, SYSTEM},
            guards=[STARTS_AHEAD, HAS_AGENDA],
        ),
        move(
            (SCHEDULED, AGENDA_PUBLISHED),
            CANCELLED,
            "cancel the conference",
            by={COORDINATOR, SYSTEM},
        ),
        move(
            AGENDA_PUBLISHED,
            IN_PROGRESS,
            "start the meeting",
            by=MEETING,
            guards=[ON_ITS_DAY, AT_ITS_TIME, ATTENDANCE_DONE],
        ),
        move(
            IN_PROGRESS, CONCLUDED, "conclude the meeting", by=MEETING, guards=[EVERY_CASE_SETTLED]
        ),
        move(CONCLUDED, MINUTES_FINAL, "make the minutes final", by=MEETING),
    ],
    who={
        COORDINATOR: lambda user, conference: manages(user, conference.marac_id),
        CHAIR: chairs,
    },
    refusals={
        (None, AGENDA_PUBLISHED): "This conference is {status}",
        (None, CANCELLED): "This conference is {status}",
        (SCHEDULED, IN_PROGRESS): "Publish the agenda before the meeting can open",
        (IN_PROGRESS, IN_PROGRESS): "The meeting has already started",
        (None, IN_PROGRESS): "The conference is {status}: it cannot be opened",
        (CONCLUDED, CONCLUDED): _CONCLUDED,
        (MINUTES_FINAL, CONCLUDED): _CONCLUDED,
        (None, CONCLUDED): "The meeting has not started: record attendance first",
        (MINUTES_FINAL, MINUTES_FINAL): "The minutes are already final: correct them instead",
        (None, MINUTES_FINAL): "The meeting has not concluded: its minutes are not drafted yet",
    },
)
