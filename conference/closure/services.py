"""Closing a case.

A case closes when its plan is done: every action done, or closed as not done with a reason.
The coordinator may close it earlier, giving the reason; the actions still open are left as
they are, because what a meeting agreed is never deleted, and stay on their agency's list
(marked "Case closed") until the agency reports on each. A repeat referral accepted into a
closed case reopens it (``referrals.services.decide``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from conference import audit
from conference.accounts.models import User
from conference.closure import queries
from conference.db import flush_or_conflict
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.lifecycle import CASE
from conference.referrals.models import REASON_LIMIT, Case, CaseClosure


def close_case(case: Case, *, actor: User, reason: str, now: datetime) -> None:
    """Close the case; a reason is needed while actions are open or if it was never heard.

    Flushes; the caller commits. Raises PermissionDenied unless the actor coordinates the
    case's MARAC, InvalidTransition when it is closed already or on an agenda not yet held
    (the case's table, ``referrals.lifecycle.CASE``), ValidationFailed (on ``reason``)
    when the reason is missing or too long, and Conflict when saved at the same moment.
    """
    CASE.check(case, CaseStatus.CLOSED, actor=actor, now=now)
    reason = reason.strip()
    still_open = [action.id for action in queries.open_actions(case.id)]
    if not reason:
        _check_needs_no_reason(case, len(still_open))
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed(f"The reason must be {REASON_LIMIT} characters or fewer", "reason")
    previous = CASE.transition(case, CaseStatus.CLOSED, actor=actor, now=now)
    case.closed_at = now
    case.closed_by_id = actor.id
    case.close_reason = reason
    db.session.add(
        CaseClosure(case_id=case.id, closed_at=now, closed_by_id=actor.id, reason=reason)
    )
    # The reason may hold case detail, so the audit event keeps only that one was given.
    audit.record(
        actor,
        "case.closed",
        case,
        now=now,
        detail={
            "from_status": previous.value,
            "open_action_ids": still_open,
            "with_reason": bool(reason),
        },
    )
    flush_or_conflict("Someone else changed this case at the same moment: check it, then close it")


def _check_needs_no_reason(case: Case, open_count: int) -> None:
    if open_count:
        raise ValidationFailed(
            f"{open_count} action{' is' if open_count == 1 else 's are'} still open: give the "
            "reason for closing the case before the plan is done",
            "reason",
        )
    if queries.standings([case.id])[case.id].heard_at is None:
        raise ValidationFailed(
            "No conference has heard this case: give the reason for closing it", "reason"
        )


#: The reason the ready-to-close list offers: the plan was carried out.
PLAN_DONE_REASON = "The plan is complete: every action was done or closed as not done."


def close_many(cases: Sequence[Case], *, actor: User, reason: str, now: datetime) -> None:
    """Close each case whose plan is complete, with one reason; all of them or none.

    Flushes; the caller commits. Raises ValidationFailed (on ``case_ids``) naming each case
    that cannot close now (its plan is not complete, or it is on an agenda still to be held),
    and as close_case does.
    """
    if not cases:
        raise ValidationFailed("Choose at least one case to close", "case_ids")
    stuck = [
        c.reference
        for c in cases
        if c.status is not CaseStatus.PLAN_COMPLETE or queries.item_not_yet_held(c.id)
    ]
    if stuck:
        raise ValidationFailed(
            f"{', '.join(stuck)}: no longer ready to close (an action was reopened, or the case "
            "is on an agenda still to be held). Nothing was closed: check the list again",
            "case_ids",
        )
    for case in cases:
        close_case(case, actor=actor, reason=reason, now=now)
