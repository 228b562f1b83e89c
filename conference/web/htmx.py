"""How a route answers: a partial for an htmx swap, the full page otherwise."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template
from flask_htmx import make_response
from werkzeug.wrappers import Response

from conference.extensions import htmx


def wants_partial() -> bool:
    """True for an htmx swap; boosted navigation and history restores need the whole page."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(
    page: str,
    partial: str,
    *,
    status: int = 200,
    trigger: dict[str, Any] | None = None,
    **context: Any,
) -> Response:
    """Render the partial plus the flash region (out of band) for htmx, else the full page."""
    if wants_partial():
        return partial_response(partial, status=status, trigger=trigger, **context)
    return make_response(render_template(page, **context), status, trigger=trigger)


def partial_response(
    template: str,
    *,
    status: int = 200,
    trigger: dict[str, Any] | None = None,
    **context: Any,
) -> Response:
    """An htmx answer: the partial, and the flash region swapped in out of band with it."""
    body = render_template(template, **context) + render_template("_layout/_flash.html", oob=True)
    return make_response(body, status, trigger=trigger)


def go(url: str, *, new_page: bool = False) -> Response:
    """Navigate after a change: HX-Location for htmx, 303 See Other otherwise.

    ``new_page`` loads the target as a whole page (HX-Redirect), for a move to a different
    screen rather than a region of the same one.
    """
    if htmx:
        if new_page:
            return make_response("", 200, redirect=url)
        return make_response("", 204, location=url)
    return redirect(url, 303)
