"""A demo repeat-incident notice waiting for screening: the police tell Northbridge of a new
incident on a case still flagged for repeats, through the service their click uses (so it is
audited and the coordinator is told). Every name and event is invented.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.closure import notices, queries
from conference.extensions import db
from conference.referrals.choices import CaseStatus, Gender
from conference.referrals.models import Case, Referral

WHAT_HAPPENED = (
    "He sent her fourteen messages in one evening, then came to her door at 11pm and kicked "
    "it when she would not open it. He left before officers arrived. She says he knows her "
    "new shift pattern."
)
REPORTED_BY = "She called 999; officers attended and took a statement"


def seed_notice(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> int:
    """File one notice, two hours ago, on the Northbridge case the police know that was heard
    most recently and waits for no conference. Does nothing if a notice exists. Flushes;
    returns how many notices were filed."""
    if db.session.scalar(sa.select(Referral.id).where(Referral.about_case_id.is_not(None))):
        return 0
    police, northbridge = users["police"], maracs["NB"]
    filed_at = now - timedelta(hours=2)
    for case in _candidates(northbridge):
        if queries.item_not_yet_held(case.id) is None and notices.may_file_notice(
            police, case, filed_at
        ):
            men = notices.perpetrators_of(case)
            if not men:
                continue
            notices.file_notice(
                case,
                notices.NoticeFacts(
                    occurred_on=filed_at.date() - timedelta(days=2),
                    what_happened=WHAT_HAPPENED,
                    perpetrator_id=men[0].id,
                    reported_by=REPORTED_BY,
                ),
                actor=police,
                now=filed_at,
            )
            return 1
    return 0


def _candidates(marac: Marac) -> list[Case]:
    """The MARAC's open cases with a hearing, latest referral first: a notice's likeliest."""
    last = (
        sa.select(Referral.case_id, sa.func.max(Referral.referred_on).label("on"))
        .where(Referral.case_id.is_not(None))
        .group_by(Referral.case_id)
        .subquery()
    )
    return list(
        db.session.scalars(
            sa.select(Case)
            .join(last, last.c.case_id == Case.id)
            .where(
                Case.marac_id == marac.id,
                Case.status == CaseStatus.ACTIONS_OPEN,
                # The words above speak of her.
                Case.id.in_(
                    sa.select(Referral.case_id).where(Referral.victim_gender == Gender.FEMALE)
                ),
            )
            .order_by(last.c.on.desc(), Case.id)
            .limit(40)
        )
    )
