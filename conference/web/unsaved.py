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
    # A function takes attributes, but its declared type has none to set.
    view.keeps_typing = True  # type: ignore[attr-defined]
    return view


#: Bounds on what is kept: a referral step sends far less than this.
MAX_VALUES = 400
MAX_LENGTH = 60_000


def keep() -> str | None:
    """Keep the refused post's values if its view asks for it; return the page to go back to.

    Only a post the browser says came from one of our own pages is kept: a forged post from
    another site must never be put in front of a practitioner as "what you typed".
    """
    view = current_app.view_functions.get(request.endpoint or "")
    if request.method != "POST" or not getattr(view, "keeps_typing", False):
        return None
    if not _from_our_own_page():
        return None
    values: list[tuple[str, str]] = []
    total = 0
    for key, value in request.form.items(multi=True):
        if key in ("csrf_token", "action"):
            continue
        total += len(key) + len(value)
        if total > MAX_LENGTH or len(values) >= MAX_VALUES:
            break
        values.append((key, value))
    session[SESSION_KEY] = {"path": request.path, "values": values}
    return request.path


def _from_our_own_page() -> bool:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin.rstrip("/") == request.host_url.rstrip("/")


def take(path: str) -> MultiDict[str, str] | None:
    """The values kept for the page at path, removed from the session; None if there are none."""
    kept = session.get(SESSION_KEY)
    if not kept or kept.get("path") != path:
        return None
    session.pop(SESSION_KEY)
    return MultiDict([tuple(pair) for pair in kept["values"]])
