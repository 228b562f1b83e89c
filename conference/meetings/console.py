"""The chair's console: moving through the agenda and recording each case.

Every function here flushes and leaves the commit to its caller. Anything recorded needs the
meeting to be in progress; after it concludes, the minutes are the only way to change it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from conference import audit
from conference.accounts.models import Agency, User
from conference.actions.choices import DUE_IN_DAYS, ActionStatus, OnwardReferral, Priority
from conference.actions.lifecycle import ACTION, MEETING
from conference.actions.models import ACTION_LIMITS, Action, ActionUpdate
from conference.conferences import display, planning
from conference.conferences.choices import ItemStatus
from conference.conferences.models import AgendaItem, Conference
from conference.dates import ACTION_DUE_YEARS, years_after
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings.choices import RECORD_FIELDS, RISK_FIELDS, RevisionOf, SavedFrom
from conference.meetings.lifecycle import ITEM, LEAVE, REOPEN, meeting_refusal

# The console page lists what is missing before a case can be marked discussed; the guard of
# the items' table (meetings/lifecycle.py) is the one place that says it.
from conference.meetings.lifecycle import missing_for_discussed as missing_for_discussed
from conference.meetings.models import (
    RECORD_LIMITS,
    Discussion,
    Meeting,
    Revision,
)
from conference.merging import Merge, merge
from conference.referrals.models import Perpetrator


class RecordConflict(Conflict):
    """Someone saved the record after this copy was read; ``current`` is what they saved.

    ``merge``, when the save was merged with theirs, names the fields both changed.
    """

    def __init__(self, message: str, current: Any, merge: Merge | None = None) -> None:
        super().__init__(message)
        self.current = current
        self.merge = merge


def merged_values(
    record: Any,
    fields: Sequence[str],
    values: Mapping[str, str],
    *,
    version: int | None,
    base: Mapping[str, str | None] | None,
    keep: Collection[str],
    message: str,
) -> tuple[dict[str, str], Merge | None]:
    """The values to write on a versioned record of text fields, and the merge they came from
    when the user's copy was stale.

    ``keep``: fields the user chose to leave as saved (the other person's text). A copy at the
    record's version is written as it is; a stale one is merged with what is saved (see
    conference.merging), and refused with RecordConflict when both changed the same field
    differently. Nothing is written here.
    """
    saved = {name: (getattr(record, name) or "") if record else "" for name in fields}
    values = {name: saved[name] if name in keep else values.get(name) or "" for name in fields}
    current = record.version if record is not None else None
    if version == current:
        return values, None
    merged = merge(fields, base=base, mine=values, theirs=saved)
    if not merged.clean:
        raise RecordConflict(message, record, merged)
    return merged.values, merged


def keep_revision(
    *,
    conference_id: int,
    item: AgendaItem | None,
    part: RevisionOf,
    saved_from: SavedFrom,
    version: int,
    changes: Mapping[str, list[str]],
    merged: bool,
    actor: User,
    now: datetime,
) -> Revision | None:
    """Keep one save as a revision (each field's before and after); None when nothing changed.

    A save from the console by the same person, straight after their own last one (nobody
    saved in between) and within COALESCE_WITHIN of it, is folded into that revision: the
    record saves itself as the chair types, and one revision per pause would bury what anyone
    replaced. The earliest "before" and the latest "after" of each field are kept. A merged
    save, and the save after one, always stand on their own.
    """
    if not changes:
        return None
    if saved_from is SavedFrom.CONSOLE and not merged:
        last = _coalescible(conference_id, item, part, version=version, actor=actor, now=now)
        if last is not None:
            folded = {field: list(pair) for field, pair in last.changes.items()}
            for field, (before, after) in changes.items():
                folded[field] = [folded[field][0] if field in folded else before, after]
            last.changes = {f: pair for f, pair in folded.items() if pair[0] != pair[1]}
            last.version, last.at = version, now
            if not last.changes:  # typed back to what it was: nothing left to show
                db.session.delete(last)
            db.session.flush()
            return last if last.changes else None
    revision = Revision(
        conference_id=conference_id,
        agenda_item_id=item.id if item else None,
        part=part,
        saved_from=saved_from,
        version=version,
        changes=dict(changes),
        merged=merged,
        actor_id=actor.id,
        at=now,
    )
    db.session.add(revision)
    db.session.flush()
    return revision


#: Console saves by one person closer together than this make one revision.
COALESCE_WITHIN = timedelta(minutes=2)


def _coalescible(
    conference_id: int,
    item: AgendaItem | None,
    part: RevisionOf,
    *,
    version: int,
    actor: User,
    now: datetime,
) -> Revision | None:
    """The revision a console save folds into: the record's last one, when it is this
    person's own unmerged console save of the version just before, made within the window."""
    last = db.session.scalars(
        sa.select(Revision)
        .where(
            Revision.conference_id == conference_id,
            Revision.agenda_item_id == (item.id if item else None),
            Revision.part == part,
        )
        .order_by(Revision.id.desc())
        .limit(1)
    ).first()
    if (
        last is None
        or last.actor_id != actor.id
        or last.merged
        or last.saved_from is not SavedFrom.CONSOLE
        or last.version != version - 1
        or now - last.at > COALESCE_WITHIN
    ):
        return None
    return last


def check_in_progress(conference: Conference) -> None:
    """Raise InvalidTransition unless the meeting is running (the items' table asks the same)."""
    if refusal := meeting_refusal(conference):
        raise InvalidTransition(refusal)


def open_item(meeting: Meeting, item: AgendaItem, *, actor: User, now: datetime) -> None:
    """Put an item on the console (and everyone's follow view); a listed one is now discussed.

    The case it replaces, if still in discussion (neither marked discussed nor deferred), goes
    back to the list: only the case on screen is in discussion.
    """
    check_in_progress(meeting.conference)
    if item.conference_id != meeting.conference_id:
        raise InvalidTransition("That case is not on this agenda")
    left = db.session.get(AgendaItem, meeting.current_item_id) if meeting.current_item_id else None
    if left is not None and left.id != item.id and left.status is ItemStatus.IN_DISCUSSION:
        ITEM.transition(left, ItemStatus.LISTED, actor=actor, now=now, via=LEAVE)
    if item.status is ItemStatus.LISTED:
        ITEM.transition(item, ItemStatus.IN_DISCUSSION, actor=actor, now=now)
        item.opened_at = now
    meeting.current_item_id = item.id
    db.session.flush()
    audit.record(
        actor,
        "meeting.case_opened",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id},
    )


def usual_due_in(frequency: str | None, interval_weeks: int | None) -> int:
    """The quick due date (in days, one of DUE_IN_DAYS) an action gets unless the chair picks
    another: the MARAC's usual interval between meetings, so an action is due by the next one
    (monthly, or with no rule, 28 days; every N weeks, the nearest pick to N weeks)."""
    if frequency != "every_n_weeks" or not interval_weeks:
        return max(DUE_IN_DAYS)
    return min(DUE_IN_DAYS, key=lambda days: (abs(days - 7 * interval_weeks), -days))


def present_first(
    agencies: Sequence[tuple[int, str]], present: Collection[int]
) -> list[tuple[int, str]]:
    """The agencies to own an action, those present at the meeting first (each part in the
    order given)."""
    return [a for a in agencies if a[0] in present] + [a for a in agencies if a[0] not in present]


def neighbour(items: Sequence[AgendaItem], current_id: int | None, step: int) -> AgendaItem | None:
    """The item before (step -1) or after (+1) the current one in meeting order.

    With nothing open yet, "next" is the first item still to be discussed.
    """
    if current_id is None:
        waiting = [i for i in items if i.status in (ItemStatus.LISTED, ItemStatus.IN_DISCUSSION)]
        return next(iter(waiting or items), None) if step > 0 else None
    ids = [i.id for i in items]
    if current_id not in ids:
        return None
    at = ids.index(current_id) + step
    return items[at] if 0 <= at < len(items) else None


def record_of(item: AgendaItem) -> Discussion | None:
    return db.session.scalar(sa.select(Discussion).where(Discussion.agenda_item_id == item.id))


def apply_record(
    item: AgendaItem,
    values: Mapping[str, str],
    *,
    version: int | None,
    actor: User,
    now: datetime,
    saved_from: SavedFrom,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[Discussion, dict[str, list[str]], Merge | None]:
    """Write the case's record; a save made on a stale copy is merged with what is saved.

    ``version`` is the version the user's copy was read at (None for a record not yet
    started), ``base`` the values it held (None for a field it did not carry), ``keep`` the
    fields the user chose to leave as saved. Returns the record, the fields changed as
    field -> [before, after], and the merge when the copy was stale. Every change is kept as a
    revision. No status check: callers (the console, the minutes) check what they allow.
    Raises RecordConflict (both changed a field) and ValidationFailed.
    """
    record = record_of(item)
    if record is None and version is not None:
        raise ValidationFailed("This record was removed; reload the page")
    message = _conflict_message(record) if record is not None else SAME_MOMENT
    values, merged = merged_values(
        record, RECORD_FIELDS, values, version=version, base=base, keep=keep, message=message
    )
    for name in RECORD_FIELDS:
        limit = RECORD_LIMITS[name]
        if len(values.get(name, "") or "") > limit:
            raise ValidationFailed(f"Must be {limit} characters or fewer", name)
    if record is None:
        record = Discussion(agenda_item_id=item.id)
        db.session.add(record)
    changes = write_texts(record, RECORD_FIELDS, values, actor=actor, now=now)
    keep_revision(
        conference_id=item.conference_id,
        item=item,
        part=RevisionOf.RECORD,
        saved_from=saved_from,
        version=record.version,
        changes=changes,
        merged=merged is not None,
        actor=actor,
        now=now,
    )
    return record, changes, merged


def write_texts(
    record: Any, fields: Iterable[str], values: Mapping[str, Any], *, actor: User, now: datetime
) -> dict[str, list[str]]:
    """Set each text field of a versioned record from values (trimmed), say who and when, and
    flush. Returns field -> [before, after] for what changed. Raises RecordConflict when
    someone else's save got in between our read and our write (or both began the record)."""
    changes: dict[str, list[str]] = {}
    for name in fields:
        before = getattr(record, name) or ""
        after = (values.get(name, "") or "").strip()
        if before != after:
            changes[name] = [before, after]
            setattr(record, name, after)
    if changes or record.id is None:
        record.updated_by_id = actor.id
        record.updated_at = now
    try:
        db.session.flush()
    except (StaleDataError, sa.exc.IntegrityError) as stale:
        raise RecordConflict(SAME_MOMENT, record) from stale
    if changes and "updated_by" in sa.inspect(type(record)).relationships:
        db.session.expire(record, ["updated_by"])  # read again: the page says who saved last
    return changes


SAME_MOMENT = (
    "Someone else saved this at the same moment. Nothing of yours is saved yet: your text is "
    "kept below, beside theirs. Check it, then save again."
)


def _conflict_message(record: Discussion) -> str:
    who = record.updated_by.name if record.updated_by else "Someone"
    return (
        f"{who} saved this case's record at {planning.rules.clock(record.updated_at)} while you "
        "were typing. Nothing is saved yet. Where you both changed the same part, both texts "
        "are shown side by side: choose which to keep, then save again."
    )


def save_record(
    item: AgendaItem,
    values: Mapping[str, str],
    *,
    version: int | None,
    actor: User,
    now: datetime,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[Discussion, Merge | None]:
    """Save the record from the console while the meeting is in progress; the merge it took
    when the copy was stale."""
    check_in_progress(item.conference)
    record, changes, merged = apply_record(
        item,
        values,
        version=version,
        actor=actor,
        now=now,
        saved_from=SavedFrom.CONSOLE,
        base=base,
        keep=keep,
    )
    audit.record(
        actor,
        "meeting.record_saved",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id, "fields": sorted(changes), "merged": bool(merged)},
    )
    return record, merged


def check_action(
    conference: Conference, *, description: str, owner: Agency | None, due_on: date | None
) -> None:
    """The gentle check on every action: a task, an owner on the MARAC, and a due date no
    earlier than the meeting. Raises ValidationFailed by field."""
    limit = ACTION_LIMITS["description"]
    if not description.strip():
        raise ValidationFailed("Say what will be done: the action needs a task", "description")
    if len(description.strip()) > limit:
        raise ValidationFailed(f"Must be {limit} characters or fewer", "description")
    if owner is None:
        raise ValidationFailed("Choose the agency that owns this action", "owner_agency_id")
    if conference.marac_id not in {m.id for m in owner.maracs}:
        raise ValidationFailed("Choose an agency from the list", "owner_agency_id")
    if due_on is None:
        raise ValidationFailed("Enter the date the action is due", "due_on")
    meeting_day = display.local_day(conference)
    if due_on < meeting_day:
        raise ValidationFailed("The due date cannot be before the meeting", "due_on")
    if due_on > years_after(meeting_day, ACTION_DUE_YEARS):
        raise ValidationFailed(
            f"The due date must be within {ACTION_DUE_YEARS} years of the meeting", "due_on"
        )


def add_action(
    item: AgendaItem,
    *,
    description: str,
    owner: Agency | None,
    owner_name: str,
    due_on: date | None,
    priority: Priority,
    actor: User,
    now: datetime,
    perpetrator: Perpetrator | None = None,
    onward_to: OnwardReferral | None = None,
    risks: Collection[str] = (),
) -> Action:
    """Agree an action on the case under discussion, about one of its perpetrators if given
    (an onward referral, such as to MATAC, is always about one), naming the risks of the
    record it addresses. Raises ValidationFailed by field."""
    conference = item.conference
    check_in_progress(conference)
    check_action(conference, description=description, owner=owner, due_on=due_on)
    assert owner is not None and due_on is not None
    if perpetrator is not None and perpetrator.referral_id != item.referral_id:
        raise ValidationFailed("Choose a perpetrator of this case", "perpetrator_id")
    if onward_to is not None and perpetrator is None:
        raise ValidationFailed("Choose the perpetrator the referral is about", "perpetrator_id")
    if unknown := set(risks) - set(RISK_FIELDS):
        raise ValidationFailed(f"Choose risks from the list ({len(unknown)} not known)", "risks")
    action = Action(
        case_id=item.case_id,
        agenda_item_id=item.id,
        description=description.strip(),
        owner_agency_id=owner.id,
        owner_name=owner_name.strip(),
        due_on=due_on,
        priority=priority,
        agreed_at=now,
        agreed_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
        perpetrator_id=perpetrator.id if perpetrator else None,
        onward_to=onward_to,
        risks=[name for name in RISK_FIELDS if name in risks],
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        actor,
        "action.agreed",
        action,
        marac_id=conference.marac_id,
        now=now,
        detail={
            "case_id": item.case_id,
            "owner_agency_id": owner.id,
            **({"perpetrator_id": perpetrator.id} if perpetrator else {}),
            **({"onward_to": onward_to.value} if onward_to else {}),
        },
    )
    return action


#: The parts of an action a stale change merges: its texts, and its owner, due date (ISO) and
#: priority by their values.
ACTION_FIELDS = ("description", "owner_name", "owner_agency_id", "due_on", "priority")


def action_values(action: Action) -> dict[str, str]:
    """Each merged part of a saved action as text."""
    return {
        "description": action.description or "",
        "owner_name": action.owner_name or "",
        "owner_agency_id": str(action.owner_agency_id or ""),
        "due_on": action.due_on.isoformat() if action.due_on else "",
        "priority": action.priority.value,
    }


def change_action(
    action: Action,
    item: AgendaItem,
    *,
    version: int | None,
    description: str,
    owner: Agency | None,
    owner_name: str,
    due_on: date | None,
    priority: Priority,
    actor: User,
    now: datetime,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[Action, Merge | None]:
    """Change an action agreed earlier in this meeting.

    A change made on a stale copy is merged part by part with the action saved now (see
    conference.merging): ``base`` holds each of ACTION_FIELDS as the copy started from it
    (None when the copy carried none: refused whole), ``keep`` the texts the user chose to leave
    as saved. Returns the action and the merge, if any. Raises RecordConflict when stale and
    not merged (both changed a part, or no base)."""
    conference = item.conference
    check_in_progress(conference)
    saved = action_values(action)
    description = saved["description"] if "description" in keep else description
    owner_name = saved["owner_name"] if "owner_name" in keep else owner_name
    merged = None
    if version != action.version:
        if base is None:
            raise RecordConflict(ACTION_STALE, action)
        mine = {
            "description": description,
            "owner_name": owner_name,
            "owner_agency_id": str(owner.id) if owner else "",
            "due_on": due_on.isoformat() if due_on else "",
            "priority": priority.value,
        }
        merged = merge(ACTION_FIELDS, base=base, mine=mine, theirs=saved)
        if not merged.clean:
            raise RecordConflict(ACTION_STALE, action, merged)
        values = merged.values
        description, owner_name = values["description"], values["owner_name"]
        if "owner_agency_id" in merged.theirs:
            owner = action.owner_agency
        if "due_on" in merged.theirs:
            due_on = action.due_on
        priority = Priority(values["priority"]) if values["priority"] else priority
    check_action(conference, description=description, owner=owner, due_on=due_on)
    assert owner is not None and due_on is not None
    action.description = description.strip()
    action.owner_agency_id = owner.id
    action.owner_agency = owner
    action.owner_name = owner_name.strip()
    action.due_on = due_on
    action.priority = priority
    action.updated_at = now
    action.updated_by_id = actor.id
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise RecordConflict(SAME_MOMENT, action) from stale
    audit.record(
        actor,
        "action.changed",
        action,
        marac_id=conference.marac_id,
        now=now,
        detail={"merged": merged is not None} if merged is not None else None,
    )
    return action, merged


ACTION_STALE = (
    "Someone changed this action while you were editing it. Your changes are kept below: "
    "where only they changed a part, the form now holds theirs; where you both changed the "
    "same part, check yours against the saved action (texts are set side by side to choose), "
    "then save again."
)


def withdraw_action(
    action: Action, item: AgendaItem, *, version: int | None, actor: User, now: datetime
) -> None:
    """Take back an action entered by mistake, while the meeting that agreed it runs.

    version is the one the chair saw: an action changed since is not withdrawn unseen
    (RecordConflict). Once the meeting concludes an action can only be closed, never removed.
    """
    check_in_progress(item.conference)
    if version != action.version:
        raise RecordConflict(WITHDRAW_STALE, action)
    db.session.delete(action)
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise RecordConflict(WITHDRAW_STALE, action) from stale
    audit.record(
        actor,
        "action.withdrawn",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id, "action_id": action.id},
    )


WITHDRAW_STALE = (
    "Someone changed this action after you opened it, so it was not withdrawn. Check it as it "
    "is saved now, then withdraw it again if it is still a mistake."
)


def mark_discussed(item: AgendaItem, *, actor: User, now: datetime) -> None:
    """Close the case's discussion. Raises InvalidTransition naming what is still missing."""
    check_in_progress(item.conference)
    ITEM.transition(item, ItemStatus.DISCUSSED, actor=actor, now=now)
    item.closed_at = now
    db.session.flush()
    audit.record(
        actor,
        "meeting.case_discussed",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id},
    )


def defer(item: AgendaItem, *, reason: str, actor: User, now: datetime) -> None:
    """Defer the case to the next conference (it is carried there when the meeting ends)."""
    check_in_progress(item.conference)
    ITEM.check(item, ItemStatus.DEFERRED, actor=actor, now=now)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Give the reason for deferring this case", "reason")
    if len(reason) > 1000:
        raise ValidationFailed("Must be 1000 characters or fewer", "reason")
    ITEM.transition(item, ItemStatus.DEFERRED, actor=actor, now=now)
    item.defer_reason = reason
    item.opened_at = item.opened_at or now
    item.closed_at = now
    db.session.flush()
    audit.record(
        actor,
        "meeting.case_deferred",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id},
    )


def reopen(item: AgendaItem, *, actor: User, now: datetime) -> None:
    """Take a discussed or deferred case back into discussion."""
    check_in_progress(item.conference)
    ITEM.transition(item, ItemStatus.IN_DISCUSSION, actor=actor, now=now, via=REOPEN)
    item.defer_reason = ""
    item.closed_at = None
    db.session.flush()
    audit.record(
        actor,
        "meeting.case_reopened",
        item.conference,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"case_id": item.case_id},
    )


def carry_forward(
    earlier: Action,
    item: AgendaItem,
    *,
    version: int | None,
    due_on: date,
    actor: User,
    now: datetime,
) -> Action:
    """Carry an unfinished action of an earlier plan into this meeting's plan for the case: a
    new action with the same task, owner and priority, due on ``due_on``, linked to the old
    one, which ends "carried forward" (its history says where). ``version`` is the one the
    chair saw: an action changed since is not carried unseen (RecordConflict)."""
    conference = item.conference
    check_in_progress(conference)
    if earlier.case_id != item.case_id or earlier.agenda_item_id == item.id:
        raise ValidationFailed("Only an action of this case's earlier plans can be carried")
    if version != earlier.version:
        raise RecordConflict(CARRY_STALE, earlier)
    ACTION.transition(earlier, ActionStatus.CARRIED_FORWARD, actor=actor, now=now, by=MEETING)
    earlier.updated_at, earlier.updated_by_id = now, actor.id
    same_referral = earlier.perpetrator is not None and (
        earlier.perpetrator.referral_id == item.referral_id
    )
    action = Action(
        case_id=item.case_id,
        agenda_item_id=item.id,
        description=earlier.description,
        owner_agency_id=earlier.owner_agency_id,
        owner_name=earlier.owner_name,
        due_on=due_on,
        priority=earlier.priority,
        agreed_at=now,
        agreed_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
        perpetrator_id=earlier.perpetrator_id if same_referral else None,
        onward_to=earlier.onward_to if same_referral else None,
        carried_from_id=earlier.id,
    )
    db.session.add(action)
    db.session.add(
        ActionUpdate(
            action_id=earlier.id,
            status=ActionStatus.CARRIED_FORWARD,
            note=f"Carried forward into the plan of {display.conference_label(conference)}.",
            agenda_item_id=item.id,
            actor_id=actor.id,
            at=now,
        )
    )
    try:
        db.session.flush()
    except (StaleDataError, sa.exc.IntegrityError) as stale:
        raise RecordConflict(CARRY_STALE, earlier) from stale
    audit.record(
        actor,
        "action.carried_forward",
        action,
        marac_id=conference.marac_id,
        now=now,
        detail={"case_id": item.case_id, "from_action_id": earlier.id},
    )
    return action


CARRY_STALE = (
    "Someone changed this action after you opened the case, so it was not carried forward. "
    "Check how it stands now, then carry it again if it is still unfinished."
)


def risks_without_action(record: Discussion | None, actions: Iterable[Action]) -> list[str]:
    """The risks the record names (its filled risk fields, in order) that no action says it
    addresses."""
    if record is None:
        return []
    addressed = {name for action in actions for name in action.risks or ()}
    return [
        name
        for name in RISK_FIELDS
        if (getattr(record, name) or "").strip() and name not in addressed
    ]
