"""Running one job: its own transaction, its audit origin, and a JobRun row however it ends."""

from __future__ import annotations

import logging
import uuid
import zlib
from datetime import datetime

import sqlalchemy as sa

from conference.audit import context as audit_context
from conference.db import utcnow
from conference.extensions import db
from conference.scheduler.models import JobOutcome, JobRun, JobTrigger
from conference.scheduler.registry import JOBS

log = logging.getLogger(__name__)


class UnknownJob(LookupError):
    pass


def run_job(
    name: str, *, now: datetime | None = None, trigger: JobTrigger = JobTrigger.MANUAL
) -> JobRun:
    """Run a job for ``now`` (default: the current time) and record the run. Commits.

    A failure is rolled back, logged with a reference, and recorded as failed; it never
    propagates, so one failing job cannot stop the scheduler.
    """
    job = JOBS.get(name)
    if job is None:
        raise UnknownJob(name)
    run_for = now or utcnow()
    run = JobRun(
        job=name, trigger=trigger, run_for=run_for, started_at=utcnow(), outcome=JobOutcome.RUNNING
    )
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        with audit_context.bound(audit_context.Origin(source=f"job:{name}")):
            if not _take_job_lock(name):
                outcome, counts = JobOutcome.SKIPPED, {}
            else:
                counts = job.func(run_for)
                outcome = (
                    JobOutcome.PARTLY_FAILED if _with_failures(counts) else (JobOutcome.SUCCEEDED)
                )
        db.session.commit()
        error_id = None
    except Exception:
        db.session.rollback()
        error_id = uuid.uuid4().hex[:10]
        outcome, counts = JobOutcome.FAILED, {}
        log.exception("job failed", extra={"job": name, "error_id": error_id})
    run = db.session.get_one(JobRun, run_id)
    run.outcome, run.counts, run.error_id = outcome, counts, error_id
    run.finished_at = utcnow()
    db.session.commit()
    log.info("job finished", extra={"job": name, "outcome": outcome.value, "counts": counts})
    return run


def _take_job_lock(name: str) -> bool:
    """On PostgreSQL, hold a lock for this job until the transaction ends, so a run by hand
    and a scheduled run never overlap. SQLite serialises writers already."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.scalar(sa.select(sa.func.pg_try_advisory_xact_lock(job_lock_key(name)))))


def job_lock_key(name: str) -> int:
    """The advisory lock a run of this job holds on PostgreSQL while it works."""
    return zlib.crc32(f"conference-job:{name}".encode())


#: Count names that mean part of a run's work failed (see JobOutcome.PARTLY_FAILED).
FAILURE_COUNTS = ("_failed", "_given_up", "_maybe_sent")


def _with_failures(counts: dict[str, int]) -> bool:
    return any(key.endswith(FAILURE_COUNTS) and value for key, value in counts.items())
