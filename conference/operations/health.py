"""What a load balancer or a monitor needs to know, and nothing more: no data, no names."""

from __future__ import annotations

import dataclasses
import logging
import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa

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
    graph = _revisions(migrations_directory)
    return frozenset(graph) - {parent for parents in graph.values() for parent in parents}


@cache
def _known_revisions(migrations_directory: str) -> frozenset[str]:
    return frozenset(_revisions(migrations_directory))


REVISION = re.compile(r"^revision\s*=\s*[\"']([^\"']+)[\"']", re.M)
DOWN_REVISION = re.compile(r"^down_revision\s*=\s*(.*)$", re.M)
QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


@cache
def _revisions(migrations_directory: str) -> dict[str, frozenset[str]]:
    """Each revision of the migration scripts with the ones it follows, read from the
    scripts' own lines (`revision = ...`, `down_revision = ...`): Alembic would answer the
    same, but every web worker would then carry it for this one question."""
    graph: dict[str, frozenset[str]] = {}
    for script in sorted(Path(migrations_directory, "versions").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        revision, follows = REVISION.search(text), DOWN_REVISION.search(text)
        if revision is None:
            continue
        graph[revision.group(1)] = frozenset(QUOTED.findall(follows.group(1) if follows else ""))
    return graph
