"""`flask scheduler` and `flask jobs ...`."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from conference.extensions import db
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
    """Run the job scheduler in this process (exactly one per install)."""
    lock = SchedulerLock(db.engine)
    if not lock.acquire():
        raise click.ClickException(
            "Another scheduler is already running for this database; this one will not start."
        )
    # The jobs outlive this context; current_app is typed as the app, not the proxy it is.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = BlockingScheduler(timezone=SCHEDULER_TIMEZONE)
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
    click.echo(f"Scheduler running {len(JOBS)} job(s): {', '.join(JOBS)}. Ctrl-C stops it.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()


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
