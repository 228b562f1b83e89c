"""Declarative base, column helpers and the clock."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination, SelectPagination
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
        if value is None or value.tzinfo is UTC:  # PostgreSQL's, in the UTC of each session
            return value
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


# The database's own refusal of control characters ------------------------------------------
#
# Every table with text gets a trigger that refuses a row whose text holds a control character:
# any but tab, line feed and carriage return, DEL and the C1 range included (the input rule in
# conference.text also refuses a lone carriage return; the database does not try). Raw SQL, a
# script or a second app on the same database meets the same refusal as the app.

#: The PostgreSQL function every table's trigger calls with the names of its text columns. NUL
#: never reaches it: PostgreSQL text cannot hold one. Most rows hold nothing to refuse, so one
#: search of the row's text form (where a control character shows as itself, while JSON keeps
#: its escapes) passes them; only a row it stops is read column by column, to refuse it if the
#: character sits in a text column and to name that column. Reading the row as JSON instead
#: would fail on a JSON column holding an escaped NUL, which JSON to text cannot convert.
_REFUSE_FUNCTION = r"""CREATE OR REPLACE FUNCTION refuse_control_characters() RETURNS trigger AS $$
DECLARE
    pattern constant text := '[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]';
    column_name text;
    found_one boolean;
BEGIN
    IF NEW::text !~ pattern THEN
        RETURN NEW;
    END IF;
    FOREACH column_name IN ARRAY TG_ARGV LOOP
        EXECUTE 'SELECT ($1).' || quote_ident(column_name) || ' ~ $2'
            INTO found_one USING NEW, pattern;
        IF found_one THEN
            RAISE EXCEPTION USING
                MESSAGE = 'control character refused in ' || TG_TABLE_NAME || '.' || column_name,
                ERRCODE = 'check_violation';
        END IF;
    END LOOP;
    RETURN NEW;
END
$$ LANGUAGE plpgsql"""

#: A GLOB pattern for SQLite matching a text with one of the same characters. NUL cannot sit in
#: a pattern (it would end it), and a GLOB reads a text only up to its first NUL: instr finds it.
_SQLITE_PATTERN = (
    "'*[' || char(1) || '-' || char(8) || char(11, 12) || char(14) || '-' || char(31)"
    " || char(127) || '-' || char(159) || ']*'"
)


def text_columns(table: sa.Table) -> list[str]:
    """The names of a table's text columns; not enums, whose CHECK already fences them."""
    return [
        column.name
        for column in table.columns
        if isinstance(column.type, sa.String) and not isinstance(column.type, sa.Enum)
    ]


def control_character_trigger_names(dialect_name: str, table: str) -> list[str]:
    """The names of the triggers control_character_ddl gives a table."""
    if dialect_name == "postgresql":
        return [f"{table}_no_control_characters"]
    return [f"{table}_no_control_characters_on_{event}" for event in ("insert", "update")]


def control_character_ddl(dialect_name: str, tables: dict[str, list[str]]) -> list[str]:
    """The statements that make the database refuse control characters in these text columns.

    tables maps each table to its text columns. On PostgreSQL the shared function comes first.
    An UPDATE fires the trigger only when it sets one of the columns. Used by create_all (see
    below) and by the migrations, which name their tables and columns as they stood then.
    """
    statements = [_REFUSE_FUNCTION] if dialect_name == "postgresql" else []
    for table, columns in tables.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        if dialect_name == "postgresql":
            arguments = ", ".join(f"'{c}'" for c in columns)
            (name,) = control_character_trigger_names(dialect_name, table)
            statements.append(
                f'CREATE TRIGGER {name} BEFORE INSERT OR UPDATE OF {listed} ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION refuse_control_characters({arguments})"
            )
            continue
        refused = " OR ".join(
            f'instr(NEW."{c}", char(0)) > 0 OR NEW."{c}" GLOB {_SQLITE_PATTERN}' for c in columns
        )
        on_insert, on_update = control_character_trigger_names(dialect_name, table)
        for name, event in ((on_insert, "INSERT"), (on_update, f"UPDATE OF {listed}")):
            statements.append(
                f'CREATE TRIGGER {name} BEFORE {event} ON "{table}" WHEN {refused} '
                f"BEGIN SELECT RAISE(ABORT, 'control character refused in {table}'); END"
            )
    return statements


def drop_control_character_ddl(dialect_name: str, tables: list[str]) -> list[str]:
    """The statements that take these tables' control character triggers away."""
    return [
        f'DROP TRIGGER {name} ON "{table}"'
        if dialect_name == "postgresql"
        else f"DROP TRIGGER {name}"
        for table in tables
        for name in control_character_trigger_names(dialect_name, table)
    ]


@sa.event.listens_for(Base.metadata, "after_create")
def _refuse_control_characters_in_new_tables(
    target: sa.MetaData, connection: sa.Connection, tables: Sequence[sa.Table] = (), **kw: Any
) -> None:
    with_text = {table.name: text_columns(table) for table in tables if text_columns(table)}
    if with_text:
        for statement in control_character_ddl(connection.dialect.name, with_text):
            connection.exec_driver_sql(statement)


class ControlCharacterRefused(ValueError):
    """A text about to be stored holds a control character that an input rule should have
    refused beside its field: a bug, never a user's mistake."""


def refuse_control_characters(engine: sa.Engine) -> None:
    """Refuse, on every database, an INSERT or UPDATE of text holding a control character.

    The forms refuse them beside the field (conference.text). The database refuses them too
    (control_character_ddl), whatever the path; this listener only gets there first, with an
    error that names the rule, for ORM and Core writes alike. It also refuses the lone carriage
    return, which the database lets by. JSON columns are stored escaped and pass.
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


#: The furthest page a list goes to: a page number past it is read as this one, never an error.
MAX_PAGE = 100_000


def one_page(
    query: sa.Select[Any], *, page: int, per_page: int, counted_with_rows: bool = False
) -> Pagination:
    """One page of a list's rows with their count. A page number below 1 shows the first page;
    one past the last shows no rows (the pager then offers the pages there are).

    ``counted_with_rows``: the count comes with the page's rows, from the same statement (see
    CountedWithRows), for a list whose page reads every matching row anyway."""
    from conference.extensions import db  # the extension is built on this module's Base

    paging = CountedWithRows if counted_with_rows else SelectPagination
    return paging(
        select=query,
        session=db.session(),
        page=min(max(page, 1), MAX_PAGE),
        per_page=per_page,
        max_per_page=per_page,
        error_out=False,
        count=True,
    )


class CountedWithRows(SelectPagination):
    """A page whose total comes with its rows, counted by the same statement.

    For a list ordered by something computed over every matching row (a grouped date, say),
    the database reads them all to find the first page: a second statement to count them would
    read them all again. Past the last page no row brings the count, so it is asked apart."""

    _counted: int | None = None

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].add_columns(sa.func.count().over())
        select = select.limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(select).unique().all()
        if rows:
            self._counted = rows[0][-1]
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._counted if self._counted is not None else super()._query_count()
