"""Where a user may be sent after signing in: a path of this site, never another site."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def same_site_path(target: str | None) -> str | None:
    """target if it can only ever be a path of this site, else None.

    Browsers drop tabs and line breaks inside a URL and read a backslash as a slash, so
    "/\\t/evil.example" or "/\\\\evil.example" would leave the site: a target holding a control
    character or a backslash, even percent-encoded, is refused outright, as is
    anything that names a scheme or a host, or starts with two slashes once decoded.
    """
    if not target:
        return None
    for form in (target, unquote(target)):
        if any(ord(c) < 0x20 or ord(c) == 0x7F or c == "\\" for c in form):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or not form.startswith("/") or form.startswith("//"):
            return None
    return target.rstrip("?") or None
