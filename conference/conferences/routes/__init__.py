"""The conferences blueprint: schedules, meeting rules, agendas and calendars."""

from __future__ import annotations

from flask import Blueprint

from conference.conferences.models import Conference
from conference.extensions import db
from conference.web.auth import require

bp = Blueprint("conferences", __name__)


def load_conference(conference_id: int) -> Conference:
    """The conference, or 404."""
    conference = db.session.get(Conference, conference_id)
    require(conference is not None, hide=True)
    assert conference is not None
    return conference


from conference.conferences.routes import agenda, calendar, schedule  # noqa: E402, F401
