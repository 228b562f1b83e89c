"""What a load balancer or a monitor needs to know, and nothing more: no data, no names."""

from __future__ import annotations

import dataclasses
import logging
from functools import cache
from pathlib import Path

import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from conference.extensions import db
from conference.scheduler.liveness import heartbeat_age, scheduler_is_stale

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Health:
    database: str  # "ok" or "unreachable"
    migrations: str  # "at_head", "behind", "ahead_or_unknown" or "unknown"
    scheduler: str  # "running", "stale" or "never_started" (or "unknown" without a database)
    scheduler_heartbeat_age_seconds: int | None

    @property
    def serving(self) -> bool:
        """Whether this node can serve requests. A stopped scheduler does not stop the web
        nodes (it is a separate process, watched through its own field)."""
        return self.database == "ok" and self.migrations == "at_head"

    def as_dict(self) -> dict[str, object]:
        return {"status": "ok" if self.serving else "unavailable", **dataclasses.asdict(self)}


def check_health(migrations_directory: str) -> Health:
    """Ask the database whether it answers, is migrated to head, and has a live scheduler."""
    try:
        revisions = set(
            db.session.scalars(sa.text("SELECT version_num FROM alembic_version")).all()
        )
    except (sa.exc.ProgrammingError, sa.exc.OperationalError):
        db.session.rollback()
        if not _database_answers():
            return Health("unreachable", "unknown", "unknown", None)
        revisions = set()  # reachable, but never migrated
    heads = migration_heads(migrations_directory)
    if revisions == heads:
        migrations = "at_head"
    elif revisions and revisions <= _known_revisions(migrations_directory):
        migrations = "behind"
    else:
        migrations = "unknown" if not revisions else "ahead_or_unknown"
    try:
        age = heartbeat_age()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        age = None
    if age is None:
        scheduler = "never_started"
    else:
        scheduler = "stale" if scheduler_is_stale(age) else "running"
    seconds = None if age is None else max(0, int(age.total_seconds()))
    return Health("ok", migrations, scheduler, seconds)


def _database_answers() -> bool:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("health check: the database does not answer")
        return False
    db.session.rollback()
    return True


@cache
def migration_heads(migrations_directory: str) -> frozenset[str]:
    """The revisions the code expects the database to be at (read once per process)."""
    return frozenset(_scripts(migrations_directory).get_heads())


@cache
def _known_revisions(migrations_directory: str) -> frozenset[str]:
    return frozenset(script.revision for script in _scripts(migrations_directory).walk_revisions())


def _scripts(migrations_directory: str) -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations_directory)))
    return ScriptDirectory.from_config(config)
