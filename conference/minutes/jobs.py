"""Nudging chairs and coordinators whose minutes are not final."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.conferences import display, rules
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import Conference
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.services import coordinator_ids, today_in

#: Minutes should be final this many working days after the meeting.
WORKING_DAYS_TO_FINALISE = 3


def send_reminders(now: datetime) -> dict[str, int]:
    """Nudge once when minutes are not final three working days after the meeting.

    Tells the conference's chair and the MARAC's coordinators, once per conference however
    often the job runs. Adds to the session; the job runner commits.
    """
    # Three working days are at least three calendar days: anything later cannot be due yet.
    candidates = db.session.scalars(
        sa.select(Conference).where(
            Conference.status == ConferenceStatus.CONCLUDED,
            Conference.starts_at <= now - timedelta(days=2),
        )
    ).all()
    due = [
        c
        for c in candidates
        if rules.add_working_days(display.local_day(c), WORKING_DAYS_TO_FINALISE)
        <= today_in(c.marac, now)
    ]
    coordinators: dict[int, list[int]] = {}
    sent = 0
    for conference in due:
        if conference.marac_id not in coordinators:
            coordinators[conference.marac_id] = coordinator_ids(conference.marac_id)
        recipients = set(coordinators[conference.marac_id])
        if conference.chair_id is not None:
            recipients.add(conference.chair_id)
        sent += len(
            notifications.notify(
                recipients,
                "minutes.reminder",
                key=f"minutes.reminder:{conference.id}",
                reference=display.reference(conference),
                link=Link("minutes.page", {"conference_id": conference.id}),
                now=now,
            )
        )
    return {"conferences": len(due), "reminders": sent}
