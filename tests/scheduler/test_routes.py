"""/admin/jobs/: administrators see the jobs and their recent runs; nobody else does."""

from __future__ import annotations

import dataclasses
import html
import socket
from datetime import UTC, datetime, timedelta

import pytest

from conference.db import utcnow
from conference.extensions import db
from conference.scheduler.liveness import record_heartbeat
from conference.scheduler.models import JobOutcome
from conference.scheduler.registry import JOBS
from conference.scheduler.runner import run_job

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


def _broken_job(now: datetime) -> dict[str, int]:
    raise RuntimeError("broken")


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("coordinator", 403),
        ("chair", 403),
        ("advocate", 403),
        ("agency_rep", 403),
    ],
)
def test_job_runs_page_access(client_as, role, status):
    assert client_as(role).get("/admin/jobs/").status_code == status


def test_job_runs_page_sends_anonymous_visitors_to_sign_in(client):
    resp = client.get("/admin/jobs/")

    assert resp.status_code in (302, 303)
    assert resp.headers["Location"].startswith("/sign-in")


def test_an_admin_sees_the_jobs_and_recent_runs(client_as, monkeypatch):
    run_job("purge-expired", now=NOW)
    monkeypatch.setitem(
        JOBS, "purge-expired", dataclasses.replace(JOBS["purge-expired"], func=_broken_job)
    )
    failed = run_job("purge-expired", now=NOW)
    monkeypatch.undo()

    resp = client_as("admin").get("/admin/jobs/")

    assert resp.status_code == 200
    page = html.unescape(resp.text)
    assert "purge-expired" in page
    assert JOBS["purge-expired"].description in page
    runs_table = page.split('id="job-runs"', 1)[1].split("</table>", 1)[0]
    assert "No runs yet" not in runs_table
    assert "Succeeded" in runs_table
    assert "sessions: 0, password_links: 0" in runs_table
    assert "Failed" in runs_table
    assert f"Reference {failed.error_id}" in runs_table
    assert runs_table.count("By hand") == 2
    # Newest first: the failed run is listed above the successful one.
    assert runs_table.index("Failed") < runs_table.index("Succeeded")


def test_an_admin_is_told_when_no_job_has_run(client_as):
    resp = client_as("admin").get("/admin/jobs/")

    assert "No runs yet." in resp.text


def _heartbeat_paragraph(client) -> str:
    page = html.unescape(client.get("/admin/jobs/").text)
    return page.split('id="scheduler-heartbeat"', 1)[1].split("</p>", 1)[0]


def test_an_admin_sees_whether_a_scheduler_is_running(client_as):
    admin = client_as("admin")
    assert "Never started" in _heartbeat_paragraph(admin)

    started = utcnow() - timedelta(hours=2)
    record_heartbeat(started)
    shown = _heartbeat_paragraph(admin)
    assert "Running" in shown
    assert socket.gethostname()[:255] in shown

    record_heartbeat(started, now=utcnow() - timedelta(minutes=10))
    shown = _heartbeat_paragraph(admin)
    assert "Not running" in shown
    assert "no jobs run" in shown


def test_an_abandoned_run_is_shown_as_not_completed(client_as):
    run = run_job("purge-expired", now=NOW)
    run.outcome = JobOutcome.ABANDONED
    db.session.commit()

    page = html.unescape(client_as("admin").get("/admin/jobs/").text)
    runs_table = page.split('id="job-runs"', 1)[1].split("</table>", 1)[0]
    assert "Abandoned" in runs_table
    assert "did not complete" in runs_table
