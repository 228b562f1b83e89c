"""The conferences blueprint: schedules, meeting rules, agendas and calendars."""

from __future__ import annotations

from flask import Blueprint

from conference.conferences.models import Conference
from conference.extensions import db

bp = Blueprint("conferences", __name__)


def load_conference(conference_id: int) -> Conference:
    """The conference, or 404."""
    return db.get_or_404(Conference, conference_id)


from conference.conferences.routes import agenda, calendar, schedule  # noqa: E402, F401
