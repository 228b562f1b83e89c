"""The transition table of a system issue.

A chair or coordinator raises it (open). A coordinator or the steering group records its
outcome (resolved) and may reopen it; each move says why, in a note.
"""

from __future__ import annotations

from conference.accounts.models import Role
from conference.accounts.permissions import roles_in
from conference.states import Actor, Context, Guard, Machine, move
from conference.system_issues.choices import IssueStatus
from conference.system_issues.models import SystemIssue

OPEN, RESOLVED = IssueStatus.OPEN, IssueStatus.RESOLVED
MANAGERS = {Actor.COORDINATOR, Actor.STEERING}


def _note_given(_: SystemIssue, context: Context) -> str | None:
    if str(context.facts.get("note") or "").strip():
        return None
    return "Say what came of it"


NOTE_GIVEN: Guard[SystemIssue] = Guard("a note says what came of it, or why", _note_given)

ISSUE: Machine[SystemIssue, IssueStatus] = Machine(
    "system issue",
    IssueStatus,
    [
        move(OPEN, RESOLVED, "record the outcome", by=MANAGERS, guards=[NOTE_GIVEN]),
        move(RESOLVED, OPEN, "reopen the issue", by=MANAGERS, guards=[NOTE_GIVEN]),
    ],
    who={
        Actor.COORDINATOR: lambda user, issue: Role.COORDINATOR in roles_in(user, issue.marac_id),
        Actor.STEERING: lambda user, issue: Role.STEERING in roles_in(user, issue.marac_id),
    },
    refusals={
        (OPEN, OPEN): "This issue is open already",
        (RESOLVED, RESOLVED): "This issue is resolved already: reopen it to change it",
    },
)
