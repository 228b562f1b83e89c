"""Fresh databases built by the migrations, as an operator's would be, for backup and role tests."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from conference import create_app
from conference.extensions import db, migrations


class Server:
    """Makes and drops whole databases (and roles) on the PostgreSQL server of the run."""

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        self.engine = sa.create_engine(
            self.url.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        self.databases: list[str] = []
        self.roles: list[str] = []

    def database(self, owner: str | None = None) -> str:
        name = f"conference_ops_{secrets.token_hex(4)}"
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f" OWNER {owner}" if owner else ""))
        self.databases.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def role(self, kind: str) -> str:
        name = f"conference_{kind}_{secrets.token_hex(3)}"
        with self.engine.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN")
        self.roles.append(name)
        return name

    def as_role(self, url: str, role: str) -> str:
        return (
            sa.make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
        )

    def drop_all(self) -> None:
        with self.engine.connect() as conn:
            for name in self.databases:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (name,),
                )
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            for role in self.roles:
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {role}")
        self.engine.dispose()


@pytest.fixture
def server(test_database) -> Iterator[Server | None]:
    """The PostgreSQL server of the run, or None on SQLite."""
    url = getattr(test_database, "url", "")
    if not url.startswith("postgresql"):
        yield None
        return
    made = Server(url)
    try:
        yield made
    finally:
        made.drop_all()


@pytest.fixture
def fresh_database(server: Server | None, tmp_path: Path) -> Callable[..., str]:
    """A new, empty database of the run's kind: its URL."""
    count = iter(range(100))

    def make(owner: str | None = None) -> str:
        if server is None:
            return f"sqlite:///{tmp_path / f'fresh-{next(count)}.db'}"
        return server.database(owner)

    return make


@pytest.fixture
def app_on() -> Iterator[Callable[..., Flask]]:
    """Apps of a test's own on a given database: `app_on(url, SETTING=value)`."""
    with contextlib.ExitStack() as stack:

        def make(url: str, **settings: Any) -> Flask:
            app = create_app(
                "testing", {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "test-secret", **settings}
            )
            stack.callback(_dispose, app)
            return app

        yield make


def _dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def migrate_to_head(app: Flask) -> None:
    with app.app_context():
        upgrade(directory=migrations(app).directory)
        db.session.remove()
