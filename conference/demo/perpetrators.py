"""Demo perpetrator links, decided at screening as a coordinator's clicks decide them: the
serial perpetrator's three victims in both MARACs linked, and a suggestion the coordinator
rejected. Two more suggestions are left for the coordinator to decide (see referrals.py).

Every name is invented. Loaded once: nothing is done if any link was decided already.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.extensions import db
from conference.referrals import perpetrators
from conference.referrals.models import PerpetratorLinkDecision, Referral

#: (whose referral is screened, whose earlier referral named the man, confirmed?), by victim.
DECISIONS = [
    (("Shannon", "Kerrigan"), ("Yvonne", "Castell"), True),
    (("Mina", "Farouk"), ("Yvonne", "Castell"), True),
    (("Sofia", "Reyes"), ("Bethan", "Morley"), False),
]


def seed_perpetrator_links(users: dict[str, User], maracs: dict[str, Marac]) -> int:
    """Decide the demo's links, each by the screening coordinator an hour before the referral
    was accepted. Does nothing if any link was decided. Flushes; returns how many."""
    if db.session.scalar(sa.select(PerpetratorLinkDecision.id).limit(1)) is not None:
        return 0
    coordinators = {maracs["NB"].id: users["coordinator"], maracs["EM"].id: users["eastmoor"]}
    done = 0
    for screened, earlier, confirmed in DECISIONS:
        referral, other = _referral(*screened), _referral(*earlier)
        if referral is None or other is None or referral.decided_at is None:
            continue
        actor = coordinators[referral.marac_id]
        at: datetime = referral.decided_at - timedelta(hours=1)
        mine, theirs = referral.perpetrators[0].id, other.perpetrators[0].id
        decide = perpetrators.confirm_link if confirmed else perpetrators.reject_link
        decide(referral, mine, theirs, actor=actor, now=at)
        done += 1
    db.session.flush()
    return done


def _referral(given: str, family: str) -> Referral | None:
    return db.session.scalars(
        sa.select(Referral)
        .where(Referral.victim_given_name == given, Referral.victim_family_name == family)
        .order_by(Referral.id)
        .limit(1)
    ).first()
