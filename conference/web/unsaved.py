"""Keeping what someone typed when their session ends under them.

A form posted after the session expired (or after signing in again in another tab) fails the
CSRF check, which would throw the typing away. For views marked ``keeps_typing``, the CSRF
handler keeps the posted values in the (server-side) session instead; the page puts them back
in the form, unsaved, for the user to check and save once signed in again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, request, session
from werkzeug.datastructures import MultiDict

F = TypeVar("F", bound=Callable[..., Any])

SESSION_KEY = "unsaved_form"


def keeps_typing(view: F) -> F:
    """Mark a view whose posts are kept when refused for an expired session."""
    view.keeps_typing = True  # type: ignore[attr-defined]
    return view


def keep() -> str | None:
    """Keep the refused post's values if its view asks for it; return the page to go back to."""
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or not getattr(view, "keeps_typing", False):
        return None
    page = request.path
    values = [
        (k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "action")
    ]
    session[SESSION_KEY] = {"path": page, "values": values}
    return page


def take(path: str) -> MultiDict[str, str] | None:
    """The values kept for the page at path, removed from the session; None if there are none."""
    kept = session.get(SESSION_KEY)
    if not kept or kept.get("path") != path:
        return None
    session.pop(SESSION_KEY)
    return MultiDict([tuple(pair) for pair in kept["values"]])
