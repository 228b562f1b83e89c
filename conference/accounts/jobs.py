"""Scheduled housekeeping for accounts."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from conference.accounts.models import PasswordSetLink, WebSession
from conference.db import affected_rows
from conference.extensions import db


def purge_expired(now: datetime) -> dict[str, int]:
    """Delete expired sessions and spent or expired password-set links. Idempotent."""
    sessions = db.session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    links = db.session.execute(
        sa.delete(PasswordSetLink).where(
            sa.or_(PasswordSetLink.expires_at <= now, PasswordSetLink.used_at.is_not(None))
        )
    )
    return {"sessions": affected_rows(sessions), "password_links": affected_rows(links)}
