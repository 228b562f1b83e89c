"""The database itself refuses a control character in text, whatever wrote it.

The app refuses them first (conference.text, and the engine listener in conference.db); these
tests go past both with a raw DBAPI connection, as a script or another program would.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.db import Base, control_character_ddl, drop_control_character_ddl, text_columns
from conference.extensions import db
from tests import factories


def unguarded(connection: sa.Connection) -> dict[str, list[str]]:
    """The text columns of the models whose table lacks its control character trigger, or whose
    trigger leaves them out, by table."""
    dialect_name = connection.dialect.name
    with_text = {t.name: text_columns(t) for t in Base.metadata.sorted_tables if text_columns(t)}
    if dialect_name == "postgresql":
        guarded = _guarded_on_postgresql(connection)
        missing = {
            name: [c for c in cols if c not in guarded.get(name, ())]
            for name, cols in with_text.items()
        }
    else:
        existing = set(
            connection.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger'"
            ).scalars()
        )
        missing = {
            name: cols
            for name, cols in with_text.items()
            if not set(control_character_ddl(dialect_name, {name: cols})) <= existing
        }
    return {name: cols for name, cols in missing.items() if cols}


def _guarded_on_postgresql(connection: sa.Connection) -> dict[str, set[str]]:
    """By table, the columns its trigger both fires on (UPDATE OF) and checks (its arguments)."""
    rows = connection.exec_driver_sql(
        "SELECT c.relname, pg_get_triggerdef(t.oid), encode(t.tgargs, 'escape'), "
        "ARRAY(SELECT a.attname FROM pg_attribute a "
        "      WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr)) "
        "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND t.tgname = c.relname || '_no_control_characters'"
    )
    guarded: dict[str, set[str]] = {}
    for table, definition, arguments, fired_on in rows:
        if " BEFORE INSERT OR UPDATE OF " in definition and (
            " FOR EACH ROW EXECUTE FUNCTION refuse_control_characters(" in definition
        ):
            checked = arguments.split("\\000")
            guarded[table] = set(checked) & set(fired_on)
    return guarded


def test_every_table_with_text_has_the_trigger(app):
    with db.engine.connect() as conn:
        assert unguarded(conn) == {}
    assert sum(1 for t in Base.metadata.sorted_tables if text_columns(t)) > 30


def test_the_check_notices_a_table_without_its_trigger(app):
    dialect_name = db.engine.dialect.name
    statements = control_character_ddl(dialect_name, {"users": text_columns(User.__table__)})
    with db.engine.begin() as conn:
        conn.exec_driver_sql(drop_control_character_ddl(dialect_name, ["users"])[-1])
        assert list(unguarded(conn)) == ["users"]
        conn.exec_driver_sql(statements[-1])
        assert unguarded(conn) == {}


@contextlib.contextmanager
def raw_cursor() -> Iterator[tuple[Any, str]]:
    """A DBAPI cursor that no SQLAlchemy listener sees, and the driver's placeholder."""
    connection = db.engine.raw_connection()
    try:
        yield connection.cursor(), "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        connection.commit()
    finally:
        connection.rollback()
        connection.close()


REFUSED = ["\x01", "escape \x1b[31m", "bell \x07", "form feed \x0c", "delete \x7f", "next \x85"]
ACCEPTED = ["tab\there", "line\nbreak", "a text area's\r\nline break", "é ½ – 😀 \xa0"]


def _refused_by_the_database(statement: str, value: str) -> bool:
    integrity_error = db.engine.dialect.loaded_dbapi.IntegrityError
    try:
        with raw_cursor() as (cursor, mark):
            cursor.execute(statement.replace("?", mark), (value,))
    except integrity_error as refused:
        assert "control character refused in" in str(refused)
        return True
    return False


@pytest.mark.parametrize(
    ("value", "refused"), [(v, True) for v in REFUSED] + [(v, False) for v in ACCEPTED]
)
def test_raw_sql_storing_a_control_character_is_refused(app, value, refused):
    user = factories.make_user("chair")
    db.session.commit()
    update = f"UPDATE users SET job_title = ? WHERE id = {user.id}"
    assert _refused_by_the_database(update, value) is refused
    insert = (
        "INSERT INTO agencies (name, kind, contact_name, contact_email, contact_phone, "
        "is_active, created_at, updated_at) VALUES ('Raw', 'police', ?, '', '', true, "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    assert _refused_by_the_database(insert, value) is refused
    db.session.expire_all()
    assert (db.session.get(User, user.id).job_title == value) is not refused


def test_a_nul_is_refused_on_sqlite_too(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL text cannot hold a NUL at all")
    user = factories.make_user("chair")
    db.session.commit()
    for value in ("a\x00b", "\x00", "a\x00\x01"):
        assert _refused_by_the_database(f"UPDATE users SET name = ? WHERE id = {user.id}", value)


@pytest.mark.parametrize(
    "note",
    [
        # NUL too: PostgreSQL keeps it escaped in json, but cannot turn it back into text.
        json.dumps({"note": "kept \x00, \x01 and \x7f, escaped"}),
        # JSON lets DEL and the C1 range stand unescaped: only text columns are checked.
        json.dumps({"note": "kept \x7f and \x85, as they are"}, ensure_ascii=False),
    ],
)
def test_json_columns_are_not_text_columns(app, note):
    with raw_cursor() as (cursor, mark):
        cursor.execute(
            "INSERT INTO audit_events (at, verb, origin, detail) "
            f"VALUES (CURRENT_TIMESTAMP, 'test.event', 'test', {mark})",
            (note,),
        )
    stored = db.session.execute(sa.text("SELECT detail FROM audit_events")).scalar_one()
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored == json.loads(note)
