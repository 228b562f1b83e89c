"""The app's own database role: it may read and write cases, but never rewrite history.

On PostgreSQL the migrations run as an owner role, which owns every table; the web nodes and
the scheduler connect as a separate app role holding only the rights granted here. The app
role cannot TRUNCATE, ALTER (so cannot disable a trigger) or DROP any table, since only an
owner may; on the audit table it may only INSERT and SELECT. SQLite has no roles: its triggers
are the only guard, which is one reason it is for a single machine only.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from conference.audit.models import AuditEvent, AuditEventCase

_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
AUDIT_TABLE = AuditEvent.__tablename__
#: The audit trail's tables: the events, and the cases each list event showed.
AUDIT_TABLES = (AUDIT_TABLE, AuditEventCase.__tablename__)


class RoleNameError(ValueError):
    pass


def app_role_grants(role: str, database: str) -> list[str]:
    """The statements giving the app role what it needs on every table there is now.

    Run after every migration (migrations/env.py does), so a new table is granted too.
    """
    if not _ROLE_NAME.match(role):
        raise RoleNameError(f"{role!r} is not a plain role name (lower case, digits, _)")
    quoted_database = '"' + database.replace('"', '""') + '"'
    return [
        f"GRANT CONNECT ON DATABASE {quoted_database} TO {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # History is only ever added to.
        *(
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role}"
            for table in AUDIT_TABLES
        ),
        # Only the owner migrates; the app reads the revision for /healthz.
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}",
    ]


def grant_app_role(connection: sa.Connection, role: str) -> None:
    """Grant the app role its rights in this connection's database (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return
    database = connection.scalar(sa.text("SELECT current_database()"))
    for statement in app_role_grants(role, str(database)):
        connection.exec_driver_sql(statement)
