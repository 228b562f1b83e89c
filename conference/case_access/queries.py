"""The access report's query: the audit events about one case and the records that belong to
it, newest first, a page at a time.

Bounded and indexed: the events are found by (object type, object id), the audit trail's
composite index, for the case itself and for its own referrals, agenda items, research
returns, victim's voice, actions and transfers, and for the conferences whose agenda listed
it (their agenda, meeting and minutes events); dates narrow it on the indexed time. The lists
of ids are the case's own records, a few dozen at most.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import joinedload

from conference.accounts.models import RoleGrant, User
from conference.actions.models import Action
from conference.audit.models import AuditEvent, AuditEventCase
from conference.conferences.models import AgendaItem
from conference.extensions import db
from conference.profiles import role_label
from conference.referrals.models import Case, Referral
from conference.research.models import ResearchReturn
from conference.transfers.models import CaseTransfer
from conference.voice.models import VictimVoice

UK = ZoneInfo("Europe/London")
#: The most rows one export holds; the page says so when the report is longer.
EXPORT_BATCH = 500

#: What each kind of record is called in the report.
RECORDS = {
    "Case": "Case",
    "Referral": "Referral",
    "AgendaItem": "Agenda item",
    "ResearchReturn": "Research return",
    "VictimVoice": "Victim's voice",
    "Action": "Action",
    "CaseTransfer": "Transfer",
    "Conference": "Conference (agenda, meeting or minutes listing the case)",
}

#: What the report calls an event on anything else: a list or a page that showed the case.
LISTED = "A list naming the case"

#: Verbs that only read: everything else changed something.
READING = ("viewed", "printed", "listed", "followed", "exported", "disclosed")


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    person: str
    agency: str
    roles: str
    record: str
    page: str
    kind: str


def related(case: Case) -> dict[str, list[int]]:
    """The ids of the case's own records by type, as the audit trail names them."""
    items = sa.select(AgendaItem.id).where(AgendaItem.case_id == case.id)
    ids = {
        "Case": [case.id],
        "Referral": list(
            db.session.scalars(sa.select(Referral.id).where(Referral.case_id == case.id))
        ),
        "AgendaItem": list(db.session.scalars(items)),
        "ResearchReturn": list(
            db.session.scalars(
                sa.select(ResearchReturn.id).where(ResearchReturn.agenda_item_id.in_(items))
            )
        ),
        "VictimVoice": list(
            db.session.scalars(
                sa.select(VictimVoice.id).where(VictimVoice.agenda_item_id.in_(items))
            )
        ),
        "Action": list(db.session.scalars(sa.select(Action.id).where(Action.case_id == case.id))),
        "CaseTransfer": list(
            db.session.scalars(sa.select(CaseTransfer.id).where(CaseTransfer.case_id == case.id))
        ),
        "Conference": list(
            db.session.scalars(
                sa.select(AgendaItem.conference_id).where(AgendaItem.case_id == case.id).distinct()
            )
        ),
    }
    return {kind: sorted(found) for kind, found in ids.items() if found}


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UK)


def _query(
    case: Case, on_or_after: date | None, on_or_before: date | None
) -> sa.Select[AuditEvent]:
    condition = sa.or_(
        *(
            sa.and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(ids))
            for kind, ids in related(case).items()
        )
    )
    # ...and every list that showed the case (the cases list, the tracker, an agenda).
    listed = sa.select(AuditEventCase.event_id).where(AuditEventCase.case_id == case.id)
    query = sa.select(AuditEvent).where(sa.or_(condition, AuditEvent.id.in_(listed)))
    if on_or_after:
        query = query.where(AuditEvent.at >= _start_of(on_or_after))
    if on_or_before:
        query = query.where(AuditEvent.at < _start_of(on_or_before + timedelta(days=1)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def report(
    case: Case, *, on_or_after: date | None, on_or_before: date | None, page: int, per_page: int
) -> Pagination:
    """One page of the case's events, newest first: the count and the page, users joined."""
    return db.paginate(
        _query(case, on_or_after, on_or_before).options(joinedload(AuditEvent.user)),
        page=page,
        per_page=per_page,
        max_per_page=per_page,
        error_out=False,
    )


def rows(case: Case, events: Iterable[AuditEvent]) -> list[Row]:
    """Each event with the person, their agency and their roles in the case's MARAC."""
    events = list(events)
    user_ids = {e.user_id for e in events if e.user_id is not None}
    people = {
        u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids or {-1})))
    }
    roles: dict[int, list[str]] = {}
    for grant in db.session.scalars(
        sa.select(RoleGrant).where(
            RoleGrant.user_id.in_(user_ids or {-1}),
            sa.or_(RoleGrant.marac_id == case.marac_id, RoleGrant.marac_id.is_(None)),
        )
    ):
        roles.setdefault(grant.user_id, []).append(role_label(grant.role, case.marac))
    found = []
    for event in events:
        user = people.get(event.user_id) if event.user_id is not None else None
        found.append(
            Row(
                event=event,
                person=user.name if user else "The system",
                agency=user.agency.name if user else "",
                roles=", ".join(sorted(roles.get(user.id, []))) if user else "",
                record=RECORDS.get(event.object_type or "", LISTED),
                page=str(event.detail.get("page", "")) if event.detail else "",
                kind="Read" if event.verb.endswith(READING) else "Change",
            )
        )
    return found


def export(case: Case, *, on_or_after: date | None, on_or_before: date | None) -> Iterator[Row]:
    """Every row of the report, newest first, for the CSV: read a batch at a time after the
    last one seen (keyset), so memory stays flat however long the case's history."""
    query = _query(case, on_or_after, on_or_before)
    after: tuple[datetime, int] | None = None
    while True:
        page = query
        if after is not None:
            at, last_id = after
            page = page.where(
                sa.or_(AuditEvent.at < at, sa.and_(AuditEvent.at == at, AuditEvent.id < last_id))
            )
        events = db.session.scalars(page.limit(EXPORT_BATCH)).all()
        if not events:
            return
        yield from rows(case, events)
        after = (events[-1].at, events[-1].id)


def count(case: Case, *, on_or_after: date | None, on_or_before: date | None) -> int:
    """How many events the report holds within the dates."""
    matching = _query(case, on_or_after, on_or_before).order_by(None).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(matching)) or 0


CSV_HEADER = ["When (UTC)", "Person", "Agency", "Role", "Read or change", "What", "Record", "Page"]


def csv_rows(found: Iterable[Row]) -> Iterator[list[str]]:
    """The report as CSV rows: no case content, only who, what and when."""
    for row in found:
        yield [
            row.event.at.strftime("%Y-%m-%d %H:%M:%S"),
            row.person,
            row.agency,
            row.roles,
            row.kind,
            row.event.verb,
            row.record,
            row.page,
        ]
