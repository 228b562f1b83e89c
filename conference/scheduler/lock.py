"""The lock that lets exactly one scheduler process run the jobs of a database."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import threading
import zlib
from pathlib import Path
from typing import IO

import sqlalchemy as sa

log = logging.getLogger(__name__)

SCHEDULER_LOCK_KEY = zlib.crc32(b"conference-scheduler")
#: How the lock's connection names itself in pg_stat_activity, so an operator can find it.
LOCK_APPLICATION_NAME = "conference-scheduler-lock"
# Both ends notice a vanished peer within about 40 s (20 s idle, then 4 probes 5 s apart): the
# server releases the lock of a holder whose machine died, so a standby takes over within a
# minute; the holder learns its server is gone instead of waiting on a dead socket.
_KEEPALIVES = {"idle": 20, "interval": 5, "count": 4}
_LOCK_CONNECT_ARGS = {
    "application_name": LOCK_APPLICATION_NAME,
    "keepalives": 1,
    **{f"keepalives_{name}": value for name, value in _KEEPALIVES.items()},
    "options": " ".join(f"-c tcp_keepalives_{name}={value}" for name, value in _KEEPALIVES.items()),
}


class SchedulerLock:
    """Held for the life of the scheduler process; released when it exits, even by kill -9.

    PostgreSQL: a session advisory lock on a dedicated connection, which `held` asks the
    server about, so a lost connection (and with it the lock) is noticed. SQLite: an flock on a
    file beside the database (a single host is all SQLite supports anyway).
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._connection: sa.Connection | None = None
        self._file: IO[str] | None = None

    def acquire(self) -> bool:
        """Take the lock if it is free; never waits."""
        if self.engine.dialect.name == "postgresql":
            return self._acquire_advisory()
        path = Path(self.engine.url.database or "conference.db").with_suffix(".scheduler.lock")
        self._file = path.open("w")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.close()
            self._file = None
            return False
        return True

    def _acquire_advisory(self) -> bool:
        # A connection of its own, outside the pool: its settings stay with it, and closing it
        # really ends the session (and with it the lock).
        engine = sa.create_engine(
            self.engine.url, poolclass=sa.pool.NullPool, connect_args=_LOCK_CONNECT_ARGS
        )
        connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            held = connection.scalar(sa.select(sa.func.pg_try_advisory_lock(SCHEDULER_LOCK_KEY)))
        except Exception:
            connection.close()
            raise
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def wait(self, stop: threading.Event, poll_seconds: float) -> bool:
        """Stand by until the lock is ours (True) or stop is set (False).

        A database that cannot be reached is logged and tried again: a standby outlives it.
        """
        while not stop.is_set():
            try:
                if self.acquire():
                    return True
            except sa.exc.SQLAlchemyError:
                log.warning("scheduler standby cannot reach the database; trying again")
            stop.wait(poll_seconds)
        return False

    def held(self) -> bool:
        """Whether the lock is still ours; False if its connection was lost."""
        if self._file is not None:
            return True
        if self._connection is None:
            return False
        try:
            count = self._connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND pid = pg_backend_pid() AND classid = 0 AND objid = CAST(:key AS oid)"
                ),
                {"key": SCHEDULER_LOCK_KEY},
            )
        except sa.exc.SQLAlchemyError:
            return False
        return bool(count)

    def release(self) -> None:
        if self._connection is not None:
            # A lost connection took the lock with it: nothing is left to release.
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.scalar(sa.select(sa.func.pg_advisory_unlock(SCHEDULER_LOCK_KEY)))
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.close()
            self._connection = None
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
