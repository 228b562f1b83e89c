"""Backups of the database, restored into an empty one and checked there.

PostgreSQL: pg_dump's custom format (every table, sequence, function and trigger), restored
with pg_restore. SQLite: a consistent copy made with SQLite's own backup interface, safe while
the app runs. A manifest beside each backup records what it should hold, so a restore can
prove the audit trail came back whole and still refuses to be changed.

The secrets (SECRET_KEY, the two-step verification key, mail credentials) are not in the
database and not in these files: they are backed up separately (see docs/operations.md).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from conference.audit.models import AuditEvent, append_only_trigger_names


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message says why, for the operator."""


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What a backup holds, written beside it as JSON (no personal data: counts and ids)."""

    dialect: str
    made_at: str
    revision: str | None
    audit_events: int
    last_audit_event_id: int | None

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as error:
            raise BackupError(f"the manifest {path.name} cannot be read: {error}") from error

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + ".manifest.json")


def describe(engine: sa.Engine, made_at: datetime) -> Manifest:
    with engine.connect() as connection:
        count, last = connection.execute(
            sa.select(sa.func.count(AuditEvent.id), sa.func.max(AuditEvent.id))
        ).one()
        revision = _revision(connection)
    return Manifest(engine.dialect.name, made_at.isoformat(), revision, count, last)


def _revision(connection: sa.Connection) -> str | None:
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))


def create_backup(engine: sa.Engine, destination: Path, made_at: datetime) -> Manifest:
    """Write a backup of the database to destination, and its manifest beside it."""
    if destination.exists():
        raise BackupError(f"{destination} exists already; choose a new file name")
    destination.parent.mkdir(parents=True, exist_ok=True)
    manifest = describe(engine, made_at)
    if engine.dialect.name == "postgresql":
        _run(["pg_dump", "--format=custom", f"--file={destination}"], engine.url)
    else:
        source = sqlite3.connect(_sqlite_path(engine))
        target = sqlite3.connect(destination)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
    os.chmod(destination, 0o600)  # it holds case data: readable by its owner alone
    manifest.write(manifest_path(destination))
    return manifest


def restore_backup(engine: sa.Engine, source: Path) -> Manifest:
    """Restore a backup into this engine's database, which must be empty. Returns the
    manifest the restored database was checked against (see check_restored)."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    manifest = Manifest.read(manifest_path(source))
    if manifest.dialect != engine.dialect.name:
        raise BackupError(
            f"this is a {manifest.dialect} backup; it cannot be restored into {engine.dialect.name}"
        )
    with engine.connect() as connection:
        tables = sa.inspect(connection).get_table_names()
    if tables:
        raise BackupError(
            f"the database to restore into already has {len(tables)} table(s); restore into an "
            "empty database so nothing is mixed or overwritten"
        )
    if engine.dialect.name == "postgresql":
        # Objects become the restoring (owner) role's; the app role is granted afterwards.
        _run(
            ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", str(source)],
            engine.url,
            database_flag="--dbname",
        )
    else:
        engine.dispose()
        shutil.copyfile(source, _sqlite_path(engine))
        os.chmod(_sqlite_path(engine), 0o600)
    return manifest


def check_restored(engine: sa.Engine, manifest: Manifest) -> list[str]:
    """What is wrong with a restored database, compared with its manifest; empty when whole."""
    found = describe(engine, datetime.fromisoformat(manifest.made_at))
    problems = []
    if found.revision != manifest.revision:
        problems.append(f"migration revision {found.revision}, expected {manifest.revision}")
    if (found.audit_events, found.last_audit_event_id) != (
        manifest.audit_events,
        manifest.last_audit_event_id,
    ):
        problems.append(
            f"{found.audit_events} audit events up to id {found.last_audit_event_id}, expected "
            f"{manifest.audit_events} up to id {manifest.last_audit_event_id}"
        )
    missing = sorted(set(append_only_trigger_names(engine.dialect.name)) - _triggers(engine))
    if missing:
        problems.append(f"the audit trail lacks its trigger(s) {', '.join(missing)}")
    return problems


def _triggers(engine: sa.Engine) -> set[str]:
    """The enabled triggers on the audit table."""
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                sa.text(
                    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_events'::regclass "
                    "AND tgenabled <> 'D'"
                )
            )
        else:
            rows = connection.execute(
                sa.text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_events'"
                )
            )
        return {name for (name,) in rows}


def _sqlite_path(engine: sa.Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _run(command: list[str], url: sa.URL, database_flag: str = "--dbname") -> None:
    """Run a PostgreSQL client tool against url; the password goes through the environment,
    never the command line (which other users of the machine can read)."""
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    result = subprocess.run(
        [*command, f"{database_flag}={libpq}"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")
