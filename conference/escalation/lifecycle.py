"""The transition table of an escalation register entry.

The job opens an entry (open). A coordinator raises it with the agency, then marks it
resolved or closes it without resolution; a settled entry may be reopened. Every move says
what was done, in a note.
"""

from __future__ import annotations

from conference.escalation.choices import EntryStatus
from conference.escalation.models import EscalationEntry
from conference.escalation.permissions import manages
from conference.states import Actor, Context, Guard, Machine, move

COORDINATOR = Actor.COORDINATOR
OPEN, RAISED = EntryStatus.OPEN, EntryStatus.RAISED
RESOLVED, CLOSED = EntryStatus.RESOLVED, EntryStatus.CLOSED


def _note_given(_: EscalationEntry, context: Context) -> str | None:
    if str(context.facts.get("note") or "").strip():
        return None
    return "Say in a note what was done"


NOTE_GIVEN: Guard[EscalationEntry] = Guard("a note says what was done", _note_given)

ENTRY: Machine[EscalationEntry, EntryStatus] = Machine(
    "escalation register entry",
    EntryStatus,
    [
        move(
            OPEN, RAISED, "raise the entry with the agency", by={COORDINATOR}, guards=[NOTE_GIVEN]
        ),
        move(
            (OPEN, RAISED),
            RESOLVED,
            "mark the entry resolved",
            by={COORDINATOR},
            guards=[NOTE_GIVEN],
        ),
        move(
            (OPEN, RAISED),
            CLOSED,
            "close the entry without resolution",
            by={COORDINATOR},
            guards=[NOTE_GIVEN],
        ),
        move((RESOLVED, CLOSED), OPEN, "reopen the entry", by={COORDINATOR}, guards=[NOTE_GIVEN]),
    ],
    who={COORDINATOR: lambda user, entry: manages(user, entry.marac_id)},
    refusals={
        (RESOLVED, None): "This entry is resolved: reopen it first",
        (CLOSED, None): "This entry is closed: reopen it first",
    },
)
