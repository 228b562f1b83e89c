"""Per-request plumbing: request ids, the audit origin and structured access logging."""

from __future__ import annotations

import logging
import secrets
import time

from flask import Flask, Response, g, request

from conference.audit import context as audit_context

log = logging.getLogger("conference.request")


def init_app(app: Flask) -> None:
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_reset)


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
    return response


def _reset(exc: BaseException | None) -> None:
    token = g.pop("audit_token", None)
    if token is not None:
        audit_context.reset(token)
