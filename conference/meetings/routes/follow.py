"""The follow view: a read-only page every attendee keeps open, updating itself."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, session
from flask.typing import ResponseReturnValue
from flask_htmx import make_response
from flask_login import login_required

from conference.conferences import display, listing
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import Conference
from conference.db import utcnow
from conference.meetings import queries, stamps
from conference.meetings.permissions import drives, follows
from conference.meetings.routes import STOP_POLLING, bp
from conference.web.auth import current_actor, require
from conference.web.loaders import load_conference

POLL_SECONDS = 4


def _load_followed(conference_id: int) -> tuple[Conference, str]:
    """The conference the user may follow, and its change stamp."""
    conference, actor = load_conference(conference_id), current_actor()
    state = stamps.follow_state(conference.id, actor.id)
    require(follows(actor, conference, {actor.id} if state.attends else ()), hide=True)
    return conference, state.stamp


@bp.get("/conferences/<int:conference_id>/follow")
@login_required
def follow(conference_id: int) -> ResponseReturnValue:
    """The live view of the meeting for an attendee."""
    conference, stamp = _load_followed(conference_id)
    context = _follow_context(conference, polled=False)
    return render_template("meetings/follow.html", stamp=stamp, **context)


@bp.get("/conferences/<int:conference_id>/follow/live")
@login_required
def follow_live(conference_id: int) -> ResponseReturnValue:
    """The live region alone, polled; once the meeting is over polling stops.

    The poll says which stamp it shows (``since``): when the meeting's stamp is the same,
    nothing it shows has changed, and the answer is an empty 204 (htmx keeps the page).
    """
    conference, stamp = _load_followed(conference_id)
    if request.args.get("since") == stamp:
        return "", 204
    context = _follow_context(conference, polled=True)
    body = render_template("meetings/_follow.html", stamp=stamp, **context)
    live = conference.status in (ConferenceStatus.AGENDA_PUBLISHED, ConferenceStatus.IN_PROGRESS)
    return make_response(body, 200 if live else STOP_POLLING)


def _follow_context(conference: Conference, *, polled: bool) -> dict[str, Any]:
    """What every attendee may see: the case on screen, its actions as they are agreed, and
    only their own agency's research return (the chair and coordinators see them all).

    The agenda column lists every case's reference, so each page load is audited, as is the
    case on screen changing; a poll that shows the same as the last one is not."""
    actor, now = current_actor(), utcnow()
    meeting = queries.meeting_for(conference.id)
    items = queries.agenda_of(conference)
    current_id = meeting.current_item_id if meeting else None
    current = next((i for i in items if i.id == current_id), None)
    context: dict[str, Any] = {
        "conference": conference,
        "label": display.conference_label(conference),
        "items": items,
        "current": current,
        "live": conference.status
        in (ConferenceStatus.AGENDA_PUBLISHED, ConferenceStatus.IN_PROGRESS),
        "poll_seconds": POLL_SECONDS,
    }
    if current is not None:
        agency_id = None if drives(actor, conference) else actor.agency_id
        context.update(
            record=queries.records_for([current.id]).get(current.id),
            actions=queries.actions_for([current.id]).get(current.id, []),
            returns=queries.returns_for(current.id, agency_id),
            own_agency_only=agency_id is not None,
        )
    key, shown = f"followed-{conference.id}", current.id if current is not None else 0
    if not polled or session.get(key) != shown:
        listing.record_view(actor, "meeting.followed", conference, items, now=now)
        session[key] = shown
    return context
