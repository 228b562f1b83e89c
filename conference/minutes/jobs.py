"""Nudging chairs and coordinators whose minutes are not final."""

from __future__ import annotations

from datetime import datetime


def send_reminders(now: datetime) -> dict[str, int]:
    """Nudge once when minutes are not final three working days after the meeting."""
    raise NotImplementedError  # written in this change, before it lands
