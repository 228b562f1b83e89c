"""The append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.db import BigIntPK, UTCDateTime, utcnow
from conference.extensions import Model


class AuditEvent(Model):
    """Who did what to which object, when and from where. Never updated, never deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    #: Empty for events with no signed-in user (failed sign-in, scheduled jobs).
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Dotted verb, e.g. "auth.login_failed", "case.viewed".
    verb: Mapped[str] = mapped_column(sa.String(64))
    object_type: Mapped[str | None] = mapped_column(sa.String(40))
    object_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: The MARAC the object belongs to, so coordinators can see their area's trail.
    marac_id: Mapped[int | None] = mapped_column(sa.ForeignKey("maracs.id"))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    request_id: Mapped[str | None] = mapped_column(sa.String(32))
    #: Where the event came from when not a web request, e.g. "job:purge-expired", "cli".
    origin: Mapped[str] = mapped_column(sa.String(40), default="web")
    #: Non-sensitive facts only: ids, outcomes, field names. Never case content.
    detail: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    user = relationship("User", lazy="raise")
    #: The cases a list showed (see AuditEventCase); written with the event, never read back.
    listed_cases: Mapped[list[AuditEventCase]] = relationship(lazy="raise")

    __table_args__ = (
        # Each filter of the log, newest first, from its own index: a page of 50 never sorts
        # the trail (the leading column serves equality look-ups as a single index would).
        sa.Index("ix_audit_events_user_at", "user_id", "at"),
        sa.Index("ix_audit_events_verb_at", "verb", "at"),
        sa.Index("ix_audit_events_marac_at", "marac_id", "at"),
        sa.Index("ix_audit_events_object", "object_type", "object_id"),
        sa.Index("ix_audit_events_ip_verb_at", "ip", "verb", "at"),
    )

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.verb}>"


class AuditEventCase(Model):
    """A case an audit event showed in a list (the cases list, the tracker, an agenda), so the
    case's access report finds every list that named it. Added with its event, never changed.

    No foreign key to cases: like the event itself, it outlives a case deleted by retention.
    """

    __tablename__ = "audit_event_cases"

    event_id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        sa.ForeignKey("audit_events.id"),
        primary_key=True,
    )
    case_id: Mapped[int] = mapped_column(primary_key=True)

    __table_args__ = (sa.Index("ix_audit_event_cases_case", "case_id", "event_id"),)


# The database itself refuses to change history, whatever code runs against it.
_APPEND_ONLY_SQLITE = [
    f"CREATE TRIGGER audit_events_no_{op.lower()} BEFORE {op} ON audit_events "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
    for op in ("UPDATE", "DELETE")
]
#: TRUNCATE empties a table without firing row triggers: refused on its own (SQLite has none).
TRUNCATE_TRIGGER_POSTGRESQL = [
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
]
_APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    *TRUNCATE_TRIGGER_POSTGRESQL,
]


def append_only_trigger_names(dialect_name: str) -> list[str]:
    """The triggers that keep audit_events append-only on this dialect."""
    if dialect_name == "postgresql":
        return ["audit_events_no_change", "audit_events_no_truncate"]
    return ["audit_events_no_update", "audit_events_no_delete"]


def append_only_statements(dialect_name: str) -> list[str]:
    """DDL that makes audit_events append-only on this dialect (used by models and migrations)."""
    return _APPEND_ONLY_POSTGRESQL if dialect_name == "postgresql" else _APPEND_ONLY_SQLITE


@sa.event.listens_for(AuditEvent.__table__, "after_create")
def _make_append_only(target: sa.Table, connection: sa.Connection, **kw: Any) -> None:
    for statement in append_only_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)
