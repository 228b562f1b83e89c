"""The send-emails job: compose an email per person for new notifications, then deliver."""

from __future__ import annotations

from datetime import datetime

from conference.notifications import delivery, emails


def send_emails(now: datetime) -> dict[str, int]:
    """Compose the new emails and deliver those due, including retries of earlier failures.

    The composed emails are committed before the first is handed over (see delivery).
    """
    composed = emails.compose_pending(now)
    return {"emails_composed": len(composed), **delivery.deliver_due(now)}
