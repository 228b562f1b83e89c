"""On PostgreSQL the app connects as a role that cannot erase, rewrite or unguard the audit
trail: only the owner role, which runs the migrations, could (and its triggers still refuse).

`.ci/run` creates the two roles and names them in CONFERENCE_TEST_OWNER_ROLE and
CONFERENCE_TEST_APP_ROLE; elsewhere the test makes roles of its own for the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from conference import create_app
from conference.db import utcnow
from conference.extensions import db
from conference.scheduler.liveness import record_heartbeat
from tests.operations.conftest import Server, migrate_to_head


@dataclass(frozen=True)
class Roles:
    owner_url: str
    app_url: str
    app_role: str


@pytest.fixture(scope="module")
def roles(test_database) -> Iterator[Roles]:
    """One database migrated by the owner role, for the whole module (nothing here changes
    it but an audit event added)."""
    if not test_database.url.startswith("postgresql"):
        pytest.skip("SQLite has no roles: it is documented as single-machine only")
    server = Server(test_database.url)
    try:
        owner = os.environ.get("CONFERENCE_TEST_OWNER_ROLE") or server.role("owner")
        app_role = os.environ.get("CONFERENCE_TEST_APP_ROLE") or server.role("app")
        url = server.database(owner=owner)
        owner_url = server.as_role(url, owner)
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": owner_url,
                "SECRET_KEY": "x",
                "APP_DATABASE_ROLE": app_role,
            },
        )
        migrate_to_head(app)
        with app.app_context():
            db.engine.dispose()
        yield Roles(owner_url, server.as_role(url, app_role), app_role)
        with server.engine.connect() as conn:  # let the database be dropped
            conn.exec_driver_sql(
                f'REVOKE ALL ON DATABASE "{sa.make_url(url).database}" FROM {app_role}'
            )
    finally:
        server.drop_all()


def test_the_app_role_works_the_app_and_adds_to_the_audit_trail(roles, app_on):
    app = app_on(roles.app_url)
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT current_user")) == roles.app_role
        db.session.execute(
            sa.text(
                "INSERT INTO audit_events (at, verb, object_type, origin, detail) "
                "VALUES (:at, 'case.viewed', 'case', 'test', '{}')"
            ),
            {"at": utcnow()},
        )
        db.session.commit()
        assert db.session.scalar(sa.text("SELECT count(*) FROM audit_events")) >= 1
        record_heartbeat(utcnow())  # an ordinary table: insert, then update
        record_heartbeat(utcnow())

    health = app.test_client().get("/healthz")
    assert health.status_code == 200, health.json


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_events",
        "DELETE FROM audit_event_cases",
        "UPDATE audit_event_cases SET case_id = 0",
        "UPDATE audit_events SET verb = 'case.tampered'",
        "TRUNCATE audit_events",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
        "DROP TRIGGER audit_events_no_change ON audit_events",
        "DROP TABLE audit_events",
        "DROP FUNCTION audit_events_append_only() CASCADE",
        "UPDATE alembic_version SET version_num = 'x'",
        "CREATE TABLE shadow (id integer)",
    ],
)
def test_the_app_role_cannot_erase_rewrite_or_unguard_the_audit_trail(roles, statement):
    engine = sa.create_engine(roles.app_url)
    try:
        with (
            pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"),
            engine.begin() as conn,
        ):
            conn.exec_driver_sql(statement)
        with engine.connect() as conn:
            guards = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                    "AND tgenabled <> 'D' "
                    "AND tgname IN ('audit_events_no_change', 'audit_events_no_truncate')"
                )
            )
        assert guards == 2  # no change, no truncate: both still there and enabled
    finally:
        engine.dispose()


def test_even_the_owner_cannot_empty_the_audit_trail(roles):
    engine = sa.create_engine(roles.owner_url)
    try:
        for statement in ("TRUNCATE audit_events CASCADE", "DELETE FROM audit_events"):
            with (
                pytest.raises(sa.exc.DBAPIError, match="append-only"),
                engine.begin() as conn,
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO audit_events (at, verb, object_type, origin, detail) "
                        "VALUES (:at, 'case.viewed', 'case', 'test', '{}')"
                    ),
                    {"at": utcnow()},
                )
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()
