"""The meetings blueprint: opening a meeting, the chair's console and the follow view."""

from __future__ import annotations

from flask import Blueprint

from conference.conferences.models import AgendaItem, Conference
from conference.conferences.routes import load_conference
from conference.extensions import db
from conference.meetings.permissions import drives
from conference.web.auth import current_actor, require

bp = Blueprint("meetings", __name__)

#: htmx stops polling when answered with this status.
STOP_POLLING = 286


def load_driven(conference_id: int) -> Conference:
    """The conference, if the user runs its meetings (its chair or a coordinator); else 404."""
    conference = load_conference(conference_id)
    require(drives(current_actor(), conference), hide=True)
    return conference


def item_of(conference: Conference, item_id: int) -> AgendaItem:
    item = db.get_or_404(AgendaItem, item_id)
    require(item.conference_id == conference.id, hide=True)
    return item


from conference.meetings.routes import console, follow, opening, plan, record  # noqa: E402, F401
