"""When the database fails: the next request after a dropped connection still succeeds, and a
500 keeps its reference and exactly one JSON log line, even when the log itself cannot read
the database."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.web.logs import JsonFormatter
from tests import factories
from tests.conftest import sign_in


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_500_while_the_database_is_gone_has_one_log_line_with_its_reference(own_app):
    app = own_app()
    user = factories.make_user("coordinator")

    @app.get("/database-gone-for-test")
    def gone():
        # The user is loaded; then every later statement fails, as when the server goes away.
        def refuse(*_args, **_kwargs):
            raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed"))

        sa.event.listen(db.engine, "before_cursor_execute", refuse)
        try:
            db.session.rollback()  # expires the user: reading it again would need the database
            raise RuntimeError("the request failed")
        finally:
            app.extensions["fault_listener"] = refuse

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("conference")
    logger.addHandler(handler)
    client = sign_in(app.test_client(), user)
    try:
        resp = client.get("/database-gone-for-test")
    finally:
        logger.removeHandler(handler)
        sa.event.remove(db.engine, "before_cursor_execute", app.extensions["fault_listener"])
    assert resp.status_code == 500
    reference = re.search(r'class="app-error-id">([0-9a-f]{10})<', resp.text).group(1)
    lines = [line for line in _lines(stream) if line.get("error_id") == reference]
    assert len(lines) == 1
    assert lines[0]["user_id"] == str(user.id) and "log_error" not in lines[0]


def test_the_formatter_writes_its_line_even_when_a_field_cannot_be_read():
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("cannot print")

    record = logging.makeLogRecord({"msg": "job %s failed", "args": (Unprintable(),)})
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "job %s failed" and line["log_error"] == "RuntimeError"


def test_the_next_request_after_the_server_drops_the_connections_succeeds(app, client_as):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("terminating the app's connections needs PostgreSQL")
    client = client_as("coordinator")
    assert client.get("/").status_code == 200  # a pooled connection now exists
    with db.engine.connect() as admin:
        admin.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert client.get("/").status_code == 200


def test_a_failed_post_hands_back_what_was_typed(own_app):
    app = own_app()
    user = factories.make_user("coordinator")

    @app.post("/failing-save-for-test")
    def failing():
        raise RuntimeError("the save failed")

    client = sign_in(app.test_client(), user)
    typed = "She fears he <will> return on Friday night"
    resp = client.post(
        "/failing-save-for-test",
        data={"risk_to_victim": typed, "version": "3", "owner_agency_id": "12"},
    )
    assert resp.status_code == 500
    assert "What you typed, not saved" in resp.text
    assert "She fears he &lt;will&gt; return on Friday night" in resp.text
    assert "Risk to victim" in resp.text and ">12<" not in resp.text
