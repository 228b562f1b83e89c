"""Retention: which closed cases are due, holding them, and anonymising or deleting them.

Every function takes ``now``; none knows of requests. The rows of a case are found by
following the foreign keys from ``cases`` through every table of the app (its referrals, the
people they name, its agenda items and what was said on them, its actions and their updates,
and so on), so a table added later is covered without a change here: anonymising blanks its
free text unless :data:`KEPT` says why a column stays, and deleting removes its rows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from conference import audit
from conference.accounts.models import Marac, RetentionAction, User
from conference.dates import years_after
from conference.db import affected_rows, flush_or_conflict
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.referrals.births import age_on
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case
from conference.retention.models import REASON_LIMIT, LegalHold

#: What a non-empty free-text value becomes when its case is anonymised.
PLACEHOLDER = "Anonymised"
#: How far ahead the due-for-review list looks.
REVIEW_DAYS = 30

#: Text columns of a case's rows that anonymising keeps, and why each holds nothing personal.
KEPT: dict[tuple[str, str], str] = {
    ("cases", "reference"): "the case's reference, which the audit trail and figures use",
    ("referrals", "risk_tool_id"): "which risk checklist the referral used",
    ("checklist_answers", "question_id"): "which checklist question was answered",
    ("system_issue_cases", "case_reference"): "the case's reference",
    ("escalation_entry_actions", "case_reference"): "the case's reference",
    ("case_transfers", "from_reference"): "the case's reference in the MARAC it came from",
    ("research_returns", "risk_flags"): "the codes of the risk flags an agency ticked",
    ("actions", "owner_name"): "the professional who owns the action, not a person in the case",
}
#: Tables whose rows of the case go altogether when it is anonymised: histories of its text
#: (every revision of the console record and the minutes) and keyed hashes of names.
DROPPED = frozenset({"revisions", "minutes_revisions", "identity_lookups"})
#: Dates of birth: each becomes 1 January of a year that gives the same age on the day of
#: the referral, so the figures that count ages stay true and the date itself is gone.
BIRTH_DATES = (
    ("referrals", "victim_dob"),
    ("referral_perpetrators", "dob"),
    ("referral_children", "dob"),
)
#: The first and last days someone may have been born on (referrals births.py): each end
#: changes as a date of birth does, both in one statement (the first is never after the last).
BIRTH_SPANS = (
    ("referrals", "victim_born_from", "victim_born_to"),
    ("referral_perpetrators", "born_from", "born_to"),
)
#: Foreign keys that point at a case's rows without belonging to the case: deleting the case
#: empties them instead of deleting their row.
DETACHED = frozenset({("meetings", "current_item_id")})
#: Never touched: the audit trail is append-only (it names cases by id and reference only).
UNTOUCHED = frozenset({"audit_events"})


@dataclass(frozen=True)
class Due:
    """A closed case and when its MARAC's retention period ends."""

    case: Case
    due_at: datetime
    action: RetentionAction
    hold: LegalHold | None

    def is_due(self, now: datetime) -> bool:
        return self.due_at <= now


class HoldConflict(Conflict):
    """Someone placed or lifted the hold first; ``hold`` is the case's hold as saved now."""

    def __init__(self, message: str, hold: LegalHold | None) -> None:
        super().__init__(message)
        self.hold = hold


def due_at(case: Case, years: int) -> datetime | None:
    """When a closed case's retention period ends: the same moment, years after it closed."""
    if case.closed_at is None:
        return None
    closed = case.closed_at
    return datetime.combine(years_after(closed.date(), years), closed.timetz())


def reviewable(now: datetime, marac_ids: Collection[int] | None = None) -> list[Due]:
    """Closed cases not yet anonymised whose period ends within REVIEW_DAYS of now (or has
    ended), held or not, soonest first."""
    horizon = now + timedelta(days=REVIEW_DAYS)
    query = sa.select(Marac)
    if marac_ids is not None:
        query = query.where(Marac.id.in_(marac_ids))
    found: list[Due] = []
    for marac in db.session.scalars(query.order_by(Marac.id)):
        # A day's margin for 29 February; the exact test is below.
        latest = years_after(horizon.date(), -marac.retention_years) + timedelta(days=1)
        cases = db.session.scalars(
            sa.select(Case).where(
                Case.marac_id == marac.id,
                Case.status == CaseStatus.CLOSED,
                Case.closed_at.is_not(None),
                Case.anonymised_at.is_(None),
                Case.closed_at < datetime.combine(latest, datetime.min.time(), now.tzinfo),
            )
        )
        for case in cases:
            when = due_at(case, marac.retention_years)
            if when is not None and when <= horizon:
                found.append(Due(case, when, marac.retention_action, None))
    holds = standing_holds([d.case.id for d in found])
    found = [Due(d.case, d.due_at, d.action, holds.get(d.case.id)) for d in found]
    return sorted(found, key=lambda d: (d.due_at, d.case.id))


def standing_holds(case_ids: Collection[int]) -> dict[int, LegalHold]:
    """Case id -> its hold not lifted, for the cases given."""
    if not case_ids:
        return {}
    return {
        hold.case_id: hold
        for hold in db.session.scalars(
            sa.select(LegalHold).where(
                LegalHold.case_id.in_(set(case_ids)), LegalHold.lifted_at.is_(None)
            )
        )
    }


def standing_hold(case_id: int) -> LegalHold | None:
    return standing_holds([case_id]).get(case_id)


def apply_retention(now: datetime) -> dict[str, int]:
    """The nightly job: anonymise or delete (as each MARAC chose) every closed case whose
    retention period has ended, except those on legal hold. Safe to run again: an anonymised
    case is not due any more, and a deleted one is gone."""
    counts = {"anonymised": 0, "deleted": 0, "held": 0}
    for due in reviewable(now):
        if not due.is_due(now):
            continue
        if due.hold is not None:
            counts["held"] += 1
        elif due.action is RetentionAction.DELETE:
            delete_case(due.case, now=now)
            counts["deleted"] += 1
        else:
            anonymise_case(due.case, now=now)
            counts["anonymised"] += 1
    return counts


# Holds.


def _reason(text: str, field: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise ValidationFailed("Enter the reason", field)
    if len(reason) > REASON_LIMIT:
        raise ValidationFailed(f"The reason must be {REASON_LIMIT} characters or fewer", field)
    return reason


def place_hold(actor: User, case: Case, reason: str, *, now: datetime) -> LegalHold:
    """Keep the case past its retention period until the hold is lifted."""
    text = _reason(reason, "reason")
    if case.anonymised_at is not None:
        raise InvalidTransition("This case has already been anonymised")
    current = standing_hold(case.id)
    if current is not None:
        raise HoldConflict("Someone placed a legal hold on this case meanwhile", current)
    hold = LegalHold(case_id=case.id, placed_by_id=actor.id, placed_at=now, reason=text)
    try:
        with db.session.begin_nested():  # one standing hold a case: a hold placed meanwhile
            db.session.add(hold)
            db.session.flush()
    except IntegrityError as clash:
        message = "Someone placed a legal hold on this case meanwhile"
        raise HoldConflict(message, standing_hold(case.id)) from clash
    audit.record(
        actor,
        "case.legal_hold_placed",
        case,
        now=now,
        detail={"reference": case.reference, "hold_id": hold.id},
    )
    return hold


def lift_hold(
    actor: User, hold: LegalHold, reason: str, *, seen_version: int | None, now: datetime
) -> LegalHold:
    """Lift a standing hold: the case is processed at the next run if it is due."""
    text = _reason(reason, "reason")
    if hold.lifted_at is not None or seen_version != hold.version:
        raise HoldConflict("Someone changed this hold meanwhile", hold)
    hold.lifted_at, hold.lifted_by_id, hold.lift_reason = now, actor.id, text
    flush_or_conflict("Someone changed this hold meanwhile")
    case = db.session.get_one(Case, hold.case_id)
    audit.record(
        actor,
        "case.legal_hold_lifted",
        case,
        now=now,
        detail={"reference": case.reference, "hold_id": hold.id},
    )
    return hold


# Anonymising and deleting.


def reach(case_ids: Collection[int]) -> dict[str, Any]:
    """Table name -> the condition that picks the rows belonging to these cases, found by
    following every foreign key from ``cases`` (parents before children)."""
    tables = db.metadata.sorted_tables
    where: dict[str, Any] = {"cases": db.metadata.tables["cases"].c.id.in_(set(case_ids))}
    size = 0
    while size != len(where):  # again until nothing new: a cycle may list a child first
        size = len(where)
        for table in tables:
            if table.name in UNTOUCHED or table.name == "cases":
                continue
            conditions = [
                fk.parent.in_(sa.select(fk.column).where(where[fk.column.table.name]))
                for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
                if fk.column.table.name in where and (table.name, fk.parent.name) not in DETACHED
            ]
            if conditions:
                where[table.name] = sa.or_(*conditions)
    return where


def _is_text(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.String | sa.Text) and not isinstance(column.type, sa.Enum)


def _is_json(column: sa.Column[Any]) -> bool:
    return isinstance(column.type, sa.JSON)


def _blanked(column: sa.Column[Any]) -> Any:
    """An empty or missing value stays so; any other becomes the placeholder."""
    length = getattr(column.type, "length", None)
    return sa.case(
        (sa.or_(column.is_(None), column == ""), column),
        else_=sa.literal(PLACEHOLDER[: length or None]),
    )


def _birth_dates(where: dict[str, Any]) -> None:
    """Each date of birth -> 1 January of the year that keeps her (his) age on the day of
    the referral; none when the referral has no day yet."""
    referrals = db.metadata.tables["referrals"]
    for table_name, column_name in BIRTH_DATES:
        if table_name not in where:
            continue
        table = db.metadata.tables[table_name]
        born = table.c[column_name]
        if table is referrals:
            query = sa.select(table.c.id, born, table.c.referred_on)
        else:
            query = sa.select(table.c.id, born, referrals.c.referred_on).join(
                referrals, referrals.c.id == table.c.referral_id
            )
        rows = db.session.execute(query.where(where[table_name], born.is_not(None))).all()
        for row_id, dob, on in rows:
            kept = date(on.year - age_on(dob, on), 1, 1) if on is not None else None
            db.session.execute(sa.update(table).where(table.c.id == row_id).values({born: kept}))
    for table_name, first, last in BIRTH_SPANS:
        if table_name not in where:
            continue
        table = db.metadata.tables[table_name]
        on_day = referrals.c.referred_on
        spans = sa.select(table.c.id, table.c[first], table.c[last], on_day)
        if table is not referrals:
            spans = spans.join(referrals, referrals.c.id == table.c.referral_id)
        found = db.session.execute(spans.where(where[table_name], table.c[first].is_not(None)))
        for row_id, earliest, latest, on in found.all():
            ends = [date(on.year - age_on(d, on), 1, 1) if on else None for d in (earliest, latest)]
            db.session.execute(
                sa.update(table)
                .where(table.c.id == row_id)
                .values({table.c[first]: ends[0], table.c[last]: ends[1]})
            )


def anonymise_case(case: Case, *, now: datetime, actor: User | None = None) -> dict[str, int]:
    """Remove the case's personal details from every table, keeping what the figures count.

    Names, contact details and every free text become the placeholder (an empty value stays
    empty), dates of birth keep only the age on the day of the referral, and the histories
    of its text are deleted. Audited by the case's reference only."""
    db.session.flush()
    where = reach([case.id])
    _birth_dates(where)
    rows = 0
    for table in db.metadata.sorted_tables:
        if table.name not in where:
            continue
        if table.name in DROPPED:
            rows += affected_rows(db.session.execute(sa.delete(table).where(where[table.name])))
            continue
        values: dict[Any, Any] = {}
        for column in table.columns:
            if (table.name, column.name) in KEPT or column.primary_key:
                continue
            if _is_json(column):
                values[column] = None
            elif _is_text(column):
                values[column] = _blanked(column)
        if "version" in table.c:
            values[table.c.version] = table.c.version + 1
        if values:
            rows += affected_rows(
                db.session.execute(sa.update(table).where(where[table.name]).values(values))
            )
    cases = db.metadata.tables["cases"]
    db.session.execute(
        sa.update(cases).where(cases.c.id == case.id).values({cases.c.anonymised_at: now})
    )
    audit.record(
        actor,
        "case.anonymised",
        case,
        now=now,
        detail={"reference": case.reference, "rows": rows},
    )
    db.session.expire_all()
    return {"rows": rows}


def delete_case(case: Case, *, now: datetime, actor: User | None = None) -> dict[str, int]:
    """Delete the case and every row under it, children before parents. The audit trail is
    kept: it names the case by id and reference only."""
    db.session.flush()
    case_id, reference, marac_id = case.id, case.reference, case.marac_id
    where = reach([case_id])
    for table_name, column_name in sorted(DETACHED):
        table = db.metadata.tables[table_name]
        column = table.c[column_name]
        parent = next(iter(column.foreign_keys)).column
        if parent.table.name in where:
            db.session.execute(
                sa.update(table)
                .where(column.in_(sa.select(parent).where(where[parent.table.name])))
                .values({column: None})
            )
    counts: dict[str, int] = {}
    # Notifications name a case or referral by reference (no foreign key): theirs lead nowhere.
    referrals = db.metadata.tables["referrals"]
    names = {reference} | {
        f"R-{referral_id:05d}"
        for referral_id in db.session.scalars(sa.select(referrals.c.id).where(where["referrals"]))
    }
    notifications = db.metadata.tables["notifications"]
    told = affected_rows(
        db.session.execute(sa.delete(notifications).where(notifications.c.reference.in_(names)))
    )
    if told:
        counts["notifications"] = told
    for table in reversed(db.metadata.sorted_tables):
        if table.name in where:
            deleted = affected_rows(db.session.execute(sa.delete(table).where(where[table.name])))
            if deleted:
                counts[table.name] = deleted
    db.session.expunge(case)
    audit.record(
        actor,
        "case.deleted",
        None,
        marac_id=marac_id,
        now=now,
        detail={"reference": reference, "case_id": case_id, "rows": sum(counts.values())},
    )
    db.session.expire_all()
    return counts
