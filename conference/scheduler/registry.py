"""Every job the scheduler runs, with its timetable. Jobs take ``now`` and return counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conference.accounts.jobs import purge_expired
from conference.actions.jobs import send_action_reminders
from conference.conferences.planning import plan_conferences
from conference.conferences.publishing import publish_due
from conference.escalation.jobs import run_ladder
from conference.minutes.jobs import send_reminders as send_minutes_reminders
from conference.notifications.jobs import EMAIL_KEEP_DAYS, forget_old_emails, send_emails
from conference.research.services import send_reminders
from conference.retention.services import apply_retention
from conference.voice.jobs import send_feedback_reminders


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], dict[str, int]]
    description: str
    #: APScheduler cron fields, in the scheduler's time zone.
    cron: dict[str, Any]


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            "purge-expired",
            purge_expired,
            "Delete expired sessions and spent or expired password-set links",
            {"minute": 7},
        ),
        Job(
            "plan-conferences",
            plan_conferences,
            "Keep six months of conferences planned from each MARAC's meeting rule",
            {"hour": 1, "minute": 15},
        ),
        Job(
            "publish-agendas",
            publish_due,
            "Publish each agenda whose research window has opened, and invite the agencies",
            {"hour": 6, "minute": 30},
        ),
        Job(
            "research-reminders",
            send_reminders,
            "Remind agencies whose research returns are missing two days before a meeting",
            {"hour": 8, "minute": 0},
        ),
        Job(
            "advocate-feedback-reminders",
            send_feedback_reminders,
            "Nudge advocates who have not told the victim the outcome two working days after",
            {"hour": 8, "minute": 10},
        ),
        Job(
            "minutes-reminders",
            send_minutes_reminders,
            "Nudge chairs and coordinators when minutes are not final three working days after",
            {"hour": 8, "minute": 20},
        ),
        Job(
            "action-reminders",
            send_action_reminders,
            "Remind owner agencies of actions due in three days or overdue; escalate at seven",
            {"hour": 7, "minute": 45},
        ),
        Job(
            "escalation-ladder",
            run_ladder,
            "Tell the agency's point of contact of actions 14 days overdue, register them at 28 "
            "(each MARAC's own days)",
            {"hour": 7, "minute": 55},
        ),
        Job(
            "retention",
            apply_retention,
            "Anonymise or delete (as each MARAC chose) closed cases past their retention "
            "period, except those on legal hold",
            {"hour": 2, "minute": 30},
        ),
        Job(
            "send-emails",
            send_emails,
            "Email each person how many new notifications of each kind await them; retry failures",
            {"minute": "*/5"},
        ),
        Job(
            "forget-old-emails",
            forget_old_emails,
            f"Delete outbox emails older than {EMAIL_KEEP_DAYS} days",
            {"hour": 3, "minute": 40},
        ),
    ]
}
