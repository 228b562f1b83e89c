"""Nudging advocates who have not told the victim the meeting's outcome."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import raiseload

from conference.accounts.models import Role, RoleGrant, User
from conference.conferences import display
from conference.conferences.models import AgendaItem, Conference
from conference.conferences.rules import add_working_days
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.models import Case
from conference.referrals.services import today_in
from conference.voice.models import VictimVoice
from conference.voice.queries import DEALT_WITH, OVER, RECENT_DAYS

#: She should be told within this many working days of the meeting.
FEEDBACK_WORKING_DAYS = 2


def feedback_candidates(now: datetime) -> dict[Conference, set[int]]:
    """Concluded conferences of the last RECENT_DAYS days -> the advocates with a case
    discussed or deferred there whose outcome is not recorded. One query.

    Only advocates who still hold the role in the case's MARAC and can sign in: the page the
    nudge links to is theirs alone.
    """
    # Told, not safe to contact, or not reached: each ends the reminders.
    told = sa.exists().where(
        VictimVoice.agenda_item_id == AgendaItem.id, VictimVoice.outcome_result.is_not(None)
    )
    still_advocate = sa.exists().where(
        RoleGrant.user_id == Case.advocate_id,
        RoleGrant.marac_id == Case.marac_id,
        RoleGrant.role == Role.ADVOCATE,
    )
    rows = db.session.execute(
        sa.select(Conference, User.id)
        .join(AgendaItem, AgendaItem.conference_id == Conference.id)
        .join(Case, Case.id == AgendaItem.case_id)
        .join(User, User.id == Case.advocate_id)
        .options(raiseload(Conference.chair))
        .where(
            Conference.status.in_(OVER),
            Conference.starts_at >= now - timedelta(days=RECENT_DAYS),
            Conference.starts_at <= now - timedelta(days=FEEDBACK_WORKING_DAYS),
            AgendaItem.status.in_(DEALT_WITH),
            User.is_active_account.is_(True),
            still_advocate,
            ~told,
        )
    )
    found: dict[Conference, set[int]] = {}
    for conference, advocate_id in rows:
        found.setdefault(conference, set()).add(advocate_id)
    return found


def send_feedback_reminders(now: datetime) -> dict[str, int]:
    """The job: two working days after a meeting (in its MARAC's time zone), nudge each
    advocate who has not recorded telling her the outcome. Once per conference and advocate,
    however often it runs."""
    due = {
        conference: advocate_ids
        for conference, advocate_ids in feedback_candidates(now).items()
        if add_working_days(display.local_day(conference), FEEDBACK_WORKING_DAYS)
        <= today_in(conference.marac, now)
    }
    nudged = 0
    for conference, advocate_ids in sorted(due.items(), key=lambda pair: pair[0].id):
        nudged += len(
            notifications.notify(
                advocate_ids,
                "voice.feedback_due",
                key=f"voice.feedback_due:{conference.id}",
                reference=display.reference(conference),
                link=Link("voice.index"),
                now=now,
            )
        )
    return {"conferences": len(due), "advocates_nudged": nudged}
