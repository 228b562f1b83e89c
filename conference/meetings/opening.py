"""Opening a meeting: attendance by agency, each attendee's confidentiality sign-off, and the
start, after which cases can be opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Agency, AgencyKind, User
from conference.accounts.permissions import case_roles_in
from conference.conferences.choices import ConferenceStatus
from conference.conferences.lifecycle import AT_ITS_TIME, ATTENDANCE_DONE, CONFERENCE
from conference.conferences.models import Conference
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.meetings import queries
from conference.meetings.choices import Presence
from conference.meetings.models import Attendance, Attendee, Meeting

#: Read out when a MARAC has not written its own.
STANDARD_STATEMENT = (
    "Everything shared at this meeting is confidential. It is shared only to keep the people "
    "discussed safe, and only what is needed for that. Do not copy, forward or pass on "
    "anything from this meeting without the agreement of the agency that gave it. Record the "
    "actions your agency agrees in its own systems, and keep what you hear out of emails."
)


def statement_for(conference: Conference) -> str:
    return conference.marac.confidentiality_statement.strip() or STANDARD_STATEMENT


def check_can_open(conference: Conference, now: datetime) -> None:
    """Attendance opens on the meeting's day (in the MARAC's zone), once the agenda is out:
    when the meeting could start but for the attendance itself and the clock (people arrive
    before the planned time, so the meeting is ready to run on it). Raises InvalidTransition."""
    CONFERENCE.check(
        conference, ConferenceStatus.IN_PROGRESS, now=now, skip=[ATTENDANCE_DONE, AT_ITS_TIME]
    )


def why_not_open(conference: Conference, now: datetime) -> str:
    """What keeps the meeting from opening now; empty when nothing does."""
    return CONFERENCE.why_not(
        conference, ConferenceStatus.IN_PROGRESS, now=now, skip=[ATTENDANCE_DONE, AT_ITS_TIME]
    )


def attendance_open(conference: Conference, now: datetime) -> bool:
    """Whether attendance can be recorded now: on the day before the start, and while the
    meeting runs (someone arriving late)."""
    return conference.status is ConferenceStatus.IN_PROGRESS or not why_not_open(conference, now)


def _check_attendance_open(conference: Conference, now: datetime) -> Meeting:
    """Attendance is kept before the start (on the day) and while the meeting runs."""
    if conference.status is not ConferenceStatus.IN_PROGRESS:
        check_can_open(conference, now)
    meeting = queries.meeting_for(conference.id)
    if meeting is None:
        meeting = Meeting(conference_id=conference.id)
        db.session.add(meeting)
        db.session.flush()
    return meeting


def _check_agency(conference: Conference, agency: Agency) -> None:
    if conference.marac_id not in {m.id for m in agency.maracs}:
        raise ValidationFailed("Choose an agency from the list", "agency_id")


def set_attendance(
    conference: Conference,
    agency: Agency,
    *,
    presence: Presence,
    information_sent: bool | None,
    actor: User,
    now: datetime,
) -> Attendance:
    """Record an agency as present, or as sending apologies (saying whether it sent its
    information). Flushes; the caller commits."""
    _check_attendance_open(conference, now)
    _check_agency(conference, agency)
    attendance = _attendance(conference.id, agency.id)
    if presence is Presence.APOLOGIES:
        if information_sent is None:
            raise ValidationFailed(
                "Say whether the agency sent its information", "information_sent"
            )
        if _attendees_of(conference.id, agency.id):
            raise ValidationFailed(
                "People from this agency are listed as here: remove them first", "presence"
            )
    if attendance is None:
        attendance = Attendance(conference_id=conference.id, agency_id=agency.id)
        db.session.add(attendance)
    attendance.presence = presence
    attendance.information_sent = None if presence is Presence.PRESENT else information_sent
    attendance.recorded_by_id = actor.id
    attendance.recorded_at = now
    db.session.flush()
    audit.record(
        actor,
        "meeting.attendance_recorded",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"agency_id": agency.id, "presence": presence.value},
    )
    return attendance


def add_attendee(
    conference: Conference,
    agency: Agency,
    *,
    name: str,
    job_title: str = "",
    user: User | None = None,
    is_observer: bool = False,
    actor: User,
    now: datetime,
) -> Attendee:
    """Add a person present for an agency (which is then recorded as present), or an observer
    from it: someone watching, who does not make the agency present."""
    _check_attendance_open(conference, now)
    _check_agency(conference, agency)
    name = (name or (user.name if user else "")).strip()
    if not name:
        raise ValidationFailed("Enter the attendee's name", "name")
    if user is not None:
        if not case_roles_in(user, conference.marac_id) or not user.is_active:
            raise ValidationFailed(
                f"{user.name} has no role here: add them by name instead", "person"
            )
        if user.agency_id != agency.id:
            raise ValidationFailed(f"{user.name} works for another agency", "person")
        if db.session.scalar(
            sa.select(
                sa.exists().where(
                    Attendee.conference_id == conference.id, Attendee.user_id == user.id
                )
            )
        ):
            raise ValidationFailed(f"{user.name} is already listed", "person")
    attendance = _attendance(conference.id, agency.id)
    if not is_observer and (attendance is None or attendance.presence is not Presence.PRESENT):
        present = Presence.PRESENT
        set_attendance(
            conference, agency, presence=present, information_sent=None, actor=actor, now=now
        )
    attendee = Attendee(
        conference_id=conference.id,
        agency_id=agency.id,
        user_id=user.id if user else None,
        name=name,
        job_title=(job_title or (user.job_title if user else "")).strip(),
        is_observer=is_observer,
        added_by_id=actor.id,
        added_at=now,
    )
    db.session.add(attendee)
    db.session.flush()
    audit.record(
        actor,
        "meeting.attendee_added",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"observer": True} if is_observer else None,
    )
    return attendee


def accept_confidentiality(attendee: Attendee, *, actor: User, now: datetime) -> None:
    """Record that the attendee accepted the confidentiality statement. Flushes."""
    conference = db.session.get(Conference, attendee.conference_id)
    assert conference is not None
    _check_attendance_open(conference, now)
    if attendee.accepted_confidentiality_at is None:
        attendee.accepted_confidentiality_at = now
        db.session.flush()
        audit.record(
            actor,
            "meeting.confidentiality_accepted",
            conference,
            marac_id=conference.marac_id,
            now=now,
            detail={"attendee_id": attendee.id},
        )


def remove_attendee(attendee: Attendee, *, actor: User, now: datetime) -> None:
    """Take off someone listed by mistake. Only before the start: afterwards they were there."""
    conference = db.session.get(Conference, attendee.conference_id)
    assert conference is not None
    if conference.status is not ConferenceStatus.AGENDA_PUBLISHED:
        raise InvalidTransition("The meeting has started: its attendance record stays")
    db.session.delete(attendee)
    db.session.flush()
    audit.record(
        actor, "meeting.attendee_removed", conference, marac_id=conference.marac_id, now=now
    )


@dataclass
class Readiness:
    """What still stands between the chair and the first case."""

    unrecorded: list[Agency] = field(default_factory=list)
    unaccepted: list[Attendee] = field(default_factory=list)
    nobody_present: bool = True

    @property
    def ready(self) -> bool:
        return not (self.unrecorded or self.unaccepted or self.nobody_present)

    def problems(self) -> list[str]:
        found = []
        if self.unrecorded:
            names = ", ".join(a.name for a in self.unrecorded)
            found.append(f"Record whether these agencies are present or sent apologies: {names}")
        if self.nobody_present:
            found.append("List the people present")
        if self.unaccepted:
            names = ", ".join(a.name for a in self.unaccepted)
            found.append(f"Record the confidentiality statement accepted by: {names}")
        return found


def readiness(
    invited: list[Agency], attendances: list[Attendance], attendees: list[Attendee]
) -> Readiness:
    recorded = {a.agency_id for a in attendances}
    return Readiness(
        unrecorded=[agency for agency in invited if agency.id not in recorded],
        unaccepted=[a for a in attendees if a.accepted_confidentiality_at is None],
        nobody_present=all(a.is_observer for a in attendees),
    )


@dataclass(frozen=True)
class CoreGap:
    """A core agency kind with no agency present: whether its research came in, or it sent
    apologies with its information (then nothing of it is missing)."""

    kind: AgencyKind
    agencies: list[Agency]
    returned: bool
    information_sent: bool = False


def core_gaps(
    conference: Conference,
    invited: list[Agency],
    attendances: list[Attendance],
    returned_agency_ids: set[int],
) -> list[CoreGap]:
    """The MARAC's core agency kinds not present, each with whether research arrived or was
    sent with apologies."""
    present = {a.agency_id for a in attendances if a.presence is Presence.PRESENT}
    sent = {
        a.agency_id
        for a in attendances
        if a.presence is Presence.APOLOGIES and a.information_sent is True
    }
    gaps = []
    for kind in conference.marac.core_kinds:
        of_kind = [a for a in invited if a.kind is kind]
        if any(a.id in present for a in of_kind):
            continue
        gaps.append(
            CoreGap(
                kind,
                of_kind,
                returned=any(a.id in returned_agency_ids for a in of_kind),
                information_sent=any(a.id in sent for a in of_kind),
            )
        )
    return gaps


def start(
    conference: Conference,
    *,
    invited: list[Agency],
    actor: User,
    now: datetime,
    early: bool = False,
) -> Meeting:
    """Start the meeting once attendance and confidentiality are done, at its planned time
    or, when the chair says so (early), before it. Flushes.

    Raises InvalidTransition naming what is missing.
    """
    meeting = _check_attendance_open(conference, now)
    CONFERENCE.transition(
        conference,
        ConferenceStatus.IN_PROGRESS,
        actor=actor,
        now=now,
        invited=invited,
        early=early,
    )
    meeting.started_at = now
    meeting.started_by_id = actor.id
    meeting.started_early = now < conference.starts_at
    db.session.flush()
    early_by = int((conference.starts_at - now).total_seconds() // 60)
    audit.record(
        actor,
        "meeting.started",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"minutes_early": early_by} if meeting.started_early else None,
    )
    return meeting


def _attendance(conference_id: int, agency_id: int) -> Attendance | None:
    return db.session.scalar(
        sa.select(Attendance).where(
            Attendance.conference_id == conference_id, Attendance.agency_id == agency_id
        )
    )


def _attendees_of(conference_id: int, agency_id: int | None) -> list[Attendee]:
    query = sa.select(Attendee).where(
        Attendee.conference_id == conference_id, Attendee.is_observer.is_(False)
    )
    if agency_id is not None:
        query = query.where(Attendee.agency_id == agency_id)
    return list(db.session.scalars(query))
