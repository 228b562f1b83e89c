"""The conferences blueprint: schedules, meeting rules, agendas and calendars."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("conferences", __name__)


from conference.conferences.routes import agenda, calendar, schedule  # noqa: E402, F401
