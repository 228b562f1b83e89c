"""`flask scheduler` and `flask jobs ...`."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime

import click
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from conference.db import utcnow
from conference.extensions import db
from conference.scheduler.liveness import mark_abandoned_runs, record_heartbeat
from conference.scheduler.lock import SchedulerLock
from conference.scheduler.models import JobOutcome, JobTrigger
from conference.scheduler.registry import JOBS
from conference.scheduler.runner import run_job

log = logging.getLogger(__name__)
jobs_cli = AppGroup("jobs", help="Run or list the scheduled jobs by hand.")
SCHEDULER_TIMEZONE = "Europe/London"


def init_app(app: Flask) -> None:
    app.cli.add_command(scheduler_command)
    app.cli.add_command(jobs_cli)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the job scheduler in this process; a second one waits as a standby.

    Exactly one scheduler runs the jobs of a database. Another started beside it (on this
    machine or another) waits for the lock and takes over when the first stops or dies.
    """
    check_seconds = float(current_app.config.get("SCHEDULER_CHECK_SECONDS", 15))
    stop = new_stop_event()
    _stop_on_signals(stop)
    lock = SchedulerLock(db.engine)
    if not lock.acquire():
        click.echo("Another scheduler holds the lock; standing by to take over.")
        log.info("scheduler standing by")
        if not lock.wait(stop, check_seconds):
            return
    # The jobs outlive this context; current_app is typed as the app, not the proxy it is.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        status = _run_while_locked(app, lock, stop, check_seconds)
    finally:
        lock.release()
    if status:
        raise SystemExit(status)


def new_stop_event() -> threading.Event:
    """The event that stops the scheduler (a seam for tests)."""
    return threading.Event()


def _stop_on_signals(stop: threading.Event) -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())


#: The exit status of a scheduler that lost its lock (a supervisor restarts it as a standby).
LOCK_LOST_STATUS = 3


def _run_while_locked(
    app: Flask, lock: SchedulerLock, stop: threading.Event, check_seconds: float
) -> int:
    """Run the jobs, checking the lock and renewing the heartbeat every cycle, until stopped
    (0) or the lock is lost (LOCK_LOST_STATUS: stop at once, another may hold it now)."""
    started_at = utcnow()
    abandoned = mark_abandoned_runs(started_before=started_at)
    if abandoned:
        log.warning(
            "runs left running by a stopped process marked abandoned", extra={"count": abandoned}
        )
    record_heartbeat(started_at)
    scheduler = BackgroundScheduler(timezone=SCHEDULER_TIMEZONE)
    for job in JOBS.values():
        scheduler.add_job(
            _scheduled_run,
            "cron",
            args=[app, job.name],
            id=job.name,
            name=job.name,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=3600,
            **job.cron,
        )
    scheduler.start()
    click.echo(f"Scheduler running {len(JOBS)} job(s): {', '.join(JOBS)}. Ctrl-C stops it.")
    log.info("scheduler running", extra={"jobs": len(JOBS)})
    try:
        while not stop.wait(check_seconds):
            if not lock.held():
                log.error("scheduler lost its lock; stopping at once")
                click.echo("The scheduler lost its lock on the database and stops.", err=True)
                return LOCK_LOST_STATUS
            try:
                record_heartbeat(started_at)
            except sa.exc.SQLAlchemyError:
                db.session.rollback()
                log.warning("scheduler could not record its heartbeat")
        return 0
    finally:
        scheduler.shutdown(wait=False)
        db.session.remove()


def _scheduled_run(app: Flask, name: str) -> None:
    with app.app_context():
        run_job(name, trigger=JobTrigger.SCHEDULE)
        db.session.remove()


@jobs_cli.command("run")
@click.argument("name", type=click.Choice(sorted(JOBS)))
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Act as if it were this moment (UTC unless it carries an offset).",
)
def run_command(name: str, now_text: str | None) -> None:
    """Run one job now and report how it ended."""
    now = _parse_now(now_text) if now_text else None
    run = run_job(name, now=now, trigger=JobTrigger.MANUAL)
    counts = ", ".join(f"{k}={v}" for k, v in run.counts.items()) or "nothing counted"
    message = f"{name}: {run.outcome.value} ({counts})"
    if run.outcome is JobOutcome.FAILED:
        raise click.ClickException(f"{message}; error reference {run.error_id}")
    click.echo(message)


@jobs_cli.command("list")
def list_command() -> None:
    """List the jobs and when they run."""
    for job in JOBS.values():
        timing = " ".join(f"{k}={v}" for k, v in job.cron.items())
        click.echo(f"{job.name:24} {timing:20} {job.description}")


def _parse_now(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(
            f"{text!r} is not an ISO date and time", param_hint="--now"
        ) from error
    return value if value.tzinfo else value.replace(tzinfo=UTC)
