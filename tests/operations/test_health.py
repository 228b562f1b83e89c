"""/healthz: what a load balancer asks; open to anyone and telling nothing about cases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from conference import create_app
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.operations.health import _known_revisions, migration_heads
from conference.scheduler.liveness import record_heartbeat


@pytest.fixture
def stamped(app) -> Iterator[Callable[..., None]]:
    """Stamp the test database (built from the models) with Alembic revisions."""

    def stamp(*revisions: str) -> None:
        db.session.execute(sa.text("DELETE FROM alembic_version"))
        for revision in revisions:
            db.session.execute(
                sa.text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": revision}
            )
        db.session.commit()

    db.session.execute(sa.text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
    db.session.commit()
    try:
        yield stamp
    finally:
        db.session.rollback()
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()


def _heads(app) -> list[str]:
    return sorted(migration_heads(app.extensions["migrations_directory"]))


def test_a_node_migrated_to_head_is_healthy_and_says_no_scheduler_ran_yet(client, app, stamped):
    stamped(*_heads(app))

    resp = client.get("/healthz")

    assert resp.status_code == 200
    assert resp.json == {
        "status": "ok",
        "database": "ok",
        "migrations": "at_head",
        "scheduler": "never_started",
        "scheduler_heartbeat_age_seconds": None,
    }
    assert resp.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in resp.headers  # no session for a load balancer


def test_a_database_behind_the_code_is_unavailable(client, app, stamped):
    [head] = _heads(app)
    older = ScriptDirectory(app.extensions["migrations_directory"]).get_revision(head).down_revision
    stamped(older)

    resp = client.get("/healthz")

    assert resp.status_code == 503
    assert resp.json["status"] == "unavailable"
    assert resp.json["migrations"] == "behind"


def test_a_database_never_migrated_or_from_other_code_is_unavailable(client, stamped):
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json["migrations"] == "unknown"

    stamped("0123456789ab")  # a revision this code does not know: newer code migrated it
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json["migrations"] == "ahead_or_unknown"


def test_the_scheduler_heartbeat_age_is_reported_but_does_not_fail_the_web_node(
    client, app, stamped
):
    stamped(*_heads(app))
    record_heartbeat(utcnow() - timedelta(hours=1), now=utcnow() - timedelta(seconds=30))

    resp = client.get("/healthz")
    assert resp.json["scheduler"] == "running"
    assert 30 <= resp.json["scheduler_heartbeat_age_seconds"] < 90

    record_heartbeat(utcnow() - timedelta(hours=1), now=utcnow() - timedelta(minutes=5))
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json["scheduler"] == "stale"
    assert resp.json["scheduler_heartbeat_age_seconds"] >= 300


def test_asking_leaves_no_trace_in_the_audit_trail(client, app, stamped):
    stamped(*_heads(app))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))

    client.get("/healthz")

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == before


def test_an_unreachable_database_answers_503_not_an_error_page(tmp_path, caplog):
    missing = tmp_path / "no-such-directory" / "conference.db"
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}", "SECRET_KEY": "x"}
    )

    resp = app.test_client().get("/healthz")

    assert resp.status_code == 503
    assert resp.json == {
        "status": "unavailable",
        "database": "unreachable",
        "migrations": "unknown",
        "scheduler": "unknown",
        "scheduler_heartbeat_age_seconds": None,
    }


def test_the_heads_read_from_the_scripts_are_alembics(app):
    """The health check reads the migration scripts itself (a web worker carries no Alembic):
    it finds the same heads and the same revisions as Alembic does."""
    scripts = ScriptDirectory(app.extensions["migrations_directory"])
    assert migration_heads(app.extensions["migrations_directory"]) == set(scripts.get_heads())
    assert _known_revisions(app.extensions["migrations_directory"]) == {
        script.revision for script in scripts.walk_revisions()
    }
