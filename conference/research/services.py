"""Saving an agency's research returns, and reminding agencies whose returns are missing."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from conference import audit
from conference.accounts.models import Agency, User
from conference.conferences import display, planning
from conference.conferences.choices import ConferenceStatus
from conference.conferences.listing import CASE_SECTIONS
from conference.conferences.models import AgendaItem, Conference, conference_invitations
from conference.conferences.queries import item_perpetrators
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.merging import Merge, merge
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.services import today_in
from conference.research.choices import Outcome, RiskFlag
from conference.research.models import SUMMARY_LIMIT, PerpetratorFinding, ResearchReturn
from conference.text import check_plain

#: Agencies with returns still missing are reminded this many days before the meeting.
REMINDER_DAYS_BEFORE = 2


def is_open(conference: Conference, now: datetime) -> bool:
    """Returns can be written from publication until the meeting starts."""
    return conference.status is ConferenceStatus.AGENDA_PUBLISHED and now < conference.starts_at


class ReturnConflict(Conflict):
    """Someone at the agency saved the return after this copy was read. ``merge``, when the
    save was merged with theirs, names the parts both changed."""

    def __init__(self, merge: Merge | None = None) -> None:
        super().__init__(
            "Someone else at your agency saved this return while you were writing. Both "
            "versions are shown: check theirs, then save yours again if it still applies."
        )
        self.merge = merge


#: The parts of a return that merge, beside one per perpetrator (finding_field).
RETURN_FIELDS = ("outcome", "summary", "risk_flags")


def finding_field(perpetrator_id: int) -> str:
    """The merged part holding what the return says on one perpetrator."""
    return f"finding-{perpetrator_id}"


def flags_text(flags: Iterable[str]) -> str:
    """Risk flags as one value to merge: a change to any flag is a change to the set."""
    return ",".join(sorted(set(flags)))


def return_values(saved: ResearchReturn | None) -> dict[str, str]:
    """Each merged part of a saved return as text (outcome and flags by their values)."""
    if saved is None:
        return {}
    values = {
        "outcome": saved.outcome.value,
        "summary": saved.summary or "",
        "risk_flags": flags_text(saved.risk_flags),
    }
    for finding in saved.findings:
        values[finding_field(finding.perpetrator_id)] = finding.summary
    return values


def _merged_return(
    existing: ResearchReturn | None,
    mine: dict[str, str],
    *,
    base: Mapping[str, str | None] | None,
    keep: Collection[str],
) -> Merge:
    """Merge a save made on a stale copy with the return saved now, part by part. Raises
    ReturnConflict when the copy carried no base or both changed a part differently."""
    if base is None:
        raise ReturnConflict()
    theirs = return_values(existing)
    mine = {name: theirs.get(name, "") if name in keep else text for name, text in mine.items()}
    fields = [*RETURN_FIELDS, *sorted({*mine, *theirs, *base} - set(RETURN_FIELDS))]
    merged = merge(fields, base=base, mine=mine, theirs=theirs)
    if not merged.clean:
        raise ReturnConflict(merged)
    return merged


def save_return(
    item: AgendaItem,
    agency: Agency,
    *,
    actor: User,
    now: datetime,
    outcome: Outcome,
    summary: str,
    risk_flags: Iterable[RiskFlag],
    existing: ResearchReturn | None,
    version: int | None,
    findings: Mapping[int, str] | None = None,
    base: Mapping[str, str | None] | None = None,
    keep: Collection[str] = (),
) -> tuple[ResearchReturn, Merge | None]:
    """Record or change the agency's return on an item, with what its records show on each
    perpetrator of the case (``findings``: perpetrator id -> text; blank for nothing).
    ``version`` is the return's version the user's copy was read at (None before any).

    A save made on a stale copy is merged part by part with the return saved now (see
    conference.merging): ``base`` holds each part as the copy started from it (RETURN_FIELDS
    and finding_field, the outcome and flags as their values; None when the copy carried
    none, which is refused whole), ``keep`` the parts the user chose to leave as saved.
    Returns the return and the merge, if any. Flushes; the caller commits. Raises
    ReturnConflict, ValidationFailed, InvalidTransition."""
    if not is_open(item.conference, now):
        raise InvalidTransition("Research for this conference has closed")
    if item.section not in CASE_SECTIONS:
        raise InvalidTransition("Standing items need no research")
    merged = None
    flags = sorted({flag.value for flag in risk_flags})
    if "summary" in keep:  # the only part set side by side: the saved text, chosen
        summary = existing.summary if existing is not None else ""
    if (existing.version if existing else None) != version:
        mine = {"outcome": outcome.value, "summary": summary, "risk_flags": flags_text(flags)}
        mine |= {finding_field(p): text for p, text in (findings or {}).items()}
        merged = _merged_return(existing, mine, base=base, keep=keep)
        outcome = Outcome(merged.values["outcome"]) if merged.values["outcome"] else outcome
        summary = merged.values["summary"]
        flags = [flag for flag in merged.values["risk_flags"].split(",") if flag]
        findings = {
            p.id: merged.values.get(finding_field(p.id), "") for p in item_perpetrators(item)
        }
    summary = summary.strip()
    if outcome is Outcome.KNOWN and not summary:
        raise ValidationFailed("Enter what your agency will share at the meeting", "summary")
    findings = _checked_findings(item, findings or {})
    first = existing is None
    if existing is None:
        existing = ResearchReturn(agenda_item_id=item.id, agency_id=agency.id)
        db.session.add(existing)
    existing.findings = _merged_findings(existing, findings)
    existing.outcome = outcome
    existing.summary = summary
    existing.risk_flags = flags
    existing.updated_by_id = actor.id
    existing.submitted_at = now
    try:
        db.session.flush()
    except StaleDataError as stale:  # saved by someone else at the same moment
        raise ReturnConflict() from stale
    except sa.exc.IntegrityError as twice:
        if first:  # the agency's first return, made by someone else at the same moment
            raise ReturnConflict() from twice
        raise
    audit.record(
        actor,
        "research.saved",
        existing,
        marac_id=item.conference.marac_id,
        now=now,
        detail={
            "agenda_item_id": item.id,
            "outcome": outcome.value,
            "perpetrator_ids": sorted(findings),
            "merged": merged is not None,
        },
    )
    return existing, merged


def _checked_findings(item: AgendaItem, findings: Mapping[int, str]) -> dict[int, str]:
    """The non-blank findings, each on a perpetrator of this case. Raises ValidationFailed."""
    known = {p.id for p in item_perpetrators(item)}
    checked = {}
    for perpetrator_id, text in findings.items():
        if perpetrator_id not in known:
            raise ValidationFailed("Answer only on the perpetrators of this case", "summary")
        text = (text or "").strip()
        check_plain(text, "summary")
        if len(text) > SUMMARY_LIMIT:
            raise ValidationFailed(f"Must be {SUMMARY_LIMIT} characters or fewer", "summary")
        if text:
            checked[perpetrator_id] = text
    return checked


def _merged_findings(saved: ResearchReturn, findings: dict[int, str]) -> list[PerpetratorFinding]:
    """The return's findings as given: kept rows changed in place, blank ones dropped."""
    by_perpetrator = {f.perpetrator_id: f for f in saved.findings} if saved.id else {}
    merged = []
    for perpetrator_id, text in findings.items():
        finding = by_perpetrator.get(perpetrator_id) or PerpetratorFinding(
            perpetrator_id=perpetrator_id
        )
        finding.summary = text
        merged.append(finding)
    return merged


def missing_by_agency(conference_ids: list[int]) -> dict[tuple[int, int], int]:
    """(conference id, agency id) -> case items the invited agency has not returned on."""
    if not conference_ids:
        return {}
    invitations = conference_invitations
    returned = sa.exists().where(
        ResearchReturn.agenda_item_id == AgendaItem.id,
        ResearchReturn.agency_id == invitations.c.agency_id,
    )
    rows = db.session.execute(
        sa.select(invitations.c.conference_id, invitations.c.agency_id, sa.func.count())
        .join(AgendaItem, AgendaItem.conference_id == invitations.c.conference_id)
        .where(
            invitations.c.conference_id.in_(conference_ids),
            AgendaItem.section.in_(CASE_SECTIONS),
            ~returned,
        )
        .group_by(invitations.c.conference_id, invitations.c.agency_id)
    )
    return {(conference_id, agency_id): count for conference_id, agency_id, count in rows}


def send_reminders(now: datetime) -> dict[str, int]:
    """The job: two days before a meeting, remind each agency whose returns are missing.

    Once per agency and conference, however often it runs.
    """
    conferences = db.session.scalars(
        sa.select(Conference).where(
            Conference.status == ConferenceStatus.AGENDA_PUBLISHED, Conference.starts_at > now
        )
    ).all()
    due = [
        c
        for c in conferences
        if today_in(c.marac, now) >= display.local_day(c) - timedelta(days=REMINDER_DAYS_BEFORE)
    ]
    missing = missing_by_agency([c.id for c in due])
    sent = 0
    for conference in due:
        reps = planning.rep_ids_by_agency(conference)
        for agency_id, rep_ids in reps.items():
            if not missing.get((conference.id, agency_id)):
                continue
            sent += len(
                notifications.notify(
                    rep_ids,
                    "research.reminder",
                    key=f"research.reminder:{conference.id}:{agency_id}",
                    reference=display.reference(conference),
                    link=Link("research.conference", {"conference_id": conference.id}),
                    now=now,
                )
            )
    return {"conferences": len(due), "reminders": sent}
