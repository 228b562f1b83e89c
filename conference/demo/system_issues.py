"""The system issues the demo's meetings found, in each state a steering group meets.

Raised by the chair at two past meetings (their minutes list them) and by the coordinator from
the log; one resolved by the steering group, one past its review date. The words name nobody.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Agency, Marac, User
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.extensions import db
from conference.referrals.models import Case
from conference.referrals.services import today_in
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.services import log_issue, update_issue


def seed_system_issues(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """Log the demo's issues and work them. Flushes."""
    marac = maracs["NB"]
    chair, coordinator, steering = users["chair"], users["coordinator"], users["steering"]
    today = today_in(marac, now)
    held = list(
        db.session.scalars(
            sa.select(Conference)
            .where(
                Conference.marac_id == marac.id,
                Conference.status == ConferenceStatus.MINUTES_FINAL,
            )
            .order_by(Conference.starts_at.desc())
            .limit(3)
        )
    )
    if len(held) < 3:
        return
    latest, _, older = held
    health = _agency("Northbridge Health Trust")

    # At the latest meeting: a hand-over between agencies that fails, still open.
    log_issue(
        marac,
        category=IssueCategory.BETWEEN_AGENCIES,
        agency=None,
        description="Bail conditions set at court reach the IDVA service days later, so the "
        "victim's safety plan is made without knowing whether he may come to the area.",
        owner="Police domestic abuse lead",
        review_on=today + timedelta(days=60),
        cases=[_first_case(latest)],
        conference_id=latest.id,
        actor=chair,
        now=latest.starts_at + timedelta(minutes=50),
    )

    # At an older meeting: one agency's practice, since put right; the steering group
    # recorded the outcome.
    at = older.starts_at + timedelta(minutes=35)
    settled = log_issue(
        marac,
        category=IssueCategory.AGENCY_PRACTICE,
        agency=health,
        description="Research requests to the health trust go unanswered when the named "
        "nurse for safeguarding is on leave: no one else picks them up.",
        owner="",
        review_on=(at + timedelta(days=91)).date(),
        cases=[_first_case(older)],
        conference_id=older.id,
        actor=chair,
        now=at,
    )
    db.session.flush()
    update_issue(
        settled,
        status=IssueStatus.OPEN,
        owner="Head of safeguarding, Northbridge Health Trust",
        review_on=settled.review_on,
        note="Raised with the trust's head of safeguarding, who will take it forward.",
        version=settled.version,
        actor=coordinator,
        now=at + timedelta(days=3),
    )
    db.session.flush()
    update_issue(
        settled,
        status=IssueStatus.RESOLVED,
        owner=settled.owner,
        review_on=settled.review_on,
        note="The trust named a deputy for research requests and added MARAC cover to its "
        "leave rota. Every return has come back on time since.",
        version=settled.version,
        actor=steering,
        now=at + timedelta(days=40),
    )

    # From the log: not enough refuge space, past its review date and waiting for the
    # steering group.
    logged_at = now - timedelta(days=75)
    log_issue(
        marac,
        category=IssueCategory.RESOURCES,
        agency=None,
        description="No refuge in the county can take a woman with a son aged over 14, so "
        "such families are placed out of the area, away from their support.",
        owner="Domestic abuse commissioning lead, county council",
        review_on=today - timedelta(days=5),
        cases=_recent_cases(marac, 2),
        conference_id=None,
        actor=coordinator,
        now=logged_at,
    )
    db.session.flush()


def _agency(name: str) -> Agency:
    return db.session.execute(sa.select(Agency).where(Agency.name == name)).scalar_one()


def _first_case(conference: Conference) -> Case:
    item = db.session.scalars(
        sa.select(AgendaItem)
        .where(AgendaItem.conference_id == conference.id, AgendaItem.referral_id.is_not(None))
        .order_by(AgendaItem.position, AgendaItem.id)
        .limit(1)
    ).one()
    return item.case


def _recent_cases(marac: Marac, count: int) -> list[Case]:
    """The cases most recently put on an agenda."""
    latest = (
        sa.select(AgendaItem.case_id, sa.func.max(AgendaItem.id).label("last"))
        .join(Case, Case.id == AgendaItem.case_id)
        .where(Case.marac_id == marac.id)
        .group_by(AgendaItem.case_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Case)
            .join(latest, latest.c.case_id == Case.id)
            .order_by(latest.c.last.desc())
            .limit(count)
        )
    )
