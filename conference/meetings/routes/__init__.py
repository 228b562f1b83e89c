"""The meetings blueprint: opening a meeting, the chair's console and the follow view."""

from __future__ import annotations

from flask import Blueprint

from conference.conferences.models import Conference
from conference.meetings.permissions import drives
from conference.web.auth import current_actor, require
from conference.web.loaders import load_conference

bp = Blueprint("meetings", __name__)

#: htmx stops polling when answered with this status.
STOP_POLLING = 286


def load_driven(conference_id: int) -> Conference:
    """The conference, if the user runs its meetings (its chair or a coordinator); else 404."""
    conference = load_conference(conference_id)
    require(drives(current_actor(), conference), hide=True)
    return conference


from conference.meetings.routes import (  # noqa: E402, F401
    console,
    follow,
    issues,
    opening,
    plan,
    record,
)
