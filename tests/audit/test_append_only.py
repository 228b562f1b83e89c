"""Audit events can be added, never changed or removed: not by the ORM, SQL, or any route."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from conference import audit
from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def event(app) -> AuditEvent:
    user = factories.make_user("advocate")
    stored = audit.record(user, "case.viewed", user, detail={"n": 1}, now=AT)
    db.session.commit()
    return stored


def stored_rows() -> list[tuple]:
    """What the database holds, read past the session's identity map."""
    with db.engine.connect() as conn:
        return [
            tuple(row)
            for row in conn.execute(
                sa.select(AuditEvent.id, AuditEvent.verb, AuditEvent.at).order_by(AuditEvent.id)
            )
        ]


def test_changing_an_event_through_the_orm_is_refused(event):
    before = stored_rows()
    event.verb = "case.tampered"

    with pytest.raises(PermissionError, match="append-only"):
        db.session.commit()
    db.session.rollback()

    assert stored_rows() == before
    assert db.session.get(AuditEvent, event.id).verb == "case.viewed"


def test_deleting_an_event_through_the_orm_is_refused(event):
    before = stored_rows()
    db.session.delete(event)

    with pytest.raises(PermissionError, match="append-only"):
        db.session.flush()
    db.session.rollback()

    assert stored_rows() == before


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(verb="case.tampered"),
        sa.delete(AuditEvent),
    ],
    ids=["bulk-update", "bulk-delete"],
)
def test_orm_bulk_statements_are_refused_by_the_database(event, statement):
    before = stored_rows()

    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(statement.execution_options(synchronize_session=False))
    db.session.rollback()

    assert stored_rows() == before


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_events SET verb = 'case.tampered'",
        "UPDATE audit_events SET user_id = NULL, ip = '198.51.100.1'",
        "DELETE FROM audit_events",
        "DELETE FROM audit_events WHERE verb = 'case.viewed'",
    ],
)
def test_raw_sql_changes_are_refused_by_the_database(event, sql):
    before = stored_rows()

    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text(sql))
    db.session.rollback()

    assert stored_rows() == before


def test_new_events_can_still_be_added_after_a_refused_change(event):
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM audit_events"))
    db.session.rollback()

    audit.record(None, "auth.login_failed", now=AT)
    db.session.commit()

    assert [verb for _, verb, _ in stored_rows()] == ["case.viewed", "auth.login_failed"]


def test_no_route_can_change_audit_events(app):
    audit_rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/audit")]

    assert audit_rules, "the audit viewer should be registered"
    for rule in audit_rules:
        assert not rule.methods & {"POST", "PUT", "PATCH", "DELETE"}, rule.rule


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writing_to_the_audit_log_url_is_not_allowed(client_as, method):
    resp = client_as("admin").open("/audit/", method=method)

    assert resp.status_code == 405
