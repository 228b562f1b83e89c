"""The transition table of an agenda item at the meeting: listed, in discussion, then discussed
or deferred (and back into discussion, if the meeting reopens it).

Every move needs the meeting in progress; after it concludes the minutes are the only way to
change what it recorded.
"""

from __future__ import annotations

from conference.actions.queries import undecided_count
from conference.conferences import display
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.permissions import chairs, manages
from conference.meetings import queries
from conference.meetings.choices import RISK_FIELDS
from conference.meetings.models import Discussion
from conference.states import Actor, Context, Guard, Machine, move


def meeting_refusal(conference: Conference) -> str | None:
    """Why nothing can be recorded at the meeting now, or None while it is in progress."""
    if conference.status is ConferenceStatus.IN_PROGRESS:
        return None
    if conference.status in (ConferenceStatus.CONCLUDED, ConferenceStatus.MINUTES_FINAL):
        return "The meeting has concluded: change its record through the minutes"
    return "The meeting has not started: record attendance first"


def missing_for_discussed(
    item: AgendaItem, record: Discussion | None, actions: int, unreviewed: int = 0
) -> list[str]:
    """What the meeting must still record before the case can be marked discussed."""
    missing = []
    if item.section is Section.OVERDUE_ACTIONS:
        if unreviewed:
            missing.append(f"Record a decision on each overdue action ({unreviewed} to go)")
        return missing
    if item.section.is_standing:
        if record is None or not record.decisions.strip():
            missing.append("Record the meeting's decision on this item")
        return missing
    if record is None or not any(getattr(record, f).strip() for f in RISK_FIELDS):
        missing.append("Record at least one risk identified")
    if actions == 0 and (record is None or not record.no_action_reason.strip()):
        missing.append("Agree at least one action, or record why no action is needed")
    if unreviewed:
        missing.append(
            f"Record a decision on each interim action agreed at screening ({unreviewed} to go)"
        )
    return missing


def _meeting_in_progress(item: AgendaItem, _: Context) -> str | None:
    return meeting_refusal(item.conference)


def missing_now(item: AgendaItem, record: Discussion | None = None) -> list[str]:
    """What the case still needs before it can be marked discussed, as saved now (the list
    beside "Mark as discussed", sent again with every save). ``record``: the case's record as
    just saved (else read now)."""
    if record is None:
        record = queries.records_for([item.id]).get(item.id)
    undecided = undecided_count(item, display.local_day(item.conference))
    return missing_for_discussed(item, record, queries.actions_count(item.id), undecided)


def _record_complete(item: AgendaItem, _: Context) -> str | None:
    return ". ".join(missing_now(item)) or None


def _not_standing(item: AgendaItem, _: Context) -> str | None:
    if item.section.is_standing:
        return "A standing item is not deferred: record the meeting's decision"
    return None


MEETING_IN_PROGRESS: Guard[AgendaItem] = Guard("the meeting is in progress", _meeting_in_progress)
RECORD_COMPLETE: Guard[AgendaItem] = Guard(
    "a risk and an action (or why none) recorded; for a standing item, the meeting's decision "
    "(on each overdue action)",
    _record_complete,
)
NOT_STANDING: Guard[AgendaItem] = Guard("a case, not a standing item", _not_standing)

LISTED, IN_DISCUSSION = ItemStatus.LISTED, ItemStatus.IN_DISCUSSION
DISCUSSED, DEFERRED = ItemStatus.DISCUSSED, ItemStatus.DEFERRED
MEETING = {Actor.CHAIR, Actor.COORDINATOR}
REOPEN = "reopen the case"
#: Another case opened while this one was in discussion and not yet decided: only the case on
#: the screen is in discussion, so this one goes back to the list (what was recorded stays).
LEAVE = "leave the case for later"

ITEM: Machine[AgendaItem, ItemStatus] = Machine(
    "agenda item",
    ItemStatus,
    [
        move(LISTED, IN_DISCUSSION, "open the case", by=MEETING, guards=[MEETING_IN_PROGRESS]),
        move(
            IN_DISCUSSION,
            LISTED,
            LEAVE,
            by=MEETING,
            guards=[MEETING_IN_PROGRESS],
        ),
        move(
            IN_DISCUSSION,
            DISCUSSED,
            "mark the case discussed",
            by=MEETING,
            guards=[MEETING_IN_PROGRESS, RECORD_COMPLETE],
        ),
        move(
            (LISTED, IN_DISCUSSION, DEFERRED),
            DEFERRED,
            "defer the case to the next conference",
            by=MEETING,
            guards=[MEETING_IN_PROGRESS, NOT_STANDING],
        ),
        move(
            (DISCUSSED, DEFERRED), IN_DISCUSSION, REOPEN, by=MEETING, guards=[MEETING_IN_PROGRESS]
        ),
    ],
    who={
        Actor.CHAIR: lambda user, item: chairs(user, item.conference),
        Actor.COORDINATOR: lambda user, item: manages(user, item.conference.marac_id),
    },
    refusals={
        (None, DISCUSSED): "Open the case before marking it discussed",
        (DISCUSSED, DEFERRED): "The case has been discussed: reopen it before deferring",
        (None, IN_DISCUSSION): "The case is still open",
    },
)
