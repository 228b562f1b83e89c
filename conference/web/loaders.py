"""Loading what a URL names, for the routes of any domain: the object, or 404."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy.orm import joinedload, lazyload

from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals.models import Case
from conference.web.auth import require

T = TypeVar("T")


def or_404(found: T | None) -> T:
    """What a lookup found, or 404 when it found nothing; db.get_or_404 does this by id."""
    if found is None:
        abort(404)
    return found


def load_conference(conference_id: int) -> Conference:
    """The conference, or 404."""
    return db.get_or_404(Conference, conference_id)


def item_of(conference: Conference, item_id: int | None) -> AgendaItem:
    """The agenda item of that conference, or 404 (an item of another one is not found, nor
    is the missing item of an interim action agreed at screening)."""
    if item_id is None:
        abort(404)
    # The conference (with its MARAC) is in the session already, and the case's other
    # relations load only if a caller asks: a console save reads this item every few seconds.
    item = db.get_or_404(
        AgendaItem,
        item_id,
        options=[
            lazyload(AgendaItem.conference),
            joinedload(AgendaItem.case).options(
                lazyload(Case.marac), lazyload(Case.transferred_from), lazyload(Case.advocate)
            ),
        ],
    )
    require(item.conference_id == conference.id, hide=True)
    return item
