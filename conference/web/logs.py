"""Structured JSON logs. Messages and extras carry ids and outcomes, never case content.

It lives in web/ because, inside a request, each entry also names the request and the user.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Flask, g, has_request_context

_STANDARD = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON line per record, whatever state the app is in: a log line is most needed when
    the database has gone, so formatting never reads it, and a part that cannot be written is
    left out (named in "log_error") rather than losing the line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": str(record.msg),
        }
        failures: list[str] = []

        def part(fill: Callable[[], None]) -> None:
            try:
                fill()
            except Exception as failure:  # noqa: BLE001 - the line must still be written
                failures.append(type(failure).__name__)

        part(lambda: entry.update(message=record.getMessage()))
        if has_request_context():
            part(lambda: entry.update(request_id=g.get("request_id")))
            part(lambda: entry.update(user_id=_signed_in_user_id()))
        part(lambda: entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD}))
        if (exc_info := record.exc_info) is not None:
            part(lambda: entry.update(exception=self.formatException(exc_info)))
        if failures:
            entry["log_error"] = ",".join(failures)
        return json.dumps(entry, default=_printable)


def _printable(value: object) -> str:
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return f"<{type(value).__name__}>"


def _signed_in_user_id() -> str | None:
    """The id of the user this request has already loaded, read from the session's identity
    map: never a query (the user row may be expired after a rollback, the database gone)."""
    user = g.get("_login_user")
    state = sa.inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)  # anonymous visitors are not mapped
    return str(identity[0]) if identity else None


def init_app(app: Flask) -> None:
    root = logging.getLogger("conference")
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
