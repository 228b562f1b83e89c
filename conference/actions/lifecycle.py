"""The transition table of an action: what its owner agency reports, and what a meeting decides.

The owner agency reports progress and closes its action as done or not done; once closed it
stays closed for them. A meeting reviewing an overdue action keeps it open with a new due date,
closes it, or changes an earlier decision, reopening it if need be. A later meeting may carry
an unfinished action into its own plan: a new action takes it on, and the old one ends there.
"""

from __future__ import annotations

from collections.abc import Callable

from conference.accounts.models import Role, User
from conference.accounts.permissions import roles_in
from conference.actions.choices import ActionStatus
from conference.actions.models import Action
from conference.actions.permissions import reports_on
from conference.extensions import db
from conference.referrals.models import Case
from conference.states import Actor, Machine, move

OWNER, CHAIR, COORDINATOR = Actor.OWNER_AGENCY, Actor.CHAIR, Actor.COORDINATOR
MEETING = {CHAIR, COORDINATOR}

OPEN, IN_PROGRESS = ActionStatus.OPEN, ActionStatus.IN_PROGRESS
KEPT_OPEN = (OPEN, IN_PROGRESS)
CARRIED = ActionStatus.CARRIED_FORWARD
CLOSED = (ActionStatus.DONE, ActionStatus.NOT_DONE_CIRCUMSTANCES, ActionStatus.NOT_DONE_AGENCY)


def _marac_id(action: Action) -> int:
    case = db.session.get(Case, action.case_id)
    assert case is not None
    return case.marac_id


def _holds(role: Role) -> Callable[[User, Action], bool]:
    def holds(user: User, action: Action) -> bool:
        return role in roles_in(user, _marac_id(action))

    return holds


ACTION: Machine[Action, ActionStatus] = Machine(
    "action",
    ActionStatus,
    [
        move(KEPT_OPEN, IN_PROGRESS, "report progress on the action", by={OWNER}),
        *(
            move(KEPT_OPEN, closed, "report the action done or not done", by={OWNER})
            for closed in CLOSED
        ),
        move(OPEN, OPEN, "keep the action open with a new due date", by=MEETING),
        move(IN_PROGRESS, IN_PROGRESS, "keep the action open with a new due date", by=MEETING),
        move(CLOSED, OPEN, "reopen the action with a new due date", by=MEETING),
        *(
            move(
                (*KEPT_OPEN, *CLOSED),
                closed,
                "close the action at a meeting, or change the meeting's decision",
                by=MEETING,
            )
            for closed in CLOSED
        ),
        move(KEPT_OPEN, CARRIED, "carry the action into a later meeting's plan", by=MEETING),
    ],
    who={
        OWNER: lambda user, action: reports_on(user, action, _marac_id(action)),
        CHAIR: _holds(Role.CHAIR),
        COORDINATOR: _holds(Role.COORDINATOR),
    },
    refusals={
        **{(closed, None): "This action is already closed" for closed in CLOSED},
        (CARRIED, None): "This action was carried forward into a later meeting's plan",
    },
)
