"""The migrations build the schema the models describe, on SQLite and on PostgreSQL."""

import secrets

import pytest
import sqlalchemy as sa

from conference import create_app
from conference.extensions import db
from tests.conftest import _server_url


@pytest.fixture
def empty_database_url(tmp_path):
    server = _server_url()
    if server is None:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"conference_migrations_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_upgrade_matches_the_models_and_downgrades_cleanly(empty_database_url):
    app = create_app(
        "testing", {"SQLALCHEMY_DATABASE_URI": empty_database_url, "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    upgrade = runner.invoke(args=["db", "upgrade"])
    assert upgrade.exit_code == 0, upgrade.output
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output

    with app.app_context():
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"users", "audit_events", "web_sessions", "job_runs"} <= tables
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (at, verb, origin, detail) "
                    "VALUES (CURRENT_TIMESTAMP, 'test.event', 'test', '{}')"
                )
            )
        for statement in ("DELETE FROM audit_events", "UPDATE audit_events SET verb = 'x'"):
            with db.engine.connect() as conn, pytest.raises(sa.exc.DatabaseError):
                conn.exec_driver_sql(statement)
        db.engine.dispose()

        # The check is able to fail: drift the schema and it notices.
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_job_runs_job")
        db.engine.dispose()
    assert runner.invoke(args=["db", "check"]).exit_code != 0
    with app.app_context(), db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_job_runs_job ON job_runs (job)")

    downgrade = runner.invoke(args=["db", "downgrade", "base"])
    assert downgrade.exit_code == 0, downgrade.output
    with app.app_context():
        db.engine.dispose()
