"""Only one scheduler process per database: the lock, and the `scheduler` command that uses it."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from conference.db import utcnow
from conference.extensions import db
from conference.scheduler import commands, liveness
from conference.scheduler.lock import LOCK_APPLICATION_NAME, SchedulerLock
from conference.scheduler.models import JobOutcome, JobRun, JobTrigger
from conference.scheduler.runner import job_lock_key


@pytest.fixture
def held_lock(app) -> Iterator[SchedulerLock]:
    lock = SchedulerLock(db.engine)
    assert lock.acquire()
    try:
        yield lock
    finally:
        lock.release()


def test_a_second_lock_is_refused_while_the_first_is_held(app, held_lock):
    second = SchedulerLock(db.engine)
    try:
        assert second.acquire() is False
    finally:
        second.release()


def test_the_lock_can_be_taken_again_after_release(app):
    first = SchedulerLock(db.engine)
    second = SchedulerLock(db.engine)
    assert first.acquire() is True
    try:
        assert second.acquire() is False
    finally:
        first.release()
    try:
        assert second.acquire() is True
        # ...and now the first is the one kept out.
        assert first.acquire() is False
    finally:
        second.release()
        first.release()


class FakeScheduler:
    """Stands in for BackgroundScheduler: records what was scheduled; starting it stops the
    supervising loop at its first wait, unless a test keeps it running."""

    instances: list[FakeScheduler] = []
    stop: threading.Event

    def __init__(self, **options) -> None:
        self.options = options
        self.jobs: list[dict] = []
        self.started = False
        self.shut_down = False
        FakeScheduler.instances.append(self)

    def add_job(self, func, trigger, **kwargs) -> None:
        self.jobs.append({"func": func, "trigger": trigger, **kwargs})

    def start(self) -> None:
        self.started = True
        FakeScheduler.stop.set()

    def shutdown(self, wait: bool = True) -> None:
        self.shut_down = True


@pytest.fixture
def fake_scheduler(app, monkeypatch) -> type[FakeScheduler]:
    FakeScheduler.instances = []
    FakeScheduler.stop = threading.Event()
    monkeypatch.setattr(commands, "BackgroundScheduler", FakeScheduler)
    monkeypatch.setattr(commands, "new_stop_event", lambda: FakeScheduler.stop)
    app.config["SCHEDULER_CHECK_SECONDS"] = 0.05
    return FakeScheduler


def test_a_second_scheduler_stands_by_while_another_holds_the_lock(app, held_lock, fake_scheduler):
    threading.Timer(0.3, fake_scheduler.stop.set).start()

    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    assert "standing by" in result.output
    assert fake_scheduler.instances == []  # it never ran a job


def test_a_standby_takes_over_when_the_scheduler_holding_the_lock_stops(
    app, held_lock, fake_scheduler
):
    threading.Timer(0.3, held_lock.release).start()

    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    assert "standing by" in result.output
    [scheduler] = fake_scheduler.instances
    assert scheduler.started and scheduler.shut_down


def test_the_scheduler_command_schedules_every_job_and_releases_the_lock_on_exit(
    app, fake_scheduler
):
    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    [scheduler] = fake_scheduler.instances
    assert scheduler.started and scheduler.shut_down
    assert scheduler.options["timezone"] == "Europe/London"
    assert [job["id"] for job in scheduler.jobs] == [
        "purge-expired",
        "plan-conferences",
        "publish-agendas",
        "research-reminders",
        "advocate-feedback-reminders",
        "minutes-reminders",
        "action-reminders",
        "escalation-ladder",
        "retention",
        "send-emails",
        "forget-old-emails",
    ]
    job = scheduler.jobs[0]
    assert job["trigger"] == "cron"
    assert job["minute"] == 7
    assert job["coalesce"] is True
    assert job["max_instances"] == 1
    # Once the scheduler has stopped, another may start.
    again = SchedulerLock(db.engine)
    try:
        assert again.acquire() is True
    finally:
        again.release()


def test_the_scheduler_stops_with_a_non_zero_status_the_moment_its_lock_is_lost(
    app, fake_scheduler, monkeypatch, caplog
):
    monkeypatch.setattr(fake_scheduler, "start", lambda self: None)  # keep it running
    monkeypatch.setattr(SchedulerLock, "held", lambda self: False)

    with caplog.at_level(logging.ERROR, logger="conference.scheduler.commands"):
        result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == commands.LOCK_LOST_STATUS
    assert "lost its lock" in result.output
    assert any("lost its lock" in record.getMessage() for record in caplog.records)
    [scheduler] = fake_scheduler.instances
    assert scheduler.shut_down  # no job runs after the lock is gone


def test_the_scheduler_renews_its_heartbeat_every_cycle(app, fake_scheduler, monkeypatch):
    monkeypatch.setattr(fake_scheduler, "start", lambda self: None)
    beats: list[datetime] = []
    checks = iter([True, True, False])
    monkeypatch.setattr(SchedulerLock, "held", lambda self: next(checks))
    monkeypatch.setattr(commands, "record_heartbeat", lambda started_at: beats.append(started_at))

    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == commands.LOCK_LOST_STATUS
    assert len(beats) == 3  # on taking the lock, then after each of the two good checks
    assert len(set(beats)) == 1  # always the same start


def test_starting_records_the_heartbeat(app, fake_scheduler):
    app.test_cli_runner().invoke(args=["scheduler"])

    db.session.rollback()
    beat = liveness.current_heartbeat()
    assert beat is not None
    assert beat.pid == os.getpid()
    assert liveness.heartbeat_age() < timedelta(minutes=1)


def _running(job: str, trigger: JobTrigger, *, minutes_ago: int = 5) -> JobRun:
    started = utcnow() - timedelta(minutes=minutes_ago)
    run = JobRun(
        job=job, trigger=trigger, run_for=started, started_at=started, outcome=JobOutcome.RUNNING
    )
    db.session.add(run)
    db.session.commit()
    return run


def test_runs_left_running_by_a_dead_scheduler_are_marked_abandoned_at_the_next_start(
    app, fake_scheduler
):
    dead = _running("send-emails", JobTrigger.SCHEDULE)
    finished = _running("plan-conferences", JobTrigger.SCHEDULE)
    finished.outcome = JobOutcome.SUCCEEDED
    db.session.commit()

    app.test_cli_runner().invoke(args=["scheduler"])

    db.session.expire_all()
    assert dead.outcome is JobOutcome.ABANDONED
    assert dead.finished_at is not None
    assert finished.outcome is JobOutcome.SUCCEEDED


def test_a_run_by_hand_still_at_work_is_not_marked_abandoned(app, fake_scheduler):
    live = _running("send-emails", JobTrigger.MANUAL)
    dead = _running("plan-conferences", JobTrigger.MANUAL)
    on_postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as other:  # the live run's process, holding its job's lock
        if on_postgresql:
            other.scalar(sa.select(sa.func.pg_advisory_lock(job_lock_key("send-emails"))))
        app.test_cli_runner().invoke(args=["scheduler"])
        if on_postgresql:
            other.scalar(sa.select(sa.func.pg_advisory_unlock(job_lock_key("send-emails"))))

    db.session.expire_all()
    assert live.outcome is JobOutcome.RUNNING
    # SQLite cannot tell a dead run by hand from a live one, so leaves both alone.
    assert dead.outcome is (JobOutcome.ABANDONED if on_postgresql else JobOutcome.RUNNING)


def test_the_lock_notices_when_its_connection_is_lost(app):
    lock = SchedulerLock(db.engine)
    assert lock.acquire()
    try:
        assert lock.held()
        if db.engine.dialect.name != "postgresql":
            return  # an flock lives as long as the process
        with db.engine.connect() as admin:
            admin.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ),
                {"name": LOCK_APPLICATION_NAME},
            )
        assert lock.held() is False
        # ...and the lock went with the connection: another may take it now.
        other = SchedulerLock(db.engine)
        assert other.acquire()
        other.release()
    finally:
        lock.release()


def test_a_scheduled_run_is_recorded_as_scheduled(app, fake_scheduler):
    app.test_cli_runner().invoke(args=["scheduler"])
    job = fake_scheduler.instances[0].jobs[0]
    db.session.rollback()

    job["func"](*job["args"])  # what APScheduler would call on the minute

    db.session.expire_all()
    [run] = db.session.scalars(sa.select(JobRun).order_by(JobRun.id))
    assert run.job == "purge-expired"
    assert run.trigger is JobTrigger.SCHEDULE
    assert run.outcome is JobOutcome.SUCCEEDED
