"""Recording the victim's voice before the meeting, and when she was told its outcome.

Her advocate writes it while the agenda can still change; from the moment the meeting starts
it is what the chair sees, so it is read-only. Once the meeting has dealt with her case the
advocate records when and how she was told. Functions flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from conference import audit
from conference.accounts.models import User
from conference.conferences import display
from conference.conferences.choices import UPCOMING
from conference.conferences.models import AgendaItem, Conference
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.referrals.services import today_in
from conference.voice.choices import ContactMethod
from conference.voice.models import VictimVoice
from conference.voice.queries import is_over

#: Kept when the outcome is recorded on a case whose voice was never recorded before the
#: meeting: the table needs a reason wherever contact was not recorded as made.
NOTHING_BEFORE = "Nothing was recorded before the meeting."

CHANGED_MEANWHILE = (
    "Her record on this case was saved somewhere else (another window, or another person) "
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
        problems["views"] = "Enter at least one of her views, wishes or fears, as she told you"
    return problems


def outcome_problems(
    told_on: date | None, told_how: ContactMethod | None, *, meeting_day: date, today: date
) -> dict[str, str]:
    """Field name -> what is wrong with when and how she was told the outcome."""
    problems: dict[str, str] = {}
    if told_on is None:
        problems["told_on"] = "Enter the date you told her the outcome"
    elif told_on < meeting_day:
        problems["told_on"] = (
            f"The date you told her must be on or after the meeting, "
            f"{meeting_day.day} {meeting_day:%B %Y}"
        )
    elif told_on > today:
        problems["told_on"] = "The date you told her must be today or in the past"
    if told_how is None:
        problems["told_how"] = "Select how you told her"
    return problems


def outcome_bounds(item: AgendaItem, now: datetime) -> dict[str, date]:
    """The first and last days she can have been told: the meeting's day and today."""
    marac = item.conference.marac
    return {"meeting_day": display.local_day(item.conference), "today": today_in(marac, now)}


def _refuse(problems: dict[str, str]) -> None:
    for field, message in problems.items():
        raise ValidationFailed(message, field)


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
) -> VictimVoice:
    """Record or change her voice on an item. ``version`` is the record's version the page
    showed (None if there was none). Flushes; the caller commits.

    Raises InvalidTransition once the meeting has started, Conflict if the record changed
    since, ValidationFailed naming the field.
    """
    if not is_open(item.conference):
        raise InvalidTransition("The meeting has started, so her voice can no longer be changed")
    _check_version(existing, version)
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
    db.session.flush()
    audit.record(
        actor,
        "voice.saved",
        voice,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"agenda_item_id": item.id, "case_id": item.case_id, "contact_made": made},
    )
    return voice


def save_outcome(
    item: AgendaItem,
    *,
    actor: User,
    now: datetime,
    told_on: date | None,
    told_how: ContactMethod | None,
    notes: str,
    version: int | None,
    existing: VictimVoice | None,
) -> VictimVoice:
    """Record when and how she was told what the meeting agreed. Flushes; the caller commits.

    Raises InvalidTransition before the meeting has dealt with the case, Conflict if the
    record changed since the page was shown, ValidationFailed naming the field.
    """
    if not outcome_open(item):
        raise InvalidTransition("The meeting has not dealt with this case yet")
    _check_version(existing, version)
    _refuse(outcome_problems(told_on, told_how, **outcome_bounds(item, now)))
    voice = existing
    if voice is None:
        voice = VictimVoice(
            agenda_item_id=item.id, contact_made=False, no_contact_reason=NOTHING_BEFORE
        )
        db.session.add(voice)
    voice.outcome_told_on, voice.outcome_told_how = told_on, told_how
    voice.outcome_notes = notes.strip()
    voice.updated_by_id, voice.updated_at = actor.id, now
    db.session.flush()
    audit.record(
        actor,
        "voice.outcome_saved",
        voice,
        marac_id=item.conference.marac_id,
        now=now,
        detail={"agenda_item_id": item.id, "case_id": item.case_id},
    )
    return voice
