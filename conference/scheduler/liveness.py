"""Signs of a living scheduler: its heartbeat, and the runs a dead one left "running"."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from conference.db import utcnow
from conference.extensions import db
from conference.scheduler.models import (
    HEARTBEAT_ID,
    JobOutcome,
    JobRun,
    JobTrigger,
    SchedulerHeartbeat,
)
from conference.scheduler.runner import job_lock_key


def record_heartbeat(started_at: datetime, now: datetime | None = None) -> None:
    """Renew the heartbeat of the scheduler running in this process. Commits."""
    beat = db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)
    if beat is None:
        beat = SchedulerHeartbeat(id=HEARTBEAT_ID)
        db.session.add(beat)
    beat.host, beat.pid = socket.gethostname()[:255], os.getpid()
    beat.started_at, beat.beat_at = started_at, now or utcnow()
    db.session.commit()


def heartbeat_age(now: datetime | None = None) -> timedelta | None:
    """How long ago the scheduler last showed it was alive; None if no scheduler ever ran."""
    beat_at = db.session.scalar(
        sa.select(SchedulerHeartbeat.beat_at).where(SchedulerHeartbeat.id == HEARTBEAT_ID)
    )
    return None if beat_at is None else (now or utcnow()) - beat_at


def scheduler_is_stale(age: timedelta | None) -> bool:
    """Whether a heartbeat this old means no scheduler is running."""
    limit = current_app.config.get("SCHEDULER_STALE_SECONDS", 90)
    return age is None or age > timedelta(seconds=limit)


def current_heartbeat() -> SchedulerHeartbeat | None:
    return db.session.get(SchedulerHeartbeat, HEARTBEAT_ID)


def mark_abandoned_runs(started_before: datetime) -> int:
    """Mark as abandoned the runs still "running" that no process is running any more. Commits.

    Called by a scheduler that has just taken the lock, so no other scheduler is running. On
    PostgreSQL a live run holds its job's advisory lock, so a run by hand still at work is
    told apart from a dead one; SQLite cannot tell, so only scheduled runs are marked there.
    """
    query = sa.select(JobRun).where(
        JobRun.outcome == JobOutcome.RUNNING, JobRun.started_at < started_before
    )
    on_postgresql = db.session.get_bind().dialect.name == "postgresql"
    if not on_postgresql:
        query = query.where(JobRun.trigger == JobTrigger.SCHEDULE)
    runs = db.session.scalars(query.order_by(JobRun.id)).all()
    abandoned = [run for run in runs if not (on_postgresql and _job_is_running(run.job))]
    for run in abandoned:
        run.outcome, run.finished_at = JobOutcome.ABANDONED, utcnow()
    db.session.commit()
    return len(abandoned)


def _job_is_running(name: str) -> bool:
    key = job_lock_key(name)
    if db.session.scalar(sa.select(sa.func.pg_try_advisory_lock(key))):
        db.session.scalar(sa.select(sa.func.pg_advisory_unlock(key)))
        return False
    return True
