"""Error pages and htmx error messages: a reference to quote, never a stack trace."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, flash, has_request_context, redirect, render_template, request, url_for
from flask_htmx import make_response
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError, SecurityError
from werkzeug.wrappers import Response

from conference.errors import Conflict, DomainError, NotFound, PermissionDenied
from conference.extensions import db, htmx
from conference.web import unsaved

log = logging.getLogger(__name__)

TITLES = {
    400: "Something was wrong with that request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "Someone else changed this first",
    413: "That upload is too large",
    422: "Check what you entered",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, handle_untrusted_host)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(StaleDataError, handle_stale_data)
    app.register_error_handler(Exception, handle_unexpected_error)


def error_response(
    status: int,
    message: str | None = None,
    *,
    error_id: str | None = None,
    typed: list[tuple[str, str]] | None = None,
) -> Response:
    """The error as a toast in #flash for htmx, or as a full page."""
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    context = {
        "status": status,
        "title": title,
        "message": message,
        "error_id": error_id,
        "typed": typed or [],
    }
    if htmx and not htmx.boosted:
        body = render_template("errors/_toast.html", **context)
        return make_response(body, status, retarget="#flash", reswap="outerHTML")
    return make_response(render_template("errors/error.html", **context), status)


def handle_untrusted_host(error: SecurityError) -> Response:
    """A Host the app does not serve: no page can be built for it (no links), so plain text."""
    log.warning("untrusted host refused")
    return Response("Bad request: this address is not served here.\n", 400, mimetype="text/plain")


def handle_csrf_error(error: CSRFError) -> Response:
    log.warning("csrf refused", extra={"reason": error.description})
    page = unsaved.keep()
    if page is not None:
        return _typing_kept(page)
    if htmx:
        # The page's token no longer matches the session (it expired or the user signed out):
        # a fresh page gets a fresh token.
        return make_response("", 400, refresh=True)
    return error_response(
        400, "The form had expired. Go back, refresh the page and try again: nothing was saved."
    )


def _typing_kept(page: str) -> Response:
    """After keeping a refused post: ask the user to sign in (again) and come back to page."""
    signed_in = current_user.is_authenticated
    target = page if signed_in else url_for("accounts.sign_in", next=page)
    if htmx:
        body = render_template("errors/_typing_kept.html", target=target, signed_in=signed_in)
        return make_response(body, 200, retarget="#flash", reswap="outerHTML")
    flash(
        "Your page had expired, so your last changes are not saved yet. They have been put back "
        "below: check them, then save."
        if signed_in
        else "You were signed out, so your last changes are not saved yet. Sign in again and "
        "they will be put back for you to check and save.",
        "info",
    )
    return redirect(target, 303)


def handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        return handle_unexpected_error(error)
    message = error.description if status == 429 else None
    response = error_response(status, message)
    if status == 405 and error.get_response().headers.get("Allow"):
        response.headers["Allow"] = error.get_response().headers["Allow"]
    return response


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    if isinstance(error, NotFound):
        return error_response(404)
    if isinstance(error, PermissionDenied):
        return error_response(403)
    if isinstance(error, Conflict):
        return error_response(409, str(error))
    return error_response(422, str(error))


def handle_stale_data(error: StaleDataError) -> Response:
    """Someone else saved the same record between this page's load and its post."""
    db.session.rollback()
    return error_response(
        409, "Someone else changed this at the same moment. Reload the page to see their change."
    )


def handle_unexpected_error(error: Exception) -> Response:
    """Roll back, log with a reference, and show the reference: no details reach the page."""
    db.session.rollback()
    error_id = uuid.uuid4().hex[:10]
    original = getattr(error, "original_exception", None) or error
    if isinstance(original, InternalServerError):
        original = error
    if isinstance(original, DBAPIError):
        # The database's own message can quote the failing row (PostgreSQL's "Failing row
        # contains ..."): a victim's details. Log only what kind of failure it was.
        diag = getattr(original.orig, "diag", None)
        log.error(
            "database error",
            extra={
                "error_id": error_id,
                "error_type": type(original.orig).__name__,
                "constraint": getattr(diag, "constraint_name", None),
            },
        )
    else:
        log.error("unhandled error", extra={"error_id": error_id}, exc_info=original)
    typed = typed_values()
    try:
        return error_response(500, error_id=error_id, typed=typed)
    except Exception:  # noqa: BLE001 - the page needs the database (the menu names the user)
        return _bare_500(error_id, typed)


#: What a failed post may hand back: its free text, not its ids, tokens or versions.
NOT_TYPED = ("csrf_token", "version", "shown")
TYPED_LIMIT = 20_000


def typed_values() -> list[tuple[str, str]]:
    """The words a failed post carried, to put in front of its author again: every non-empty
    value that is not a token, a version or a bare number (an id or a choice)."""
    if not has_request_context() or request.method != "POST":
        return []
    kept: list[tuple[str, str]] = []
    total = 0
    for name, value in request.form.items(multi=True):
        text = value.strip()
        if not text or name.rsplit("-", 1)[-1] in NOT_TYPED or name.endswith("_id"):
            continue
        if text.isdigit() or len(text) < 3:
            continue
        total += len(text)
        if total > TYPED_LIMIT:
            break
        kept.append((name.rsplit("-", 1)[-1].replace("_", " ").capitalize(), text))
    return kept


def _bare_500(error_id: str, typed: list[tuple[str, str]]) -> Response:
    """The error page when even the usual one cannot be built (the database has gone): plain
    HTML from no template and no query, still with its reference."""
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Sorry, there is a problem with the service</title></head><body>"
        "<h1>Sorry, there is a problem with the service</h1>"
        "<p>Try again in a few minutes. Nothing you were saving was half-saved.</p>"
        f'<p>If you contact support, give this reference: <span class="app-error-id">{error_id}'
        "</span></p>"
        + "".join(
            f"<h2>{escape(name)}</h2><pre>{escape(value)}</pre>" for name, value in typed[:50]
        )
        + "</body></html>"
    )
    return Response(body, 500, mimetype="text/html")
