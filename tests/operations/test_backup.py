"""Backups restore into an empty database whole: the app boots on it and the audit trail,
with its triggers, is there as it was."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference import audit
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.operations import commands
from tests import factories
from tests.operations.conftest import migrate_to_head


def _audit_rows() -> list[tuple]:
    return [
        tuple(row)
        for row in db.session.execute(
            sa.select(AuditEvent.id, AuditEvent.verb, AuditEvent.at).order_by(AuditEvent.id)
        )
    ]


def test_a_backup_restores_into_a_new_database_with_its_audit_trail_intact(
    fresh_database, app_on, tmp_path
):
    original = app_on(fresh_database())
    migrate_to_head(original)
    with original.app_context():
        user = factories.make_user("advocate")
        for n in range(3):
            audit.record(user, "case.viewed", user, detail={"n": n}, now=utcnow())
        db.session.commit()
        before = _audit_rows()
    backup = tmp_path / "backups" / "conference.backup"

    made = original.test_cli_runner().invoke(args=["backup", "create", str(backup)])

    assert made.exit_code == 0, made.output
    assert backup.is_file() and (backup.stat().st_mode & 0o077) == 0  # owner-only
    assert "3 audit events" in made.output  # (the user's own creation may add more)

    restored = app_on(fresh_database())
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(backup)])

    assert result.exit_code == 0, result.output
    assert "the audit trail and its triggers are intact" in result.output
    with restored.app_context():
        assert _audit_rows() == before
        with (
            pytest.raises(sa.exc.DBAPIError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text("DELETE FROM audit_events"))
    health = restored.test_client().get("/healthz")
    assert health.status_code == 200, health.json
    assert health.json["migrations"] == "at_head"


def test_restoring_over_a_database_that_holds_tables_is_refused(fresh_database, app_on, tmp_path):
    original = app_on(fresh_database())
    migrate_to_head(original)
    backup = tmp_path / "conference.backup"
    assert original.test_cli_runner().invoke(args=["backup", "create", str(backup)]).exit_code == 0

    result = original.test_cli_runner().invoke(args=["backup", "restore", str(backup)])

    assert result.exit_code != 0
    assert "restore into an empty database" in result.output


def test_a_backup_never_overwrites_a_file(fresh_database, app_on, tmp_path):
    app = app_on(fresh_database())
    migrate_to_head(app)
    backup = tmp_path / "conference.backup"
    backup.write_text("an earlier backup")

    result = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])

    assert result.exit_code != 0
    assert "exists already" in result.output
    assert backup.read_text() == "an earlier backup"


def test_a_restore_that_lost_the_audit_triggers_is_reported(
    fresh_database, app_on, tmp_path, monkeypatch
):
    original = app_on(fresh_database())
    migrate_to_head(original)
    backup = tmp_path / "conference.backup"
    assert original.test_cli_runner().invoke(args=["backup", "create", str(backup)]).exit_code == 0
    restored = app_on(fresh_database())
    real_restore = commands.restore_backup

    def restore_then_drop_a_trigger(engine, source):
        manifest = real_restore(engine, source)
        with engine.begin() as conn:
            name = (
                "audit_events_no_change"
                if engine.dialect.name == "postgresql"
                else ("audit_events_no_delete")
            )
            on = " ON audit_events" if engine.dialect.name == "postgresql" else ""
            conn.exec_driver_sql(f"DROP TRIGGER {name}{on}")
        return manifest

    monkeypatch.setattr(commands, "restore_backup", restore_then_drop_a_trigger)
    result = restored.test_cli_runner().invoke(args=["backup", "restore", str(backup)])

    assert result.exit_code != 0
    assert "lacks its trigger" in result.output
