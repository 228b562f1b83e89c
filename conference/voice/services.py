"""Recording the victim's voice before the meeting, and when she was told its outcome.

Her advocate writes it while the agenda can still change; from the moment the meeting starts
it is what the chair sees, so it is read-only. Once the meeting has dealt with her case the
advocate records when and how she was told. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from conference import audit
from conference.accounts.models import User
from conference.conferences import display
from conference.conferences.choices import UPCOMING
from conference.conferences.models import AgendaItem, Conference
from conference.db import flush_or_conflict
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.merging import Merge, merge
from conference.referrals.queries import victim_pronouns
from conference.referrals.services import today_in
from conference.voice.choices import ContactMethod, OutcomeResult
from conference.voice.models import VictimVoice
from conference.voice.queries import is_over

#: Kept when the outcome is recorded on a case whose voice was never recorded before the
#: meeting: the table needs a reason wherever contact was not recorded as made.
NOTHING_BEFORE = "Nothing was recorded before the meeting."

CHANGED_MEANWHILE = (
    "The record on this case was saved somewhere else (another window, or another person) "
    "after you opened this page"
)


@dataclass(frozen=True)
class VoiceEntry:
    """What the advocate says about her before the meeting, as typed (text stripped)."""

    contact_made: bool
    contacted_on: date | None = None
    contact_method: ContactMethod | None = None
    no_contact_reason: str = ""
    views: str = ""
    wishes: str = ""
    fears: str = ""
    consent_to_share: str = ""
    safe_contact: str = ""


def is_open(conference: Conference) -> bool:
    """Her voice can be written and changed until the meeting starts."""
    return conference.status in UPCOMING


def outcome_open(item: AgendaItem) -> bool:
    """The outcome can be recorded once the meeting has dealt with the case."""
    return is_over(item)


def voice_problems(entry: VoiceEntry, today: date) -> dict[str, str]:
    """Field name -> what is wrong, for the rules that join fields together."""
    problems: dict[str, str] = {}
    if not entry.contact_made:
        if not entry.no_contact_reason.strip():
            problems["no_contact_reason"] = "Enter why contact was not made"
        return problems
    if entry.contacted_on is None:
        problems["contacted_on"] = "Enter the date you made contact"
    elif entry.contacted_on > today:
        problems["contacted_on"] = "The date of contact must be today or in the past"
    if entry.contact_method is None:
        problems["contact_method"] = "Select how you made contact"
    if not any(text.strip() for text in (entry.views, entry.wishes, entry.fears)):
        problems["views"] = (
            "Enter at least one of {their} views, wishes or fears, as {they} told you"
        )
    return problems


@dataclass(frozen=True)
class OutcomeEntry:
    """What came of telling her the meeting's outcome, as the advocate's form gives it."""

    result: OutcomeResult | None
    told_on: date | None = None
    told_how: ContactMethod | None = None
    not_told_reason: str = ""
    attempts: int | None = None
    feels_safer: str = ""
    notes: str = ""


#: Most tries an advocate records before she says what else was done, in the notes.
MAX_ATTEMPTS = 99


def outcome_problems(entry: OutcomeEntry, *, meeting_day: date, today: date) -> dict[str, str]:
    """Field name -> what is wrong with what came of telling her the outcome."""
    problems: dict[str, str] = {}
    if entry.result is None:
        problems["result"] = (
            "Choose whether you told {them}, it was not safe, or you could not reach {them}"
        )
    elif entry.result is OutcomeResult.TOLD:
        if entry.told_on is None:
            problems["told_on"] = "Enter the date you told {them} the outcome"
        elif entry.told_on < meeting_day:
            problems["told_on"] = (
                f"The date you told {{them}} must be on or after the meeting, "
                f"{meeting_day.day} {meeting_day:%B %Y}"
            )
        elif entry.told_on > today:
            problems["told_on"] = "The date you told {them} must be today or in the past"
        if entry.told_how is None:
            problems["told_how"] = "Select how you told {them}"
    elif entry.result is OutcomeResult.NOT_SAFE:
        if not entry.not_told_reason.strip():
            problems["not_told_reason"] = "Say why it is not safe to contact {them}"
    elif entry.attempts is None or not 1 <= entry.attempts <= MAX_ATTEMPTS:
        problems["attempts"] = (
            f"Enter how many times you tried to reach {{them}}, from 1 to {MAX_ATTEMPTS}"
        )
    return problems


def outcome_bounds(item: AgendaItem, now: datetime) -> dict[str, date]:
    """The first and last days she can have been told: the meeting's day and today."""
    marac = item.conference.marac
    return {"meeting_day": display.local_day(item.conference), "today": today_in(marac, now)}


def _refuse(problems: dict[str, str]) -> None:
    for field, message in problems.items():
        raise ValidationFailed(message, field)


#: Her voice's texts that a stale save merges (conference.merging); the rest (contact made,
#: its date and how) are refused whole when the copy and the saved record differ on them.
VOICE_TEXTS: tuple[str, ...] = (
    "views",
    "wishes",
    "fears",
    "consent_to_share",
    "no_contact_reason",
    "safe_contact",
)


class VoiceConflict(Conflict):
    """Her voice changed since the page was shown; ``merge``, when the save was merged with
    theirs, names the texts both changed."""

    def __init__(self, merge: Merge | None = None) -> None:
        super().__init__(CHANGED_MEANWHILE)
        self.merge = merge


def voice_texts(voice: VictimVoice | None) -> dict[str, str]:
    """Each merged text of her saved voice."""
    return {name: (getattr(voice, name) or "") if voice else "" for name in VOICE_TEXTS}


def _merged_voice(
    existing: VictimVoice | None,
    entry: VoiceEntry,
    *,
    fields: Sequence[str],
    base: Mapping[str, str | None] | None,
    keep: Collection[str],
) -> tuple[VoiceEntry, Merge]:
    """Merge a save made on a stale copy with her voice saved now, text by text, over the
    fields the user could read (``fields``; any other keeps the saved text). Raises
    VoiceConflict when the copy carried no base, differs from the saved record on whether,
    when or how contact was made, or both changed a text differently."""
    if base is None or existing is None:
        raise VoiceConflict()
    made = entry.contact_made
    if (made, entry.contacted_on if made else None, entry.contact_method if made else None) != (
        existing.contact_made,
        existing.contacted_on,
        existing.contact_method,
    ):
        raise VoiceConflict()
    theirs = voice_texts(existing)
    mine = {name: theirs[name] if name in keep else getattr(entry, name) for name in fields}
    merged = merge(fields, base=base, mine=mine, theirs=theirs)
    if not merged.clean:
        raise VoiceConflict(merged)
    texts: dict[str, Any] = theirs | merged.values
    return replace(entry, **texts), merged


#: The outcome's texts that a stale save merges, each with the column it is saved in.
OUTCOME_TEXTS = {
    "feels_safer": "feels_safer",
    "not_told_reason": "outcome_not_told_reason",
    "notes": "outcome_notes",
}


def outcome_texts(voice: VictimVoice | None) -> dict[str, str]:
    """Each merged text of what came of telling her, by the form's names."""
    return {
        name: (getattr(voice, column) or "") if voice else ""
        for name, column in OUTCOME_TEXTS.items()
    }


def _merged_outcome(
    existing: VictimVoice | None,
    entry: OutcomeEntry,
    *,
    base: Mapping[str, str | None] | None,
    keep: Collection[str],
) -> tuple[OutcomeEntry, Merge]:
    """Merge an outcome saved on a stale copy with the one saved now, text by text. Raises
    VoiceConflict when the copy carried no base, differs from the saved record on what
    happened (its result, date, way or tries), or both changed a text differently."""
    if base is None or existing is None:
        raise VoiceConflict()
    told = entry.result is OutcomeResult.TOLD
    mine_facts = (
        entry.result,
        entry.told_on if told else None,
        entry.told_how if told else None,
        entry.attempts if entry.result is OutcomeResult.NOT_REACHED else None,
    )
    theirs_facts = (
        existing.outcome_result,
        existing.outcome_told_on,
        existing.outcome_told_how,
        existing.outcome_attempts,
    )
    if mine_facts != theirs_facts:
        raise VoiceConflict()
    theirs = outcome_texts(existing)
    mine = {name: theirs[name] if name in keep else getattr(entry, name) for name in theirs}
    merged = merge(tuple(OUTCOME_TEXTS), base=base, mine=mine, theirs=theirs)
    if not merged.clean:
        raise VoiceConflict(merged)
    texts: dict[str, Any] = merged.values
    return replace(entry, **texts), merged


def _check_version(existing: VictimVoice | None, version: int | None) -> None:
    """Refuse a save made from a page older than the record. Raises Conflict."""
    if (existing.version if existing else None) != version:
        raise Conflict(CHANGED_MEANWHILE)


def save_voice(
    item: AgendaItem,
    entry: VoiceEntry,
    *,
    actor: User,
    now: datetime,
    version: int | None,
    existing: VictimVoice | None,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
    fields: Sequence[str] = VOICE_TEXTS,
) -> tuple[VictimVoice, Merge | None]:
    """Record or change her voice on an item. ``version`` is the record's version the page
    showed (None if there was none). Flushes; the caller commits.

    A save made on a stale copy is merged text by text with her voice saved now (see
    _merged_voice): ``base`` holds each text as the copy started from it, ``keep`` the texts
    the user chose to leave as saved, ``fields`` the texts the user may read (only those are
    merged). Returns her voice and the merge, if any.

    Raises InvalidTransition once the meeting has started, Conflict (VoiceConflict) if the
    record changed since and cannot be merged, ValidationFailed naming the field.
    """
    if not is_open(item.conference):
        raise InvalidTransition(
            victim_pronouns(item.case_id).fit(
                "The meeting has started, so {their} voice can no longer be changed"
            )
        )
    if existing is not None and keep:
        saved = voice_texts(existing)
        chosen: dict[str, Any] = {name: saved[name] for name in keep if name in fields}
        entry = replace(entry, **chosen)
    merged = None
    if (existing.version if existing else None) != version:
        entry, merged = _merged_voice(existing, entry, fields=fields, base=base, keep=keep)
    _refuse(voice_problems(entry, today_in(item.conference.marac, now)))
    voice = existing or VictimVoice(agenda_item_id=item.id)
    if existing is None:
        db.session.add(voice)
    made = entry.contact_made
    voice.contact_made = made
    voice.contacted_on = entry.contacted_on if made else None
    voice.contact_method = entry.contact_method if made else None
    voice.no_contact_reason = "" if made else entry.no_contact_reason.strip()
    for name in ("views", "wishes", "fears", "consent_to_share", "safe_contact"):
        setattr(voice, name, getattr(entry, name).strip())
    voice.updated_by_id, voice.updated_at = actor.id, now
    flush_or_conflict(CHANGED_MEANWHILE)  # saved by someone else at the same moment
    audit.record(
        actor,
        "voice.saved",
        voice,
        marac_id=item.conference.marac_id,
        now=now,
        detail={
            "agenda_item_id": item.id,
            "case_id": item.case_id,
            "contact_made": made,
            "merged": merged is not None,
        },
    )
    return voice, merged


def save_outcome(
    item: AgendaItem,
    entry: OutcomeEntry,
    *,
    actor: User,
    now: datetime,
    version: int | None,
    existing: VictimVoice | None,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[VictimVoice, Merge | None]:
    """Record what came of telling her what the meeting agreed: told (when, how), not safe to
    contact her (why), or not reached (how many tries). Any of them ends the reminders.
    Flushes; the caller commits. A save made on a stale copy merges its texts (see
    _merged_outcome; ``base`` and ``keep`` as for save_voice). Returns her voice and the
    merge, if any.

    Raises InvalidTransition before the meeting has dealt with the case, Conflict if the
    record changed since the page was shown and cannot be merged, ValidationFailed naming the
    field.
    """
    if not outcome_open(item):
        raise InvalidTransition("The meeting has not dealt with this case yet")
    if existing is not None and keep:
        saved = outcome_texts(existing)
        chosen: dict[str, Any] = {name: saved[name] for name in keep if name in saved}
        entry = replace(entry, **chosen)
    merged = None
    if (existing.version if existing else None) != version:
        entry, merged = _merged_outcome(existing, entry, base=base, keep=keep)
    _refuse(outcome_problems(entry, **outcome_bounds(item, now)))
    voice = existing
    if voice is None:
        voice = VictimVoice(
            agenda_item_id=item.id, contact_made=False, no_contact_reason=NOTHING_BEFORE
        )
        db.session.add(voice)
    told = entry.result is OutcomeResult.TOLD
    voice.outcome_result = entry.result
    voice.outcome_told_on = entry.told_on if told else None
    voice.outcome_told_how = entry.told_how if told else None
    voice.outcome_not_told_reason = (
        entry.not_told_reason.strip() if entry.result is OutcomeResult.NOT_SAFE else ""
    )
    voice.outcome_attempts = entry.attempts if entry.result is OutcomeResult.NOT_REACHED else None
    voice.feels_safer = entry.feels_safer.strip() if told else ""
    voice.outcome_notes = entry.notes.strip()
    voice.updated_by_id, voice.updated_at = actor.id, now
    flush_or_conflict(CHANGED_MEANWHILE)  # saved by someone else at the same moment
    assert entry.result is not None
    audit.record(
        actor,
        "voice.outcome_saved",
        voice,
        marac_id=item.conference.marac_id,
        now=now,
        detail={
            "agenda_item_id": item.id,
            "case_id": item.case_id,
            "result": entry.result.value,
            "merged": merged is not None,
        },
    )
    return voice, merged
