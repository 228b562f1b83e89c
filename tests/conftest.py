"""Fixtures: one app per run on a database emptied for every test, cached worlds, clients
signed in as any role, a query counter.

SQLite (the default): a file per run (per xdist worker), copied back from a template for every
test. PostgreSQL (TEST_DATABASE_URL or DATABASE_URL pointing at a server): a new database per
run (per worker), emptied for every test. See tests/database.py.
"""

from __future__ import annotations

import contextlib
import copy
import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from conference import create_app
from conference.config import normalise_database_url
from conference.extensions import db
from tests import factories
from tests.database import PostgresDatabase, SqliteDatabase, TestDatabase


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
        sent = response.request
        SENT.append((sent.method, "HX-Request" in sent.headers, response.status_code))
        return response


#: What the test clients sent in the current test: (method, with HX-Request, status answered).
SENT: list[tuple[str, bool, int]] = []


@pytest.fixture(autouse=True)
def plain_conflict_posted(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test named in tests/test_conflicts.py must post a stale form without JavaScript (no
    HX-Request) and get a 409; for a record whose stale saves are reconciled, a plain post."""
    from tests.test_conflicts import conflict_test_kinds

    node = request.node.nodeid.split("[")[0]
    SENT.clear()
    yield
    if node not in conflict_test_kinds():
        return
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if params.get("headers"):
        return  # the htmx run of a test parametrized over both ways of posting
    plain = [status for method, htmx, status in SENT if method == "POST" and not htmx]
    assert plain, f"{node} made no plain form post"
    if conflict_test_kinds()[node]:
        assert 409 in plain, f"{node} got no 409 for a plain form post"


def _server_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return normalise_database_url(url) if url and url.startswith("postgres") else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """Create a throwaway PostgreSQL database for this run (or xdist worker); drop it after."""
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


@pytest.fixture(scope="session")
def test_database(postgres_url: str | None, tmp_path_factory) -> TestDatabase:
    if postgres_url:
        return PostgresDatabase(postgres_url)
    return SqliteDatabase(tmp_path_factory.mktemp("database"))


@pytest.fixture(scope="session")
def shared_app(test_database: TestDatabase) -> Iterator[Flask]:
    """One app per run (per xdist worker), so templates and SQL are compiled once."""
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": test_database.url, "SECRET_KEY": "test-secret"},
    )
    app.test_client_class = FreshContextClient
    with app.app_context():
        test_database.watch(db.engine)
        test_database.build_schema()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def database_url(test_database: TestDatabase, shared_app: Flask) -> str:
    """The run's database, empty: for tests that build an app of their own on it."""
    with shared_app.app_context():
        test_database.reset()
    return test_database.url


@pytest.fixture
def app(shared_app: Flask, database_url: str) -> Iterator[Flask]:
    """The run's app on an empty database, its settings as the files give them.

    A test may change app.config freely: the settings are put back afterwards.
    """
    settings = copy.deepcopy(dict(shared_app.config))
    try:
        with shared_app.app_context():
            yield shared_app
            db.session.remove()
    finally:
        shared_app.config.clear()
        shared_app.config.update(settings)


@pytest.fixture
def own_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Build apps of a test's own on the run's (empty) database: `own_app(SETTING=value)`.

    For tests that add routes (the shared app refuses them once it has served a request) or
    need settings fixed at start-up.
    """
    with contextlib.ExitStack() as contexts:

        def make(**settings: Any) -> Flask:
            app = create_app(
                "testing",
                {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret", **settings},
            )
            app.test_client_class = FreshContextClient
            contexts.callback(_close_app, app)
            contexts.enter_context(app.app_context())  # as the shared app's tests have
            return app

        yield make


def _close_app(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def cached_world(app: Flask, test_database: TestDatabase) -> Callable[..., Any]:
    """Build a world once per run and restore it for each test: `cached_world(key, build)`.

    build() makes records and returns them in a SimpleNamespace, dataclass, dict or list; the
    test gets them loaded afresh in its own session. See tests/database.py.
    """
    return test_database.world


def _seed_demo() -> None:
    from conference.db import utcnow
    from conference.demo.seed import seed_demo

    seed_demo(now=utcnow())


@pytest.fixture
def demo(cached_world) -> None:
    """The demo data (MARACs, users with DEMO_PASSWORD, cases in every state), seeded once per
    run and restored for each test that asks: seeding costs seconds, restoring a fraction."""
    cached_world("demo", _seed_demo)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def sign_in(client: FlaskClient, user) -> FlaskClient:
    """Put the user's id in the client's server-side session, as a completed sign-in would."""
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    return client


#: The header htmx sends with every request it makes.
HTMX = {"HX-Request": "true"}


@pytest.fixture
def as_user(app: Flask) -> Callable[..., FlaskClient]:
    """Return a client signed in as the given (existing) user: `as_user(world.chair)`."""

    def client_for(user) -> FlaskClient:
        return sign_in(app.test_client(), user)

    return client_for


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
