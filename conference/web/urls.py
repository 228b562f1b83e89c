"""Absolute addresses, for links that leave the app (emails, calendar apps, a link an admin
passes on): built from the configured BASE_URL, never from the Host a request claims."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def absolute_url(endpoint: str, **values: Any) -> str:
    """The endpoint's address under BASE_URL."""
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, **values)
