"""Editing, finalising and correcting a conference's minutes.

A draft is edited freely by whoever writes the minutes. Final minutes are locked: every later
change needs a reason and leaves a revision (who, when, why, each field before and after) in
the same transaction. Every function flushes and leaves the commit to its caller.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from conference import audit
from conference.accounts.models import Agency, User
from conference.accounts.queries import agency_rep_ids
from conference.actions.choices import Priority
from conference.actions.models import Action
from conference.conferences import display, rules
from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.conferences.lifecycle import CONFERENCE
from conference.conferences.models import AgendaItem, Conference
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings.choices import RevisionOf, SavedFrom
from conference.meetings.console import (
    SAME_MOMENT,
    RecordConflict,
    apply_record,
    check_action,
    keep_revision,
    merged_values,
)
from conference.meetings.models import Discussion
from conference.merging import Merge
from conference.minutes.forms import REASON_LIMIT, RECORD_LABELS
from conference.minutes.models import MINUTES_LIMITS, Minutes, MinutesRevision
from conference.minutes.permissions import has_minutes
from conference.minutes.queries import copy_agency_ids
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.choices import CaseStatus
from conference.referrals.lifecycle import CASE

#: How a revision names what it changed.
CHANGE_LABELS = {
    **RECORD_LABELS,
    "opening_notes": "Opening notes",
    "other_business": "Any other business",
    "action.added": "Action added",
    "action.description": "Action: task",
    "action.owner_agency": "Action: owner agency",
    "action.owner_name": "Action: person at the owner agency",
    "action.due_on": "Action: due date",
    "action.priority": "Action: priority",
}


#: The minutes' own notes, merged and kept as revisions like a case's record.
NOTES_FIELDS = tuple(MINUTES_LIMITS)


class NotesConflict(RecordConflict):
    """Someone saved the minutes' notes after this copy was read and both changed the same
    part; ``current`` holds theirs, ``merge`` the fields both changed."""


def check_has_minutes(conference: Conference) -> None:
    if not has_minutes(conference):
        raise InvalidTransition("The meeting has not concluded: its minutes are not drafted yet")


def _check_reason(minutes: Minutes, reason: str) -> str:
    """Final minutes change only with a reason; a draft needs none."""
    reason = (reason or "").strip()
    if minutes.finalised_at is None:
        return ""
    if not reason:
        raise ValidationFailed(
            "The minutes are final: give the reason for this correction", "reason"
        )
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed(f"Must be {REASON_LIMIT} characters or fewer", "reason")
    return reason


def _log(
    minutes: Minutes,
    conference: Conference,
    *,
    item: AgendaItem | None,
    changes: dict[str, list[str]],
    reason: str,
    actor: User,
    now: datetime,
) -> MinutesRevision | None:
    """Audit an edit; once the minutes are final, keep it as the next revision."""
    if not changes:
        return None
    revision = None
    if minutes.finalised_at is not None:
        revision = _revision(minutes, item, changes, reason=reason, actor=actor, now=now)
    audit.record(
        actor,
        "minutes.corrected" if revision else "minutes.edited",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={
            "case_id": item.case_id if item else None,
            "fields": sorted(changes),
            "revision": revision.number if revision else None,
        },
    )
    return revision


def _revision(
    minutes: Minutes,
    item: AgendaItem | None,
    changes: dict[str, list[str]],
    *,
    reason: str,
    actor: User,
    now: datetime,
) -> MinutesRevision:
    last = db.session.scalar(
        sa.select(sa.func.max(MinutesRevision.number)).where(
            MinutesRevision.minutes_id == minutes.id
        )
    )
    revision = MinutesRevision(
        minutes_id=minutes.id,
        number=(last or 0) + 1,
        agenda_item_id=item.id if item else None,
        changes=changes,
        reason=reason,
        actor_id=actor.id,
        at=now,
    )
    db.session.add(revision)
    # Touching the minutes raises their version: of two corrections made at the same moment,
    # the second finds it stale here instead of colliding on the revision number.
    minutes.updated_at = now
    minutes.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise Conflict(
            "Someone else corrected these minutes at the same moment. Nothing of yours was "
            "saved: reload the minutes and make the correction again."
        ) from stale
    return revision


def save_notes(
    minutes: Minutes,
    conference: Conference,
    *,
    values: Mapping[str, str],
    version: int | None,
    reason: str,
    actor: User,
    now: datetime,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[dict[str, list[str]], Merge | None]:
    """Change the opening notes and any other business; a save made on a stale copy is merged
    with what is saved (see console.merged_values). Every change is kept as a revision.

    Returns the fields changed (field -> [before, after]) and the merge, if any. Raises
    NotesConflict when both changed the same part, ValidationFailed by field.
    """
    check_has_minutes(conference)
    try:
        values, merged = merged_values(
            minutes,
            NOTES_FIELDS,
            values,
            version=version,
            base=base,
            keep=keep,
            message=_notes_conflict_message(minutes, conference),
        )
    except RecordConflict as clash:
        raise NotesConflict(str(clash), minutes, clash.merge) from None
    for name, limit in MINUTES_LIMITS.items():
        if len(values.get(name) or "") > limit:
            raise ValidationFailed(f"Must be {limit} characters or fewer", name)
    reason = _check_reason(minutes, reason)
    changes: dict[str, list[str]] = {}
    for name in NOTES_FIELDS:
        before, after = getattr(minutes, name) or "", (values.get(name) or "").strip()
        if before != after:
            changes[name] = [before, after]
            setattr(minutes, name, after)
    if changes:
        minutes.updated_at = now
        minutes.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise NotesConflict(SAME_MOMENT, minutes) from stale
    keep_revision(
        conference_id=conference.id,
        item=None,
        part=RevisionOf.NOTES,
        saved_from=SavedFrom.MINUTES,
        version=minutes.version,
        changes=changes,
        merged=merged is not None,
        actor=actor,
        now=now,
    )
    _log(minutes, conference, item=None, changes=changes, reason=reason, actor=actor, now=now)
    return changes, merged


def _notes_conflict_message(minutes: Minutes, conference: Conference) -> str:
    who = db.session.get(User, minutes.updated_by_id) if minutes.updated_by_id else None
    when = rules.clock(rules.local(minutes.updated_at, conference.marac.timezone))
    return (
        f"{who.name if who else 'Someone'} saved these notes at {when} while you were typing. "
        "Nothing is saved yet. Where you both changed the same part, both texts are shown side "
        "by side: choose which to keep, then save again."
    )


def _check_case(item: AgendaItem) -> None:
    check_has_minutes(item.conference)
    if item.status is ItemStatus.DEFERRED:
        raise InvalidTransition(
            "The meeting deferred this case: record it at the conference it goes to"
        )


def save_record(
    item: AgendaItem,
    minutes: Minutes,
    *,
    values: Mapping[str, str],
    version: int | None,
    reason: str,
    actor: User,
    now: datetime,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[Discussion, dict[str, list[str]], Merge | None]:
    """Edit (or, once final, correct) what the meeting recorded on a case; a stale copy is
    merged with what is saved.

    Raises RecordConflict when both changed the same part, ValidationFailed by field.
    """
    _check_case(item)
    reason = _check_reason(minutes, reason)
    record, changes, merged = apply_record(
        item,
        values,
        version=version,
        actor=actor,
        now=now,
        saved_from=SavedFrom.MINUTES,
        base=base,
        keep=keep,
    )
    _log(minutes, item.conference, item=item, changes=changes, reason=reason, actor=actor, now=now)
    return record, changes, merged


def _checked_action(
    item: AgendaItem, minutes: Minutes, fields: Mapping[str, Any], reason: str
) -> tuple[Agency, str]:
    """The owner agency and the reason, once the case, the action and the reason pass."""
    _check_case(item)
    owner: Agency | None = fields["owner"]
    check_action(
        item.conference, description=fields["description"], owner=owner, due_on=fields["due_on"]
    )
    reason = _check_reason(minutes, reason)
    assert owner is not None
    return owner, reason


def _set_action(action: Action, owner: Agency, fields: Mapping[str, Any]) -> None:
    action.description = fields["description"].strip()
    action.owner_agency_id, action.owner_agency = owner.id, owner
    action.owner_name = (fields["owner_name"] or "").strip()
    action.due_on = fields["due_on"]
    action.priority = Priority(fields["priority"])


def _action_values(action: Action) -> dict[str, str]:
    return {
        "action.description": action.description,
        "action.owner_agency": action.owner_agency.name,
        "action.owner_name": action.owner_name,
        "action.due_on": action.due_on.isoformat(),
        "action.priority": action.priority.label,
    }


def change_action(
    action: Action,
    item: AgendaItem,
    minutes: Minutes,
    *,
    version: int | None,
    fields: Mapping[str, Any],
    reason: str,
    actor: User,
    now: datetime,
) -> dict[str, list[str]]:
    """Change an action through the minutes: task, owner, due date and priority.

    ``fields``: description, owner (Agency or None), owner_name, due_on, priority.
    Raises RecordConflict when stale, ValidationFailed by field.
    """
    if version != action.version:
        raise RecordConflict(
            "Someone changed this action while you were editing it. Your changes are kept "
            "below: check them against the saved action, then save again.",
            action,
        )
    owner, reason = _checked_action(item, minutes, fields, reason)
    before = _action_values(action)
    _set_action(action, owner, fields)
    after = _action_values(action)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        action.updated_at, action.updated_by_id = now, actor.id
        db.session.flush()
        audit.record(actor, "action.changed", action, marac_id=item.conference.marac_id, now=now)
    _log(minutes, item.conference, item=item, changes=changes, reason=reason, actor=actor, now=now)
    return changes


def add_action(
    item: AgendaItem,
    minutes: Minutes,
    *,
    fields: Mapping[str, Any],
    reason: str,
    actor: User,
    now: datetime,
) -> Action:
    """Add an action the meeting agreed but the record missed. Raises ValidationFailed."""
    owner, reason = _checked_action(item, minutes, fields, reason)
    action = Action(case_id=item.case_id, agenda_item_id=item.id, agreed_at=now)
    _set_action(action, owner, fields)
    action.agreed_by_id = action.updated_by_id = actor.id
    action.updated_at = now
    db.session.add(action)
    if item.case.status is CaseStatus.PLAN_COMPLETE:
        CASE.transition(item.case, CaseStatus.ACTIONS_OPEN, actor=actor, now=now)
    db.session.flush()
    conference = item.conference
    detail = {"case_id": item.case_id, "owner_agency_id": owner.id, "through": "minutes"}
    audit.record(
        actor, "action.agreed", action, marac_id=conference.marac_id, now=now, detail=detail
    )
    added = {
        "action.added": ["", f"{action.description} ({owner.name}, due {action.due_on:%-d %B %Y})"]
    }
    _log(minutes, conference, item=item, changes=added, reason=reason, actor=actor, now=now)
    return action


def finalise(minutes: Minutes, conference: Conference, *, actor: User, now: datetime) -> int:
    """Make the minutes final and tell the chair and the representatives of each agency with
    its own copy: those present, and those that sent apologies but own actions from it.

    Returns how many were told. Raises InvalidTransition unless the meeting has concluded.
    """
    CONFERENCE.transition(conference, ConferenceStatus.MINUTES_FINAL, actor=actor, now=now)
    minutes.finalised_at, minutes.finalised_by_id = now, actor.id
    conference.agency_access_ends_at = now + timedelta(days=conference.marac.agency_access_days)
    db.session.flush()
    recipients = set(agency_rep_ids(conference.marac_id, copy_agency_ids(conference.id)))
    if conference.chair_id is not None:
        recipients.add(conference.chair_id)
    told = notifications.notify(
        recipients,
        "minutes.final",
        key=f"minutes.final:{conference.id}",
        reference=display.reference(conference),
        link=Link("minutes.page", {"conference_id": conference.id}),
        now=now,
    )
    audit.record(
        actor,
        "minutes.finalised",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"told": len(told)},
    )
    return len(told)


def revision_summary(revision: MinutesRevision) -> str:
    """e.g. "Risks to the victim, Decisions": what a revision changed, in the minutes' words."""
    return ", ".join(CHANGE_LABELS.get(name, name) for name in revision.changes)
