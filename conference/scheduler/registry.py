"""Every job the scheduler runs, with its timetable. Jobs take ``now`` and return counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from conference.accounts.jobs import purge_expired


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
    ]
}
