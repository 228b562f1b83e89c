"""The lock that keeps a second scheduler process from starting."""

from __future__ import annotations

import fcntl
import zlib
from pathlib import Path
from typing import IO

import sqlalchemy as sa

SCHEDULER_LOCK_KEY = zlib.crc32(b"conference-scheduler")


class SchedulerLock:
    """Held for the life of the scheduler process; released when it exits, even by kill -9.

    PostgreSQL: a session advisory lock on a dedicated connection. SQLite: an flock on a file
    beside the database (a single host is all SQLite supports anyway).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._connection: sa.Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        if self.engine.dialect.name == "postgresql":
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            held = self._connection.scalar(
                sa.select(sa.func.pg_try_advisory_lock(SCHEDULER_LOCK_KEY))
            )
            if not held:
                self._connection.close()
                self._connection = None
            return bool(held)
        path = Path(self.engine.url.database or "conference.db").with_suffix(".scheduler.lock")
        self._file = path.open("w")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            self._connection.scalar(sa.select(sa.func.pg_advisory_unlock(SCHEDULER_LOCK_KEY)))
            self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
