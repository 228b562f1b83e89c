"""Server-side sessions: sign-out kills them, idle ones expire, cookies are hardened."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import WebSession
from conference.db import utcnow
from conference.extensions import db
from tests.factories import PASSWORD, PRODUCTION_CONFIG, make_user


def signed_in(app, user):
    client = app.test_client()
    resp = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert resp.status_code == 303
    return client


def cookie_of(client, app):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def test_a_copied_cookie_stops_working_after_sign_out(app):
    user = make_user("coordinator")
    client = signed_in(app, user)
    stolen = cookie_of(client, app)
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], stolen)
    assert thief.get("/").status_code == 200  # the copy works while the session lives

    resp = client.post("/sign-out")
    assert resp.status_code == 303
    assert resp.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert thief.get("/").status_code == 302  # and is dead once the owner signs out
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).select_from(WebSession).where(WebSession.user_id == user.id)
        )
        == 0
    )


def test_the_session_id_changes_at_sign_in(app):
    user = make_user("chair")
    client = app.test_client()
    client.get("/sign-in")
    before = cookie_of(client, app)
    client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert cookie_of(client, app) != before
    # The pre-sign-in session no longer exists on the server.
    old = app.test_client()
    old.set_cookie(app.config["SESSION_COOKIE_NAME"], before)
    assert old.get("/").status_code == 302


def test_idle_session_expires_after_30_minutes(app):
    user = make_user("chair")
    client = signed_in(app, user)
    row = db.session.scalar(sa.select(WebSession).where(WebSession.user_id == user.id))
    assert timedelta(minutes=29) < row.expires_at - utcnow() <= timedelta(minutes=30)
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 302
    page = client.get(resp.headers["Location"])
    assert "signed out because your session expired" in page.text


def test_absolute_lifetime_ends_a_busy_session(app):
    user = make_user("chair")
    client = signed_in(app, user)
    row = db.session.scalar(sa.select(WebSession).where(WebSession.user_id == user.id))
    row.created_at = utcnow() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_only_a_hash_of_the_cookie_is_stored(app):
    user = make_user("chair")
    client = signed_in(app, user)
    cookie = cookie_of(client, app)
    stored = db.session.scalars(sa.select(WebSession.id_hash)).all()
    assert cookie not in stored and len(stored[0]) == 64


def test_session_cookie_flags(app):
    user = make_user("chair")
    client = app.test_client()
    resp = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    header = next(
        h
        for h in resp.headers.getlist("Set-Cookie")
        if h.startswith(app.config["SESSION_COOKIE_NAME"])
    )
    assert "HttpOnly" in header and "SameSite=Lax" in header
    assert "Expires" not in header  # ends with the browser; the server enforces idle expiry


def test_production_cookie_is_secure_and_host_prefixed():
    from conference import create_app

    app = create_app("production", PRODUCTION_CONFIG)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")


def test_sign_out_of_other_sessions_keeps_this_one(app):
    user = make_user("chair")
    laptop, desktop = signed_in(app, user), signed_in(app, user)
    resp = laptop.post("/account/sessions/end-others")
    assert resp.status_code == 303
    assert "Signed out of 1 other session" in laptop.get("/account").text
    assert desktop.get("/").status_code == 302


def test_sign_out_needs_a_post(app):
    user = make_user("chair")
    client = signed_in(app, user)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200


def test_a_signed_in_page_never_rolls_its_connection_back(app):
    """Reading the session ends with a commit and the page's work with the unit of work's:
    a rollback would make the PostgreSQL driver drop every statement it had prepared on that
    connection, and each page would be parsed and planned again from scratch."""
    user = make_user("coordinator")
    client = signed_in(app, user)
    client.get("/")
    rollbacks: list[str] = []

    def count(conn, *args) -> None:
        rollbacks.append("rollback")

    sa.event.listen(db.engine, "rollback", count)
    try:
        for _ in range(3):
            assert client.get("/").status_code == 200
    finally:
        sa.event.remove(db.engine, "rollback", count)
    assert rollbacks == []


def test_a_signed_in_page_takes_one_connection(app):
    """The session is read in the page's own transaction: one connection from the pool (and
    one check that it is still alive) for each page, not one for the session and another for
    the page. A follower's poll every few seconds is mostly this overhead."""
    user = make_user("coordinator")
    client = signed_in(app, user)
    client.get("/")
    checkouts: list[str] = []

    def count(*args) -> None:
        checkouts.append("checkout")

    sa.event.listen(db.engine.pool, "checkout", count)
    try:
        for _ in range(3):
            assert client.get("/").status_code == 200
    finally:
        sa.event.remove(db.engine.pool, "checkout", count)
    assert len(checkouts) == 3


def test_a_page_opened_again_runs_prepared_statements(own_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's")
    app = own_app()  # its own pool: one connection, as a web worker serving one user has
    user = make_user("coordinator")
    db.session.commit()
    client = signed_in(app, user)
    for _ in range(7):  # the driver prepares a statement once it has run it five times
        assert client.get("/").status_code == 200
    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
        connection.commit()
    finally:
        connection.close()
    # Without them, none: each statement was parsed and planned again on every request.
    assert prepared >= 3


def test_each_postgresql_connection_keeps_the_apps_statements_prepared(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("prepared statements are PostgreSQL's")
    from conference import PREPARED_STATEMENTS_KEPT

    connection = db.engine.raw_connection()
    try:
        # Room for every statement of the app, not the driver's 100.
        assert connection.driver_connection.prepared_max == PREPARED_STATEMENTS_KEPT >= 300
    finally:
        connection.close()


def test_each_postgresql_connection_reads_moments_in_utc(app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("the session time zone is PostgreSQL's")
    from datetime import UTC

    connection = db.engine.raw_connection()
    try:
        cursor = connection.cursor()
        cursor.execute("SHOW TIME ZONE")
        (zone,) = cursor.fetchone()
        cursor.execute("SELECT TIMESTAMPTZ '2026-12-06 09:30:00+00'")
        (moment,) = cursor.fetchone()
        connection.commit()
    finally:
        connection.close()
    # Whatever the server's own zone: the driver hands each moment back in UTC itself.
    assert zone == "UTC"
    assert moment.tzinfo is UTC and moment.hour == 9


def test_a_session_changed_and_changed_back_is_not_written_again(app):
    """A message flashed and shown in the same answer (each save on the console) leaves the
    session as it was: no write, no second transaction. A real change is written."""
    from flask import Response

    user = make_user("coordinator")
    client = signed_in(app, user)
    cookie = f"{app.config['SESSION_COOKIE_NAME']}={cookie_of(client, app)}"
    interface = app.session_interface
    writes: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if (
            statement.lstrip()
            .upper()
            .startswith(("UPDATE WEB_SESSIONS", "INSERT INTO WEB_SESSIONS"))
        ):
            writes.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        with app.test_request_context("/", headers={"Cookie": cookie}) as ctx:
            session = interface.open_session(app, ctx.request)
            session["_flashes"] = [("success", "The record of case M-1 is saved.")]
            session.pop("_flashes")
            assert session.modified
            interface.save_session(app, session, Response())
            assert writes == []

            session["next"] = "/cases/"
            interface.save_session(app, session, Response())
        assert len(writes) == 1
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
