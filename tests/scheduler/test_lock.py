"""Only one scheduler process per database: the lock, and the `scheduler` command that uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.scheduler import commands
from conference.scheduler.lock import SchedulerLock
from conference.scheduler.models import JobOutcome, JobRun, JobTrigger


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
    """Stands in for BlockingScheduler: records what was scheduled and returns from start()."""

    instances: list[FakeScheduler] = []

    def __init__(self, **options) -> None:
        self.options = options
        self.jobs: list[dict] = []
        self.started = False
        FakeScheduler.instances.append(self)

    def add_job(self, func, trigger, **kwargs) -> None:
        self.jobs.append({"func": func, "trigger": trigger, **kwargs})

    def start(self) -> None:
        self.started = True


@pytest.fixture
def fake_scheduler(monkeypatch) -> type[FakeScheduler]:
    FakeScheduler.instances = []
    monkeypatch.setattr(commands, "BlockingScheduler", FakeScheduler)
    return FakeScheduler


def test_the_scheduler_command_refuses_to_start_while_another_holds_the_lock(
    app, held_lock, fake_scheduler
):
    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code != 0
    assert "Another scheduler is already running" in result.output
    assert fake_scheduler.instances == []


def test_the_scheduler_command_schedules_every_job_and_releases_the_lock_on_exit(
    app, fake_scheduler
):
    result = app.test_cli_runner().invoke(args=["scheduler"])

    assert result.exit_code == 0, result.output
    [scheduler] = fake_scheduler.instances
    assert scheduler.started
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
        "send-emails",
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


def test_a_scheduled_run_is_recorded_as_scheduled(app, fake_scheduler):
    app.test_cli_runner().invoke(args=["scheduler"])
    job = fake_scheduler.instances[0].jobs[0]
    db.session.rollback()

    job["func"](*job["args"])  # what APScheduler would call on the minute

    db.session.expire_all()
    [run] = db.session.scalars(sa.select(JobRun))
    assert run.job == "purge-expired"
    assert run.trigger is JobTrigger.SCHEDULE
    assert run.outcome is JobOutcome.SUCCEEDED
