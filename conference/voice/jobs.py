"""Nudging advocates who have not told the victim the meeting's outcome."""

from __future__ import annotations

from datetime import datetime


def send_feedback_reminders(now: datetime) -> dict[str, int]:
    """Nudge each advocate once when feedback is two working days late."""
    raise NotImplementedError  # written in this change, before it lands
