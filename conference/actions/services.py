"""Changing an action after it was agreed: every change is kept as an update with a note."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from conference import audit
from conference.accounts.models import User
from conference.actions.choices import OPEN_STATUSES, ActionStatus, Priority
from conference.actions.lifecycle import ACTION, MEETING
from conference.actions.models import Action, ActionUpdate
from conference.conferences.models import AgendaItem
from conference.dates import ACTION_DUE_YEARS, years_after
from conference.db import flush_or_conflict
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.lifecycle import CASE
from conference.referrals.models import Case, Referral
from conference.referrals.services import today_in
from conference.states import Actor

NOTE_LIMIT = 2000


class ActionConflict(Conflict):
    """Someone changed the action after the agency's copy was read; the answer shows what they
    saved beside what the agency typed."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else updated this action while you were writing. Both versions are shown: "
            "check theirs, then save yours again if it still applies."
        )


def review_at_meeting(
    action: Action,
    item: AgendaItem,
    *,
    version: int | None,
    status: ActionStatus,
    due_on: date | None,
    note: str,
    actor: User,
    now: datetime,
) -> ActionUpdate:
    """Record the meeting's decision on an overdue action under a standing item.

    Keeping it open needs a new due date no earlier than the meeting; closing it needs only
    the note. Flushes; the caller commits. Raises Conflict when the action changed since it
    was read, ValidationFailed by field.
    """
    if version != action.version:
        raise Conflict(
            "Someone changed this action while you were reviewing it: check it, then decide again"
        )
    note = note.strip()
    if not note:
        raise ValidationFailed("Say what the meeting decided about this action", "note")
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed(f"Must be {NOTE_LIMIT} characters or fewer", "note")
    if status in OPEN_STATUSES:
        if due_on is None:
            raise ValidationFailed("Give the new due date to keep the action open", "due_on")
        if due_on < now.date():
            raise ValidationFailed("The new due date cannot be in the past", "due_on")
        if due_on > years_after(now.date(), ACTION_DUE_YEARS):
            raise ValidationFailed(
                f"The new due date must be within {ACTION_DUE_YEARS} years from today", "due_on"
            )
        # Still open: it keeps the open status it had (open, or in progress).
        status = action.status if action.status in OPEN_STATUSES else status
    else:
        due_on = None
    ACTION.transition(action, status, actor=actor, now=now, by=MEETING)
    if due_on is not None:
        action.due_on = due_on
    action.updated_at = now
    action.updated_by_id = actor.id
    update = ActionUpdate(
        action_id=action.id,
        status=status,
        due_on=due_on,
        note=note,
        agenda_item_id=item.id,
        actor_id=actor.id,
        at=now,
    )
    db.session.add(update)
    flush_or_conflict("Someone changed this action at the same moment: check it, then decide again")
    audit.record(
        actor,
        "action.reviewed",
        action,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": action.case_id, "status": status.value},
    )
    return update


#: What an agency can report on its own action outside a meeting.
REPORTABLE = ACTION.targets(by=Actor.OWNER_AGENCY)


def report_status(
    action: Action,
    *,
    version: int | None,
    status: ActionStatus,
    note: str,
    actor: User,
    now: datetime,
) -> ActionUpdate:
    """The owner agency reports progress on its action, with a note; kept as an update.

    A closed action stays closed here (the coordinator reopens). Flushes; the caller commits.
    Raises Conflict when the action changed since it was read, ValidationFailed by field.
    """
    if version != action.version:
        raise ActionConflict()
    if status not in REPORTABLE:
        raise ValidationFailed("Choose what has happened with the action", "status")
    try:
        ACTION.check(action, status, actor=actor, now=now, by=Actor.OWNER_AGENCY)
    except InvalidTransition as refused:
        # The agency's form shows why beside the status it chose ("already closed").
        raise ValidationFailed(str(refused), "status") from refused
    note = note.strip()
    if not note:
        raise ValidationFailed("Add a note: what was done, or why not", "note")
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed(f"Must be {NOTE_LIMIT} characters or fewer", "note")
    ACTION.transition(action, status, actor=actor, now=now, by=Actor.OWNER_AGENCY)
    action.updated_at = now
    action.updated_by_id = actor.id
    update = ActionUpdate(action_id=action.id, status=status, note=note, actor_id=actor.id, at=now)
    db.session.add(update)
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise ActionConflict() from stale
    case = db.session.get_one(Case, action.case_id)
    audit.record(
        actor,
        "action.updated",
        action,
        marac_id=case.marac_id,
        now=now,
        detail={"case_id": action.case_id, "status": status.value},
    )
    follow_plan(case, now=now)
    return update


def follow_plan(case: Case, *, now: datetime) -> None:
    """After its conference a case's status follows its actions: actions open while any is
    open, plan complete once each is done or closed as not done. Flushes; the caller commits.
    A case still waiting for a conference, on an agenda or closed is left as it is."""
    if case.status not in (CaseStatus.PLAN_COMPLETE, CaseStatus.ACTIONS_OPEN):
        return
    still_open = db.session.scalar(
        sa.select(sa.exists().where(Action.case_id == case.id, Action.status.in_(OPEN_STATUSES)))
    )
    target = CaseStatus.ACTIONS_OPEN if still_open else CaseStatus.PLAN_COMPLETE
    if case.status is target:
        return
    CASE.transition(case, target, actor=None, now=now)
    verb = "case.plan_complete" if target is CaseStatus.PLAN_COMPLETE else "case.actions_reopened"
    audit.record(None, verb, case, now=now)
    flush_or_conflict("Someone changed this case at the same moment: check it, then save")


@dataclass(frozen=True)
class Interim:
    """An interim action as the screening form gave it; blank parts are None or ""."""

    description: str
    owner_agency_id: int | None
    owner_name: str
    due_on: date | None


def agree_interim(
    case: Case,
    referral: Referral,
    planned: Sequence[Interim],
    *,
    before: date | None,
    actor: User,
    now: datetime,
) -> list[Action]:
    """Agree an urgent case's interim safety actions at screening, before its first meeting.

    Each is an action of the case like any other (tracked, chased, reviewed at the meeting),
    marked as agreed at the screening of ``referral``. Blank rows are skipped; at least one is
    needed, each complete and due from today up to the day before ``before`` (the meeting day,
    when the case is listed). Flushes; the caller commits. Raises ValidationFailed by field,
    named interim_<row>_<part> from 1.
    """
    today = today_in(case.marac, now)
    agencies = {a.id: a for a in case.marac.agencies}
    actions = []
    for row, plan in enumerate(planned, start=1):
        if not (plan.description.strip() or plan.owner_agency_id or plan.due_on):
            continue
        field = f"interim_{row}_"
        if not plan.description.strip():
            raise ValidationFailed("Say what will be done", field + "description")
        if plan.owner_agency_id not in agencies:
            raise ValidationFailed("Choose the agency that owns it", field + "agency_id")
        if plan.due_on is None:
            raise ValidationFailed("Give the date it is due by", field + "due_on")
        if plan.due_on < today:
            raise ValidationFailed("The due date cannot be in the past", field + "due_on")
        if before is not None and plan.due_on >= before:
            raise ValidationFailed(
                f"An interim action is due before the meeting on {before:%-d %B %Y}",
                field + "due_on",
            )
        action = Action(
            case_id=case.id,
            screening_referral_id=referral.id,
            description=plan.description.strip(),
            owner_agency_id=plan.owner_agency_id,
            owner_name=plan.owner_name.strip(),
            due_on=plan.due_on,
            priority=Priority.HIGH,
            agreed_at=now,
            agreed_by_id=actor.id,
            updated_at=now,
            updated_by_id=actor.id,
        )
        db.session.add(action)
        db.session.flush()
        audit.record(
            actor,
            "action.agreed",
            action,
            marac_id=case.marac_id,
            now=now,
            detail={
                "case_id": case.id,
                "owner_agency_id": plan.owner_agency_id,
                "through": "screening",
            },
        )
        actions.append(action)
    if not actions:
        raise ValidationFailed(
            "An urgent case needs at least one interim action: say what, who and by when",
            "interim_1_description",
        )
    return actions
