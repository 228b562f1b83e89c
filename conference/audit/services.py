"""Writing the audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from conference.audit import context
from conference.audit.models import AuditEvent, AuditEventCase
from conference.db import utcnow
from conference.extensions import db


def record(
    actor: Any,
    verb: str,
    obj: Any = None,
    *,
    marac_id: int | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
    cases: Iterable[int] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction.

    ``actor`` is a User or None; ``obj`` any model with an ``id`` (its class name is the type).
    ``detail`` must hold no case content: ids, outcomes and field names only.
    ``cases``: the cases a list showed (default: ``detail["case_ids"]`` when there is one), kept
    beside the event so each case's access report finds the lists that named it.
    Adds to the session; the caller commits with the change it records.
    """
    origin = context.current()
    marac_id = marac_id if marac_id is not None else getattr(obj, "marac_id", None)
    event_ = AuditEvent(
        at=now or utcnow(),
        user_id=getattr(actor, "id", None),
        verb=verb,
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        marac_id=marac_id,
        ip=origin.ip,
        request_id=origin.request_id,
        origin=origin.source,
        detail=detail or {},
    )
    listed = cases if cases is not None else (detail or {}).get("case_ids") or ()
    event_.listed_cases = [AuditEventCase(case_id=case_id) for case_id in sorted(set(listed))]
    db.session.add(event_)
    return event_


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    """Stop any code path from editing or deleting an audit event through the ORM."""
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent | AuditEventCase):
            raise PermissionError("audit events are append-only")
