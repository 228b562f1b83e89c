"""The email jobs: compose an email per person for new notifications and deliver it; forget
emails past their keeping time."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.db import affected_rows
from conference.extensions import db
from conference.notifications import delivery, emails
from conference.notifications.models import OutboundEmail

#: How long the outbox keeps an email: long enough to answer "did I get told?", short enough
#: that the table (and its count on the outbox page) stays small however long the install runs.
EMAIL_KEEP_DAYS = 90


def send_emails(now: datetime) -> dict[str, int]:
    """Compose the new emails and deliver those due, including retries of earlier failures.

    The composed emails are committed before the first is handed over (see delivery).
    """
    composed = emails.compose_pending(now)
    return {"emails_composed": len(composed), **delivery.deliver_due(now)}


def forget_old_emails(now: datetime) -> dict[str, int]:
    """Delete outbox emails composed more than EMAIL_KEEP_DAYS ago, sent or not: an email only
    counts what was waiting then, so an old one tells nobody anything now. Idempotent."""
    cutoff = now - timedelta(days=EMAIL_KEEP_DAYS)
    gone = db.session.execute(sa.delete(OutboundEmail).where(OutboundEmail.created_at < cutoff))
    return {"emails_forgotten": affected_rows(gone)}
