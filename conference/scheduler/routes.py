"""Administrators' view of the scheduled jobs and their recent runs."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from conference.accounts import permissions
from conference.extensions import db
from conference.scheduler.liveness import current_heartbeat, heartbeat_age, scheduler_is_stale
from conference.scheduler.models import JobRun
from conference.scheduler.registry import JOBS
from conference.web.auth import requires

bp = Blueprint("scheduler", __name__, url_prefix="/admin/jobs")

RECENT_RUNS = 100


@bp.get("/")
@requires(permissions.is_admin)
def runs() -> str:
    """The jobs, their timetables, and the most recent runs, newest first."""
    recent = db.session.scalars(
        sa.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(RECENT_RUNS)
    ).all()
    heartbeat = current_heartbeat()
    stale = heartbeat is not None and scheduler_is_stale(heartbeat_age())
    return render_template(
        "scheduler/runs.html", jobs=JOBS.values(), runs=recent, heartbeat=heartbeat, stale=stale
    )
