"""Running jobs by hand and by the runner: what they delete, what they record, how they fail."""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference import audit
from conference.accounts.jobs import purge_expired
from conference.accounts.models import Marac, PasswordSetLink, WebSession
from conference.audit.models import AuditEvent
from conference.extensions import db
from conference.scheduler.models import JobOutcome, JobRun, JobTrigger
from conference.scheduler.registry import JOBS
from conference.scheduler.runner import UnknownJob, run_job
from tests import factories

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
NOW_ISO = "2026-11-21T10:00:00+00:00"


def run_cli(app, *args: str):
    return app.test_cli_runner().invoke(args=["jobs", "run", *args])


def add_session(key: str, user, expires_at: datetime) -> None:
    db.session.add(WebSession(id_hash=key.ljust(64, "0"), user_id=user.id, expires_at=expires_at))


def add_link(key: str, user, expires_at: datetime, used_at: datetime | None = None) -> None:
    db.session.add(
        PasswordSetLink(
            user_id=user.id, token_hash=key.ljust(64, "0"), expires_at=expires_at, used_at=used_at
        )
    )


@pytest.fixture
def expiring_records(app):
    """Sessions and links on either side of NOW, keyed by what should become of them."""
    user = factories.make_user("advocate")
    add_session("s-expired", user, NOW - timedelta(days=1))
    add_session("s-expires-now", user, NOW)
    add_session("s-valid", user, NOW + timedelta(minutes=1))
    add_link("l-expired", user, NOW - timedelta(hours=1))
    add_link("l-used", user, NOW + timedelta(hours=10), used_at=NOW - timedelta(hours=2))
    add_link("l-valid", user, NOW + timedelta(hours=10))
    db.session.commit()
    return user


def session_keys() -> set[str]:
    return {k.rstrip("0") for k in db.session.scalars(sa.select(WebSession.id_hash))}


def link_keys() -> set[str]:
    return {k.rstrip("0") for k in db.session.scalars(sa.select(PasswordSetLink.token_hash))}


def job_runs() -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id)))


def test_purge_expired_deletes_expired_and_used_records_and_keeps_valid_ones(app, expiring_records):
    result = run_cli(app, "purge-expired", "--now", NOW_ISO)

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "purge-expired: succeeded (sessions=2, password_links=2)"
    assert session_keys() == {"s-valid"}
    assert link_keys() == {"l-valid"}


def test_a_run_by_hand_is_recorded(app, expiring_records):
    run_cli(app, "purge-expired", "--now", NOW_ISO)

    [run] = job_runs()
    assert run.job == "purge-expired"
    assert run.trigger is JobTrigger.MANUAL
    assert run.run_for == NOW
    assert run.outcome is JobOutcome.SUCCEEDED
    assert run.counts == {"sessions": 2, "password_links": 2}
    assert run.error_id is None
    assert run.finished_at is not None
    assert run.finished_at >= run.started_at


def test_running_purge_twice_deletes_nothing_more_and_records_both_runs(app, expiring_records):
    first = run_cli(app, "purge-expired", "--now", NOW_ISO)
    second = run_cli(app, "purge-expired", "--now", NOW_ISO)

    assert first.exit_code == 0 and second.exit_code == 0
    assert second.output.strip() == "purge-expired: succeeded (sessions=0, password_links=0)"
    assert session_keys() == {"s-valid"}
    assert link_keys() == {"l-valid"}
    runs = job_runs()
    assert [r.counts for r in runs] == [
        {"sessions": 2, "password_links": 2},
        {"sessions": 0, "password_links": 0},
    ]
    assert all(r.outcome is JobOutcome.SUCCEEDED for r in runs)


def test_now_without_an_offset_is_taken_as_utc(app):
    result = run_cli(app, "purge-expired", "--now", "2026-11-21T10:00:00")

    assert result.exit_code == 0, result.output
    [run] = job_runs()
    assert run.run_for == NOW


@pytest.mark.parametrize("value", ["yesterday", "2026-13-40T10:00", "21/11/2026 10:00"])
def test_a_bad_now_is_refused_with_a_clear_message_and_nothing_runs(app, expiring_records, value):
    result = run_cli(app, "purge-expired", "--now", value)

    assert result.exit_code != 0
    assert "--now" in result.output
    assert f"{value!r} is not an ISO date and time" in result.output
    assert job_runs() == []
    assert session_keys() == {"s-expired", "s-expires-now", "s-valid"}


def test_an_unknown_job_name_is_refused(app):
    result = run_cli(app, "purge-everything", "--now", NOW_ISO)

    assert result.exit_code != 0
    assert "purge-everything" in result.output
    assert "purge-expired" in result.output  # the choices are listed
    assert job_runs() == []


def test_run_job_refuses_an_unknown_job_name(app):
    with pytest.raises(UnknownJob):
        run_job("purge-everything", now=NOW)
    assert job_runs() == []


def test_jobs_list_shows_each_job_and_its_timetable(app):
    result = app.test_cli_runner().invoke(args=["jobs", "list"])

    assert result.exit_code == 0
    assert "purge-expired" in result.output
    assert "minute=7" in result.output


def _exploding_job(now: datetime) -> dict[str, int]:
    """Does real work first (deletes sessions, adds a MARAC and an audit event), then fails."""
    purge_expired(now)
    db.session.add(Marac(name="Half-made MARAC", code="HALF"))
    audit.record(None, "job.partial_write", now=now)
    db.session.flush()
    raise RuntimeError("the job broke half-way")


@pytest.fixture
def exploding_job(monkeypatch):
    job = dataclasses.replace(JOBS["purge-expired"], func=_exploding_job)
    monkeypatch.setitem(JOBS, "purge-expired", job)
    return job


def test_a_failing_job_is_recorded_as_failed_and_its_writes_rolled_back(
    app, expiring_records, exploding_job, caplog
):
    caplog.set_level(logging.ERROR, logger="conference.scheduler")

    run = run_job("purge-expired", now=NOW)  # must not raise

    assert run.outcome is JobOutcome.FAILED
    assert run.error_id and len(run.error_id) == 10
    assert run.counts == {}
    [stored] = job_runs()
    assert stored.outcome is JobOutcome.FAILED
    assert stored.error_id == run.error_id
    assert stored.finished_at is not None
    # Nothing the job did survives.
    assert session_keys() == {"s-expired", "s-expires-now", "s-valid"}
    assert link_keys() == {"l-expired", "l-used", "l-valid"}
    assert db.session.scalar(sa.select(Marac).where(Marac.code == "HALF")) is None
    assert (
        db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "job.partial_write"))
        is None
    )
    # The reference recorded is the one logged with the traceback.
    [logged] = [r for r in caplog.records if getattr(r, "error_id", None) == run.error_id]
    assert logged.exc_info is not None


def test_a_failing_job_run_by_hand_exits_non_zero_with_the_reference(
    app, expiring_records, exploding_job
):
    result = run_cli(app, "purge-expired", "--now", NOW_ISO)

    assert result.exit_code != 0
    [run] = job_runs()
    assert run.outcome is JobOutcome.FAILED
    assert "purge-expired: failed" in result.output
    assert f"error reference {run.error_id}" in result.output


def test_a_failed_run_does_not_stop_the_next_one(app, expiring_records, monkeypatch):
    original = JOBS["purge-expired"]
    monkeypatch.setitem(JOBS, "purge-expired", dataclasses.replace(original, func=_exploding_job))
    run_job("purge-expired", now=NOW)
    monkeypatch.setitem(JOBS, "purge-expired", original)

    run = run_job("purge-expired", now=NOW)

    assert run.outcome is JobOutcome.SUCCEEDED
    assert run.counts == {"sessions": 2, "password_links": 2}
    assert [r.outcome for r in job_runs()] == [JobOutcome.FAILED, JobOutcome.SUCCEEDED]


def test_a_job_writes_audit_events_with_its_own_origin(app, monkeypatch):
    def auditing_job(now: datetime) -> dict[str, int]:
        audit.record(None, "job.did_something", now=now)
        return {"things": 1}

    monkeypatch.setitem(
        JOBS, "purge-expired", dataclasses.replace(JOBS["purge-expired"], func=auditing_job)
    )

    run_job("purge-expired", now=NOW)

    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "job.did_something"))
    assert event.origin == "job:purge-expired"
    assert event.ip is None
    assert event.at == NOW
