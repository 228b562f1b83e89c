"""The test database: the schema built once per run, emptied or restored for every test.

Building the schema, and the shared "worlds" the tests stand on, costs far more than any test:
so each is built once per run (once per xdist worker) and copied back for every test.

- SQLite: the schema lives in a template file; each test starts from a copy of it, and a
  snapshot is a copy of the file.
- PostgreSQL: each test starts from a `DELETE` of every table (triggers off, so the audit
  table's append-only rule does not stand in the way) with the id sequences restarted; a
  snapshot is every table's rows and sequences, inserted again to restore it.

A world is kept as the ids of the records it holds, and loaded afresh in each test's session.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import object_mapper
from sqlalchemy.orm.exc import UnmappedInstanceError

from conference.db import utcnow
from conference.extensions import db

LONDON = ZoneInfo("Europe/London")
#: Statements that leave the database as it was; anything else marks it changed.
READ_ONLY = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SHOW")


@dataclasses.dataclass(frozen=True)
class Ref:
    """A record of a world, by its class and primary key."""

    model: type
    key: tuple


#: Values a world may hold as they are.
SCALARS = (str, int, float, bool, date, datetime, time, timedelta, Decimal, Enum, Ref)


class TestDatabase(ABC):
    """One database for a run's tests: reset to empty, snapshot and restore."""

    __test__ = False  # not a test class, whatever its name

    def __init__(self) -> None:
        self.changed = True
        self._worlds: dict[tuple, tuple[Any, Any]] = {}

    # Set-up, once per run -----------------------------------------------------------------

    def watch(self, engine: sa.Engine) -> None:
        """Note any statement that may change the data, so a world is never restored over it."""

        @sa.event.listens_for(engine, "before_cursor_execute")
        def note(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(READ_ONLY):
                self.changed = True

    def build_schema(self) -> None:
        db.create_all()
        db.session.remove()

    # Per test -----------------------------------------------------------------------------

    @abstractmethod
    def reset(self) -> None:
        """Empty every table."""

    @abstractmethod
    def snapshot(self) -> Any:
        """Everything the database holds now, to restore later."""

    @abstractmethod
    def restore(self, snapshot: Any) -> None:
        """Make the database hold what it held when snapshot was taken."""

    def world(self, key: str, build: Callable[[], Any]) -> Any:
        """The world build() makes, built once per run and day, restored for each later test.

        A test that has already written to its database gets a world built afresh on top of
        what it wrote, as it would without the cache.
        """
        if self.changed:
            return _loaded(_frozen(build_and_commit(build)))
        now = utcnow()
        cache_key = (key, now.date(), now.astimezone(LONDON).date())
        if cache_key not in self._worlds:
            frozen = _frozen(build_and_commit(build))
            self._worlds[cache_key] = (self.snapshot(), frozen)
        else:
            snapshot, frozen = self._worlds[cache_key]
            self.restore(snapshot)
        return _loaded(self._worlds[cache_key][1])


def _loaded(frozen: Any) -> Any:
    """The world's records loaded, then committed: as build() leaves them, so a test finds
    them as it would have without the cache (expired, reloaded on first use)."""
    world = _reloaded(frozen)
    db.session.commit()
    return world


def build_and_commit(build: Callable[[], Any]) -> Any:
    world = build()
    db.session.commit()
    return world


class SqliteDatabase(TestDatabase):
    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        self.path = folder / "test.db"
        self.template = folder / "template.db"
        self._snapshots = 0

    @property
    def url(self) -> str:
        return f"sqlite:///{self.path}"

    def build_schema(self) -> None:
        super().build_schema()
        self._copy_out(self.template)

    def reset(self) -> None:
        self._copy_in(self.template)

    def snapshot(self) -> Path:
        self._snapshots += 1
        target = self.folder / f"snapshot-{self._snapshots}.db"
        self._copy_out(target)
        return target

    def restore(self, snapshot: Path) -> None:
        self._copy_in(snapshot)

    def _copy_out(self, target: Path) -> None:
        """Copy the live database, committed pages and write-ahead log alike, to target."""
        db.session.remove()
        with sqlite3.connect(self.path) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        source.close()
        copy.close()

    def _copy_in(self, source: Path) -> None:
        """Make source the live database: close every pooled connection, then swap the file.

        Swapping by rename leaves any connection still open on the old file, never on a mix.
        """
        db.session.remove()
        db.engine.dispose()
        staging = self.folder / "staging.db"
        shutil.copyfile(source, staging)
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        os.replace(staging, self.path)
        self.changed = False


class PostgresDatabase(TestDatabase):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self._sequences: list[str] = []

    def build_schema(self) -> None:
        super().build_schema()
        with db.engine.connect() as conn:
            self._sequences = list(
                conn.scalars(
                    sa.text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                )
            )

    def reset(self) -> None:
        db.session.remove()
        restart = ", ".join(f"setval('{name}', 1, false)" for name in self._sequences)
        with db.engine.begin() as conn:
            self._empty(conn, f"SELECT {restart}" if restart else "")
        self.changed = False

    def _empty(self, conn: sa.Connection, then: str = "") -> None:
        """Delete every row, in one round trip: per-table statements cost more than a test.

        Replica mode skips triggers: foreign keys in any order, and the audit table's rule.
        """
        statements = ["SET LOCAL session_replication_role = replica"]
        statements += [
            f'DELETE FROM "{table.name}"' for table in reversed(db.metadata.sorted_tables)
        ]
        conn.exec_driver_sql("; ".join([*statements, then] if then else statements))

    def snapshot(self) -> tuple[dict, dict]:
        db.session.remove()
        with db.engine.connect() as conn:
            rows = {
                table.name: [dict(r) for r in conn.execute(sa.select(table)).mappings()]
                for table in db.metadata.sorted_tables
            }
            sequences = {
                name: tuple(
                    conn.execute(sa.text(f'SELECT last_value, is_called FROM "{name}"')).one()
                )
                for name in self._sequences
            }
        return rows, sequences

    def restore(self, snapshot: tuple[dict, dict]) -> None:
        rows, sequences = snapshot
        db.session.remove()
        with db.engine.begin() as conn:
            self._empty(conn)
            for table in db.metadata.sorted_tables:
                if rows[table.name]:
                    conn.execute(table.insert(), rows[table.name])
            if sequences:
                conn.exec_driver_sql(
                    "SELECT "
                    + ", ".join(
                        f"setval('{name}', {int(value)}, {'true' if called else 'false'})"
                        for name, (value, called) in sequences.items()
                    )
                )
        self.changed = False


# Worlds: kept as references, loaded afresh ---------------------------------------------------


def _frozen(value: Any) -> Any:
    """The value with every mapped record replaced by a Ref."""
    try:
        mapper = object_mapper(value)
    except UnmappedInstanceError:
        pass
    else:
        return Ref(mapper.class_, mapper.primary_key_from_instance(value))
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: _frozen(v) for k, v in vars(value).items()})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _frozen(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    if isinstance(value, dict):
        return {k: _frozen(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_frozen(v) for v in value)
    if value is None or isinstance(value, SCALARS):
        return value
    raise TypeError(f"a cached world cannot hold {type(value).__name__}")


def _reloaded(value: Any) -> Any:
    """The frozen value with every Ref loaded in the current session."""
    if isinstance(value, Ref):
        return db.session.get(value.model, value.key)
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: _reloaded(v) for k, v in vars(value).items()})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{f.name: _reloaded(getattr(value, f.name)) for f in dataclasses.fields(value)}
        )
    if isinstance(value, dict):
        return {k: _reloaded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_reloaded(v) for v in value)
    return value
