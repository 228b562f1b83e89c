"""The append-only audit trail: every change, every sign-in and every read of case data."""

from conference.audit import context
from conference.audit.services import record

__all__ = ["context", "record"]
