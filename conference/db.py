"""Declarative base, column helpers and the clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from conference.text import has_control_character

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no time zones, so without this it would hand back naive datetimes.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_class: type[StrEnum], name: str) -> sa.Enum:
    """Store a StrEnum by value as a string, with a named CHECK constraint in the database."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class TimestampMixin:
    #: When the row was created (UTC).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the row was last changed (UTC).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


# A BIGINT primary key that still autoincrements on SQLite (which only does so for INTEGER).
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def max_lengths(limits: dict[str, int]) -> tuple[sa.CheckConstraint, ...]:
    """CHECKs keeping text columns within their limits: SQLite ignores VARCHAR lengths."""
    return tuple(
        sa.CheckConstraint(f"length({column}) <= {limit}", name=f"{column}_max")
        for column, limit in limits.items()
    )


def affected_rows(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows a bulk UPDATE or DELETE matched.

    Session.execute is typed to return a Result; for these statements it is a CursorResult.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"not the result of an UPDATE or DELETE: {type(result).__name__}")
    return result.rowcount


def flush_or_conflict(message: str) -> None:
    """Flush; a row someone else changed meanwhile (its version moved) becomes a Conflict."""
    from sqlalchemy.orm.exc import StaleDataError

    from conference.errors import Conflict
    from conference.extensions import db

    try:
        db.session.flush()
    except StaleDataError as stale:
        raise Conflict(message) from stale


class ControlCharacterRefused(ValueError):
    """A text about to be stored holds a control character that an input rule should have
    refused beside its field: a bug, never a user's mistake."""


def refuse_control_characters(engine: sa.Engine) -> None:
    """Refuse, on every database, an INSERT or UPDATE of text holding a control character.

    The forms refuse them beside the field (conference.text); this is the backstop, so no
    path (a form that forgets, a job, the CLI) can store one. PostgreSQL refuses only NUL and
    SQLite nothing, so the check is ours rather than the database's: a CHECK on every text
    column would rebuild every SQLite table and be forgotten on the next column; one listener on
    the engine covers ORM and Core writes alike. JSON columns are stored escaped and pass.
    """

    @sa.event.listens_for(engine, "before_cursor_execute")
    def check(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        if statement.lstrip()[:6].upper() not in ("INSERT", "UPDATE"):
            return
        if has_control_character(_texts(parameters)):
            raise ControlCharacterRefused("a control character in text to be stored")


def _texts(parameters: Any) -> Iterator[str]:
    """Every text among a statement's parameters: a dict, a tuple, or (executemany or batched
    inserts) a sequence of either."""
    if isinstance(parameters, str):
        yield parameters
    elif isinstance(parameters, dict):
        for value in parameters.values():
            yield from _texts(value)
    elif isinstance(parameters, list | tuple):
        for value in parameters:
            yield from _texts(value)
