"""Working an escalation register entry: a coordinator moves it on, with a note."""

from __future__ import annotations

from datetime import datetime

from conference import audit
from conference.accounts.models import User
from conference.errors import Conflict, ValidationFailed
from conference.escalation.choices import EntryStatus
from conference.escalation.lifecycle import ENTRY
from conference.escalation.models import NOTE_LIMIT, EntryChange, EscalationEntry
from conference.extensions import db


class EntryConflict(Conflict):
    """Someone changed the entry after this copy was read; ``current`` is what they saved."""

    def __init__(self, current: EscalationEntry) -> None:
        super().__init__(
            "Someone else changed this entry while you were working on it. Both versions are "
            "shown: check theirs, then save yours again if it still applies."
        )
        self.current = current


def change_status(
    entry: EscalationEntry,
    target: EntryStatus,
    *,
    note: str,
    version: int | None,
    actor: User,
    now: datetime,
) -> EntryChange:
    """Move entry to target with a note, refusing a change made on a stale copy.

    Keeps the change with who and when, and an audit event (no note text in it). Flushes;
    the caller commits. Raises EntryConflict, ValidationFailed, InvalidTransition,
    PermissionDenied.
    """
    if version != entry.version:
        raise EntryConflict(entry)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise ValidationFailed(f"The note must be {NOTE_LIMIT} characters or fewer", "note")
    previous = ENTRY.transition(entry, target, actor=actor, now=now, note=note)
    entry.note, entry.updated_at, entry.updated_by_id = note, now, actor.id
    change = EntryChange(
        entry_id=entry.id, from_status=previous, to_status=target, note=note, by_id=actor.id, at=now
    )
    db.session.add(change)
    audit.record(
        actor,
        "escalation.status_changed",
        entry,
        detail={"from": previous.value, "to": target.value},
        now=now,
    )
    db.session.flush()
    return change
