"""Loading what a URL names, for the routes of any domain: the object, or 404."""

from __future__ import annotations

from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.web.auth import require


def load_conference(conference_id: int) -> Conference:
    """The conference, or 404."""
    conference = db.session.get(Conference, conference_id)
    require(conference is not None, hide=True)
    assert conference is not None
    return conference


def item_of(conference: Conference, item_id: int) -> AgendaItem:
    """The agenda item of that conference, or 404 (an item of another one is not found)."""
    item = db.session.get(AgendaItem, item_id)
    require(item is not None and item.conference_id == conference.id, hide=True)
    assert item is not None
    return item
