"""Retention: the nightly job on a moving clock, legal holds, anonymising every table of a
case (no personal value left in any text column of any table), past data returns that stay
the same, and deletion that keeps the audit trail."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from conference.accounts.models import Marac, RetentionAction, User
from conference.audit.models import AuditEvent
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.demo.seed import DEMO_DOMAIN
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.meetings.models import Revision
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, Child, Perpetrator, Referral
from conference.reports.figures import data_return
from conference.reports.periods import quarter_of
from conference.retention import services
from conference.retention.models import LegalHold
from tests.conftest import sign_in
from tests.factories import accepted_case, coordinator_of, held_meeting_world, make_marac

MARKER = "Zorabel Quillfeather"
BORN = date(1983, 7, 19)


def _close(case: Case, at: datetime) -> None:
    case.status, case.closed_at = CaseStatus.CLOSED, at
    db.session.flush()


# The job on a moving clock ---------------------------------------------------------------------


def test_the_job_on_a_moving_clock_takes_exactly_the_cases_due_and_spares_the_held(app):
    marac = make_marac()
    coordinator = coordinator_of(marac)
    closed = datetime(2019, 3, 10, 9, 0, tzinfo=UTC)
    first, second, held, still_open = (
        accepted_case(marac, given_name=name) for name in ("Ann", "Bea", "Cat", "Dot")
    )
    _close(first, closed)
    _close(second, closed + timedelta(days=10))
    _close(held, closed)
    hold = services.place_hold(coordinator, held, "Civil claim still open", now=closed)
    db.session.commit()
    due = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # six years on, the default

    def run(now: datetime) -> dict[str, int]:
        counts = services.apply_retention(now)
        db.session.commit()
        return counts

    def anonymised() -> set[int]:
        return set(db.session.scalars(sa.select(Case.id).where(Case.anonymised_at.is_not(None))))

    assert run(due - timedelta(minutes=1)) == {"anonymised": 0, "deleted": 0, "held": 0}
    review = services.reviewable(due - timedelta(days=1), [marac.id])
    assert [d.case.id for d in review] == [first.id, held.id, second.id]
    assert review[1].hold is not None and review[1].hold.id == hold.id

    assert run(due) == {"anonymised": 1, "deleted": 0, "held": 1}
    assert anonymised() == {first.id}
    assert run(due + timedelta(days=9)) == {"anonymised": 0, "deleted": 0, "held": 1}
    assert run(due + timedelta(days=10)) == {"anonymised": 1, "deleted": 0, "held": 1}
    assert anonymised() == {first.id, second.id}
    # Safe to run again.
    assert run(due + timedelta(days=10)) == {"anonymised": 0, "deleted": 0, "held": 1}

    services.lift_hold(
        coordinator, hold, "Claim settled", seen_version=hold.version, now=due + timedelta(days=11)
    )
    db.session.commit()
    assert run(due + timedelta(days=12)) == {"anonymised": 1, "deleted": 0, "held": 0}
    assert anonymised() == {first.id, second.id, held.id}
    assert still_open.id not in anonymised()
    assert services.reviewable(due + timedelta(days=12), [marac.id]) == []


def test_each_marac_sets_its_years(app):
    marac = make_marac(retention_years=2)
    case = accepted_case(marac)
    _close(case, datetime(2020, 2, 29, 12, 0, tzinfo=UTC))
    db.session.commit()
    # 29 February two years on is 28 February.
    assert services.due_at(case, 2) == datetime(2022, 2, 28, 12, 0, tzinfo=UTC)
    assert services.apply_retention(datetime(2022, 2, 28, 11, 0, tzinfo=UTC))["anonymised"] == 0
    assert services.apply_retention(datetime(2022, 2, 28, 12, 0, tzinfo=UTC))["anonymised"] == 1


def test_a_hold_needs_a_reason_and_a_second_hold_or_a_stale_lift_is_a_conflict(app):
    marac = make_marac()
    coordinator = coordinator_of(marac)
    case = accepted_case(marac)
    _close(case, utcnow() - timedelta(days=10))
    with pytest.raises(ValidationFailed):
        services.place_hold(coordinator, case, "   ", now=utcnow())
    hold = services.place_hold(coordinator, case, "Serious case review", now=utcnow())
    with pytest.raises(services.HoldConflict) as placed:
        services.place_hold(coordinator, case, "Another reason", now=utcnow())
    assert placed.value.hold is hold
    with pytest.raises(services.HoldConflict):
        services.lift_hold(coordinator, hold, "Done", seen_version=hold.version + 1, now=utcnow())
    services.lift_hold(coordinator, hold, "Review over", seen_version=hold.version, now=utcnow())
    with pytest.raises(services.HoldConflict):
        services.lift_hold(coordinator, hold, "Again", seen_version=hold.version, now=utcnow())
    verbs = db.session.scalars(
        sa.select(AuditEvent.verb).where(AuditEvent.verb.like("case.legal_hold%"))
    ).all()
    assert sorted(verbs) == ["case.legal_hold_lifted", "case.legal_hold_placed"]


# Every table of the case -----------------------------------------------------------------------


def _text_columns() -> list[tuple[sa.Table, sa.Column[Any]]]:
    return [
        (table, column)
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, sa.String | sa.Text | sa.JSON)
    ]


def _holding(value: str) -> list[str]:
    """Every table.column (of every table) whose text holds value, compared case-blind."""
    found = []
    for table, column in _text_columns():
        text = sa.cast(column, sa.Text) if isinstance(column.type, sa.JSON) else column
        hits = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(table)
            .where(sa.func.lower(text).contains(value.lower()))
        )
        if hits:
            found.append(f"{table.name}.{column.name}")
    return found


def _richest_case() -> Case:
    """The demo case with revisions of its console record: the most tables hold its rows."""
    item = db.session.scalars(
        sa.select(AgendaItem)
        .join(Revision, Revision.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.case_id.is_not(None))
        .order_by(AgendaItem.id)
    ).first()
    assert item is not None and item.case_id is not None
    return db.session.get_one(Case, item.case_id)


def _mark_every_row(case: Case) -> set[str]:
    """Write the marker into every free-text column of every row of the case, and a date of
    birth into each; return the tables that hold rows of it."""
    where = services.reach([case.id])
    populated = set()
    for table in db.metadata.sorted_tables:
        if table.name not in where:
            continue
        count = db.session.scalar(
            sa.select(sa.func.count()).select_from(table).where(where[table.name])
        )
        if not count:
            continue
        populated.add(table.name)
        values: dict[Any, Any] = {}
        for column in table.columns:
            if (table.name, column.name) in services.KEPT or column.primary_key:
                continue
            if isinstance(column.type, sa.JSON):
                values[column] = {"typed": [MARKER]}
            elif isinstance(column.type, sa.String | sa.Text) and not isinstance(
                column.type, sa.Enum
            ):
                # Only where there is text already: the checks tie some to others.
                values[column] = sa.case(
                    (sa.or_(column.is_(None), column == ""), column),
                    else_=sa.literal(MARKER[: column.type.length or None]),
                )
        if values:
            db.session.execute(sa.update(table).where(where[table.name]).values(values))
    for model, columns in (
        (Referral, ("victim_dob", "victim_born_from", "victim_born_to")),
        (Perpetrator, ("dob", "born_from", "born_to")),
        (Child, ("dob",)),
    ):
        table = model.__table__
        if table.name in where:
            db.session.execute(
                sa.update(table)
                .where(where[table.name])
                .values({table.c[column]: BORN for column in columns})
            )
    db.session.commit()
    return populated


def test_anonymising_leaves_no_personal_value_in_any_column_of_any_table(demo):
    case = _richest_case()
    reference = case.reference
    populated = _mark_every_row(case)
    # The rows of the case reach across the app: all of these hold some of them.
    assert {
        "referrals",
        "referral_perpetrators",
        "agenda_items",
        "discussions",
        "actions",
        "revisions",
    } <= populated
    assert _holding(MARKER)
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))
    closed_at = utcnow() - timedelta(days=7 * 366)
    case.status, case.closed_at = CaseStatus.CLOSED, closed_at
    db.session.commit()

    counts = services.apply_retention(utcnow())
    db.session.commit()

    assert counts["anonymised"] >= 1
    assert _holding(MARKER) == []
    case = db.session.get_one(Case, case.id)
    assert case.anonymised_at is not None and case.reference == reference
    referrals = db.session.scalars(sa.select(Referral).where(Referral.case_id == case.id)).all()
    born = (
        [r.victim_dob for r in referrals]
        + [d for r in referrals for d in (r.victim_born_from, r.victim_born_to)]
        + [d for r in referrals for p in r.perpetrators for d in (p.dob, p.born_from, p.born_to)]
        + [c.dob for r in referrals for c in r.children]
    )
    assert BORN not in born
    assert all(day is None or (day.month, day.day) == (1, 1) for day in born)
    assert not db.session.scalars(
        sa.select(Revision).join(AgendaItem).where(AgendaItem.case_id == case.id)
    ).all()
    # Audited by reference, with nothing personal; the trail before it untouched.
    event = db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.verb == "case.anonymised", AuditEvent.object_id == case.id
        )
    ).one()
    assert event.detail["reference"] == reference
    assert MARKER.lower() not in str(event.detail).lower()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) > before


def test_every_text_column_of_a_case_s_tables_is_anonymised_or_kept_for_a_reason(app):
    """A table added later that holds case rows is anonymised unless KEPT names it: this
    lists what anonymising keeps, so a new column kept by mistake is seen here."""
    where = services.reach([1])
    assert "audit_events" not in where
    kept = {
        f"{table}.{column}"
        for (table, column) in services.KEPT
        if table in where and column in db.metadata.tables[table].c
    }
    assert kept == {f"{t}.{c}" for t, c in services.KEPT}
    assert {"revisions", "minutes_revisions", "identity_lookups", "legal_holds"} <= set(where)


def test_a_past_data_return_gives_the_same_figures_after_anonymising(demo):
    marac = db.session.scalars(sa.select(Marac).where(Marac.code == "NB")).one()
    today = utcnow().date()
    quarter = quarter_of(quarter_of(today).start - timedelta(days=100))
    start, after = quarter.utc_bounds(marac.timezone)
    case_ids = set(
        db.session.scalars(
            sa.select(AgendaItem.case_id)
            .join(Conference, Conference.id == AgendaItem.conference_id)
            .where(
                Conference.marac_id == marac.id,
                Conference.starts_at >= start,
                Conference.starts_at < after,
                AgendaItem.case_id.is_not(None),
            )
        )
    )
    assert case_ids

    def figures() -> list[Any]:
        found = data_return(marac, quarter, today)
        return [found.cases, found.repeats, found.conferences_held, found.per_10000] + [
            (table.key, table.rows) for table in found.tables
        ]

    before = figures()
    for case_id in sorted(case_ids):
        services.anonymise_case(db.session.get_one(Case, case_id), now=utcnow())
    db.session.commit()
    db.session.expire_all()
    assert figures() == before


# Deleting ---------------------------------------------------------------------------------------


def test_deleting_removes_the_case_and_every_row_under_it_and_keeps_the_audit_trail(app):
    world = held_meeting_world()
    world.marac.retention_action = RetentionAction.DELETE
    gone, kept = world.cases[0], world.cases[1]
    _close(gone, datetime(2018, 1, 5, tzinfo=UTC))
    gone_id, reference = gone.id, gone.reference
    held_rows = {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(db.metadata.tables[name]))
        for name in services.reach([kept.id])
    }
    where = services.reach([gone_id])
    had = {
        name
        for name in where
        if db.session.scalar(
            sa.select(sa.func.count()).select_from(db.metadata.tables[name]).where(where[name])
        )
    }
    assert {"cases", "referrals", "agenda_items", "discussions", "actions"} <= had
    events = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    db.session.add(
        Notification(
            recipient_id=world.coordinator.id,
            kind="case.closed",
            key=f"retention-test-{gone_id}",
            reference=reference,
            endpoint="referrals.case",
            endpoint_args={"case_id": gone_id},
        )
    )
    db.session.commit()

    counts = services.apply_retention(utcnow())
    db.session.commit()

    assert counts == {"anonymised": 0, "deleted": 1, "held": 0}
    assert db.session.get(Case, gone_id) is None
    assert not db.session.scalars(
        sa.select(Notification).where(Notification.reference == reference)
    ).all()
    for name in had:
        left = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(db.metadata.tables[name])
            .where(services.reach([gone_id])[name])
        )
        assert left == 0, name
    # The other case keeps every row; the meeting itself stays.
    assert db.session.get(Case, kept.id) is not None
    assert db.session.get(Conference, world.conference.id) is not None
    assert all(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(db.metadata.tables[name])
            .where(services.reach([kept.id])[name])
        )
        for name in ("cases", "referrals", "agenda_items")
    )
    assert held_rows  # counted before
    after = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).all()
    assert after[: len(events)] == events
    deleted = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "case.deleted")
    ).one()
    assert deleted.detail["reference"] == reference and deleted.detail["case_id"] == gone_id


def test_a_held_case_is_not_deleted(app):
    marac = make_marac(retention_action=RetentionAction.DELETE)
    case = accepted_case(marac)
    _close(case, datetime(2010, 1, 1, tzinfo=UTC))
    services.place_hold(coordinator_of(marac), case, "Inquest", now=utcnow())
    db.session.commit()
    assert services.apply_retention(utcnow()) == {"anonymised": 0, "deleted": 0, "held": 1}
    assert db.session.get(Case, case.id) is not None
    assert db.session.scalars(sa.select(LegalHold)).one().case_id == case.id


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_has_a_case_due_soon_one_on_hold_and_one_anonymised(demo):
    now = utcnow()
    review = services.reviewable(now, None)
    soon = [d for d in review if not d.is_due(now)]
    held = [d for d in review if d.hold is not None]
    assert soon and all(d.hold is None for d in soon)
    assert held and all(d.is_due(now) for d in held)
    assert "county court" in held[0].hold.reason
    # Every case past its time is held: the nightly job has nothing to do.
    assert all(d.hold is not None for d in review if d.is_due(now))
    anonymised = db.session.scalars(sa.select(Case).where(Case.anonymised_at.is_not(None))).all()
    assert len(anonymised) == 1
    names = db.session.scalars(
        sa.select(Referral.victim_given_name).where(Referral.case_id == anonymised[0].id)
    ).all()
    assert names == ["Anonymised"]
    assert _holding("Threlkeld") == []
    assert services.apply_retention(now) == {"anonymised": 0, "deleted": 0, "held": len(held)}


def test_the_pages_of_an_anonymised_case_show_it_without_a_personal_detail(demo, app):
    case = db.session.scalars(sa.select(Case).where(Case.anonymised_at.is_not(None))).one()
    referral = db.session.scalars(sa.select(Referral).where(Referral.case_id == case.id)).first()
    coordinator = db.session.scalars(
        sa.select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}")
    ).one()
    client = sign_in(app.test_client(), coordinator)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200
    assert "Anonymised" in page.text and "retention rule" in page.text
    assert "Threlkeld" not in page.text and "Margery" not in page.text
    shown = client.get(f"/referrals/{referral.id}")
    assert shown.status_code == 200
    assert "Threlkeld" not in shown.text and "Margery" not in shown.text


def test_a_hold_placed_at_the_same_moment_as_another_is_a_conflict_not_an_error(app, monkeypatch):
    marac = make_marac()
    coordinator = coordinator_of(marac)
    case = accepted_case(marac)
    _close(case, utcnow() - timedelta(days=10))
    db.session.add(LegalHold(case_id=case.id, placed_by_id=coordinator.id, reason="First"))
    db.session.flush()
    # Their hold went in after ours checked for one: the database refuses the second.
    monkeypatch.setattr(services, "standing_hold", lambda case_id: None)
    with pytest.raises(services.HoldConflict):
        services.place_hold(coordinator, case, "Second", now=utcnow())
    assert [h.reason for h in db.session.scalars(sa.select(LegalHold))] == ["First"]
