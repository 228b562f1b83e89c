"""Old closed cases for the retention review: one due within the month, one past its time but
on legal hold, and one the nightly job anonymised months ago. Every name is invented."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.demo.referrals import Named, Story, Victim, refer
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Case, CaseClosure, Referral
from conference.retention import services

#: A year of the default six-year retention, in days, to count back from today.
YEAR = 365.25

DUE_SOON = Story(
    "police",
    "NB",
    Victim("Glenys", "Ashworth", (14, 2, 1968)),
    perpetrator=Named("Royston", "Ashworth", (2, 11, 1965), "partner"),
    days_ago=6 * YEAR + 120,
    outcome="accepted",
    reason="Visible high risk.",
    narrative="Threatened with a knife after she said she would leave; the children are adults.",
)
HELD = Story(
    "idva",
    "NB",
    Victim("Carys", "Penhallow", (8, 8, 1985)),
    perpetrator=Named("Lyndon", "Teague", (21, 3, 1983), "ex_partner"),
    days_ago=6 * YEAR + 330,
    outcome="accepted",
    reason="Visible high risk.",
    narrative="Followed her to work and damaged her car; breached a non-molestation order.",
)
ANONYMISED = Story(
    "police",
    "NB",
    Victim("Margery", "Threlkeld", (30, 6, 1974)),
    perpetrator=Named("Desmond", "Threlkeld", (9, 1, 1972), "partner"),
    days_ago=7 * YEAR + 200,
    outcome="accepted",
    reason="Visible high risk.",
    narrative="Locked in the house for two days; he took her phone and bank cards.",
)
HOLD_REASON = (
    "The tenancy case about the former shared home is still before the county court; "
    "the council's solicitor asked us to keep the record until it ends."
)


def seed_retention(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """The three old cases, unless already there."""
    if db.session.scalar(
        sa.select(sa.func.count(Referral.id)).where(Referral.victim_family_name == "Penhallow")
    ):
        return
    coordinator = users["coordinator"]
    # Closed about six years ago less a fortnight: due in 14 days.
    _closed(refer(DUE_SOON, users, maracs, now), now - timedelta(days=6 * YEAR - 14), coordinator)
    # Past its time three months ago, held since the month before.
    held = _closed(
        refer(HELD, users, maracs, now), now - timedelta(days=6 * YEAR + 90), coordinator
    )
    services.place_hold(coordinator, held, HOLD_REASON, now=now - timedelta(days=120))
    # Past its time 200 days ago: the nightly job anonymised it that night.
    old = _closed(
        refer(ANONYMISED, users, maracs, now), now - timedelta(days=6 * YEAR + 200), coordinator
    )
    closed_at = old.closed_at
    assert closed_at is not None
    when = services.due_at(old, maracs["NB"].retention_years)
    assert when is not None
    services.anonymise_case(old, now=when + timedelta(hours=2))
    db.session.flush()


def _closed(referral: Referral, at: datetime, by: User) -> Case:
    """The coordinator closed the referral's case then, with the reason it ended."""
    case = referral.case
    assert case is not None
    case.status, case.closed_at, case.closed_by_id = CaseStatus.CLOSED, at, by.id
    db.session.add(CaseClosure(case_id=case.id, closed_at=at, closed_by_id=by.id))
    db.session.flush()
    return case
