"""The record of every job run."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.db import UTCDateTime, enum_type, max_lengths
from conference.extensions import Model


class JobOutcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: It ran to the end, but some of what it handled failed (an email not delivered).
    PARTLY_FAILED = "partly_failed"
    FAILED = "failed"
    SKIPPED = "skipped"
    #: Left "running" by a process that died; marked when the next scheduler starts.
    ABANDONED = "abandoned"


class JobTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"


class JobRun(Model):
    """One run of a job: when, for which 'now', how it ended and what it counted."""

    __tablename__ = "job_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(64), index=True)
    trigger: Mapped[JobTrigger] = mapped_column(enum_type(JobTrigger, "job_trigger"))
    #: The moment the job acted for (differs from started_at when run by hand with --now).
    run_for: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[JobOutcome] = mapped_column(enum_type(JobOutcome, "job_outcome"))
    #: What the job did, as counts, e.g. {"sessions": 4}.
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    #: The reference logged with the traceback when the run failed.
    error_id: Mapped[str | None] = mapped_column(sa.String(16))

    def __repr__(self) -> str:
        return f"<JobRun {self.id} {self.job} {self.outcome}>"


#: The only row of scheduler_heartbeats.
HEARTBEAT_ID = 1


class SchedulerHeartbeat(Model):
    """The running scheduler's sign of life, renewed every cycle while it holds the lock.

    Read by /healthz and the jobs page: a beat older than a few cycles means no scheduler runs.
    """

    __tablename__ = "scheduler_heartbeats"
    __table_args__ = (*max_lengths({"host": 255}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(sa.String(255))
    pid: Mapped[int]
    #: When this scheduler took the lock.
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime)
