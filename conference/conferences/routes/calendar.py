"""Calendar downloads and the private subscription feed of the conference schedule."""

from __future__ import annotations

from flask import Response, abort, flash, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.conferences import calendar as calendars
from conference.conferences import display, permissions, queries
from conference.conferences.routes import bp
from conference.db import utcnow
from conference.web.auth import current_actor, require, requires
from conference.web.htmx import go
from conference.web.loaders import load_conference
from conference.web.urls import absolute_url


def ics_response(body: str, filename: str, *, attachment: bool = True) -> Response:
    """A calendar file; the filename carries a date at most, never case data."""
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@bp.get("/conferences/<int:conference_id>/calendar.ics")
@login_required
def conference_ics(conference_id: int) -> ResponseReturnValue:
    """One conference as a calendar file to add by hand."""
    conference = load_conference(conference_id)
    require(conference.marac_id in permissions.schedule_marac_ids(current_actor()), hide=True)
    body = calendars.ics_for([conference], now=utcnow(), name=f"{conference.marac.name} conference")
    day = display.local_day(conference)
    return ics_response(body, f"marac-conference-{day:%Y-%m-%d}.ics")


def calendar_page(*, feed_url: str | None = None) -> str:
    feed = calendars.feed_of(current_actor())
    return render_template("conferences/calendar.html", feed=feed, feed_url=feed_url)


@bp.get("/calendar")
@requires(permissions.sees_schedule)
def calendar() -> ResponseReturnValue:
    """How to subscribe to the schedule, and the state of the user's private address."""
    return calendar_page()


@bp.post("/calendar/feed")
@requires(permissions.sees_schedule)
def new_feed() -> ResponseReturnValue:
    """Create or replace the user's private address and show it, this once."""
    token = calendars.issue_feed(current_actor(), now=utcnow())
    return calendar_page(feed_url=absolute_url("conferences.feed", token=token))


@bp.post("/calendar/feed/stop")
@login_required
def stop_feed() -> ResponseReturnValue:
    """Stop the user's private address working."""
    if calendars.stop_feed(current_actor(), now=utcnow()):
        flash("Your calendar address has stopped working.", "success")
    return go(url_for(".calendar"))


@bp.get("/calendar/feed/<token>.ics")
def feed(token: str) -> ResponseReturnValue:
    """The schedule for a calendar app. No sign-in (apps cannot): the secret address is the key."""
    now = utcnow()
    user = calendars.user_for_token(token, now=now)
    if user is None:
        abort(404)
    conferences = queries.schedule(
        permissions.schedule_marac_ids(user), now, days_back=calendars.FEED_DAYS_BACK
    )
    body = calendars.ics_for(conferences, now=now, name="MARAC conferences")
    return ics_response(body, "marac-conferences.ics", attachment=False)
