"""The record of every job run."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from conference.db import UTCDateTime, enum_type
from conference.extensions import Model


class JobOutcome(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    #: It ran to the end, but some of what it handled failed (an email not delivered).
    PARTLY_FAILED = "partly_failed"
    FAILED = "failed"
    SKIPPED = "skipped"


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
