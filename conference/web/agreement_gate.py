"""No case page before the agreement: one check for every request, not one per route.

A signed-in user who holds a role in a MARAC whose current information-sharing agreement they
have not accepted is sent to accept it instead of any page that shows cases (the blueprints
below). A page about one MARAC's case, referral, conference or settings waits only for that
MARAC's agreement; a page listing several MARACs' cases waits for all of the user's. An htmx
request gets a whole-page redirect, never half a page; a refused post keeps what was typed
where its page keeps typing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, flash, redirect, request, url_for
from flask_htmx import make_response
from flask_login import current_user
from werkzeug.wrappers import Response

from conference.agreements.services import pending_marac_ids
from conference.conferences.models import Conference
from conference.extensions import db, htmx
from conference.referrals.models import Case, Referral
from conference.web import unsaved
from conference.web.redirects import same_site_path

#: Blueprints whose pages show cases, referrals or the people in them (or lead to them).
GATED = {
    "actions",
    "case_access",
    "closure",
    "conferences",
    "dashboard",
    "escalation",
    "meetings",
    "minutes",
    "referrals",
    "research",
    "subject_access",
    "retention",
    "system_issues",
    "transfers",
    "voice",
}
#: Pages of those blueprints that show no case: the calendar subscription (dates and places).
OPEN = {"conferences.calendar", "conferences.new_feed", "conferences.stop_feed", "conferences.feed"}

#: How to find the MARAC of what a URL names, most specific first.
_OWNERS: tuple[tuple[str, Any], ...] = (
    ("conference_id", Conference.marac_id),
    ("case_id", Case.marac_id),
    ("referral_id", Referral.marac_id),
)


def init_app(app: Flask) -> None:
    app.before_request(require_accepted_agreements)


def marac_of(view_args: dict[str, Any]) -> set[int] | None:
    """The MARAC the page is about, when its address names one; None: it may show any."""
    for name, column in _OWNERS:
        if isinstance(view_args.get(name), int):
            found = db.session.scalar(sa.select(column).where(column.table.c.id == view_args[name]))
            return {found} if found is not None else None
    if isinstance(view_args.get("marac_id"), int):
        return {view_args["marac_id"]}
    return None


def require_accepted_agreements() -> Response | None:
    endpoint = request.endpoint or ""
    if not current_user.is_authenticated or endpoint in OPEN:
        return None
    if endpoint.partition(".")[0] not in GATED:
        return None
    waiting = pending_marac_ids(current_user)  # one query; none when nothing can be pending
    if not waiting:
        return None
    about = marac_of(request.view_args or {})
    if about is not None and not any(marac_id in about for marac_id in waiting):
        return None
    if htmx:  # back to the page the region belongs to, not the region
        back = same_site_path(urlsplit(htmx.current_url or "").path)
    elif request.method == "GET":
        back = same_site_path(request.path)
    else:
        back = unsaved.keep()
    target = url_for("agreements.pending", next=back) if back else url_for("agreements.pending")
    if htmx:
        return make_response("", 200, redirect=target)
    flash("Read and accept the information-sharing agreement to see cases.", "info")
    return redirect(target, 303)
