"""Fixtures: a fresh database per test, clients signed in as any role, a query counter.

SQLite (the default): a new database file per test. PostgreSQL (TEST_DATABASE_URL or
DATABASE_URL pointing at a server): a new database per run, emptied after every test.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from conference import create_app
from conference.config import normalise_database_url
from conference.extensions import db
from tests import factories


class FreshContextClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The app fixture keeps an app context pushed for the test body; without this, requests
    would reuse it and share ``g`` (Flask-Login caches the user there), hiding bugs. After
    each request the test's own session is rolled back, so it reads what was committed.
    """

    def open(self, *args, **kwargs):  # type: ignore[override]
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.rollback()
        return response


def _server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise_database_url(url) if url and url.startswith("postgres") else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """Create a throwaway PostgreSQL database for this run, and drop it afterwards."""
    server = _server_url()
    if server is None:
        yield None
        return
    name = f"conference_test_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


_postgres_schema_ready: set[str] = set()


@pytest.fixture
def database_url(postgres_url: str | None, tmp_path) -> str:
    return postgres_url or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret"},
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        if database_url.startswith("sqlite") or database_url not in _postgres_schema_ready:
            db.create_all()
            _postgres_schema_ready.add(database_url)
        yield app
        db.session.remove()
        if database_url.startswith("sqlite"):
            db.drop_all()
        else:
            _empty_postgres()
        db.engine.dispose()


def _empty_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user) -> FlaskClient:
    """Put the user's id in the client's server-side session, as a completed sign-in would."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


@pytest.fixture
def client_as(app: Flask) -> Callable[..., FlaskClient]:
    """Return a client signed in as a new user with the given role (keywords go to make_user)."""

    def make(role: str | None, **kwargs) -> FlaskClient:
        user = factories.make_user(role, **kwargs)
        client = app.test_client()
        client.user = user  # type: ignore[attr-defined]
        return sign_in(client, user)

    return make


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """Count the SQL statements run inside a with-block: `with count_queries() as q: ...`."""

    @contextlib.contextmanager
    def counter() -> Iterator[list[str]]:
        statements: list[str] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)

    return counter
