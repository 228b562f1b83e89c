"""Where the current unit of work comes from, for the audit trail.

The web layer binds the client address and request id at the start of each request; jobs and
CLI commands bind their own origin. Services can then write audit events without reaching
for request globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    request_id: str | None = None
    source: str = "web"


UNKNOWN = Origin(source="unknown")
_current: ContextVar[Origin] = ContextVar("audit_origin")


def bind(origin: Origin) -> Token[Origin]:
    """Make origin current until reset(token)."""
    return _current.set(origin)


def reset(token: Token[Origin]) -> None:
    _current.reset(token)


def current() -> Origin:
    return _current.get(UNKNOWN)


@contextmanager
def bound(origin: Origin) -> Iterator[None]:
    """Run a block (a job, a CLI command) with origin current."""
    token = bind(origin)
    try:
        yield
    finally:
        reset(token)
