"""Per-request plumbing: request ids, the audit origin and structured access logging."""

from __future__ import annotations

import logging
import re
import secrets
import time
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_request_context, request
from werkzeug.routing import IntegerConverter, Map

from conference.audit import context as audit_context

log = logging.getLogger("conference.request")


#: The largest id a URL may carry: beyond it the database would fail rather than find nothing.
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:...>` in a URL: a number no larger than an id column holds, else 404."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def parse_id(value: str | None) -> int | None:
    """An id sent in a form field, or None when it is not one."""
    if value and ID_TEXT.fullmatch(value) and int(value) <= MAX_ID:
        return int(value)
    return None


ID_TEXT = re.compile(r"[0-9]{1,10}")


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)
    if app.config.get("QUERY_COUNT_HEADER"):
        # For the benchmark only (bench/): each answer says how many statements it ran.
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", _count_statement)


def _count_statement(*args: Any, **kwargs: Any) -> None:
    if has_request_context():
        g.statements = g.get("statements", 0) + 1


def _start() -> None:
    g.request_id = secrets.token_hex(8)
    g.started = time.perf_counter()
    g.audit_token = audit_context.bind(
        audit_context.Origin(ip=request.remote_addr, request_id=g.request_id, source="web")
    )


def _finish(response: Response) -> Response:
    if request.endpoint != "static":
        # The path template (the endpoint), never the URL: ids and tokens stay out of logs.
        log.info(
            "request",
            extra={
                "endpoint": request.endpoint,
                "method": request.method,
                "status": response.status_code,
                "ms": round((time.perf_counter() - g.get("started", time.perf_counter())) * 1000),
            },
        )
    response.headers["X-Request-Id"] = g.get("request_id", "")
    if current_app.config.get("QUERY_COUNT_HEADER"):
        response.headers["X-Query-Count"] = str(g.get("statements", 0))
    return response


def _reset(exc: BaseException | None) -> None:
    token = g.pop("audit_token", None)
    if token is not None:
        audit_context.reset(token)
