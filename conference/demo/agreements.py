"""Each demo MARAC's information-sharing agreement, and who has accepted which version.

Northbridge rewrote its agreement last month; everyone has accepted the new version but the
probation officer, who accepted only the first, so signing in as `probation` shows the
agreement to accept before any case. Eastmoor has one version, accepted by its coordinator.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.agreements.models import AgreementAcceptance, SharingAgreement
from conference.extensions import db

FIRST = (
    "1. Why we share. Partner agencies share information at this MARAC only to protect adults"
    " and children at high risk of serious harm from domestic abuse, and to agree a plan that"
    " makes them safer.\n\n"
    "2. What we share. Only what is relevant to the risk, current, accurate and no more than "
    "needed. Facts are kept apart from opinions, and each agency says where its information "
    "came from.\n\n"
    "3. The law. Sharing rests on the public task of each agency and the substantial public "
    "interest in safeguarding people at risk. Where it is safe the victim is asked first; "
    "where asking would increase the risk, information is shared without consent and the "
    "reason is recorded.\n\n"
    "4. Keeping it safe. What is shared here stays within the agencies present. It is not "
    "passed on, copied or forwarded without the agreement of the agency that gave it, and it "
    "is never used to alert the perpetrator.\n\n"
    "5. Each person. I will use what I learn here only for the safety plan, keep it in my "
    "agency's secure records, and tell the coordinator at once if I think it has been shared "
    "wrongly."
)

SECOND_ADDS = (
    "6. Refuge and safe addresses. A refuge or safe address is never written in the minutes "
    "or an action, and is read on screen only with a reason, which is kept.\n\n"
    "7. Retention. Each agency keeps what it received only as long as its own retention "
    "policy allows, and then deletes it."
)
SECOND = FIRST + "\n\n" + SECOND_ADDS

EASTMOOR = (
    "Eastmoor MARAC shares information only to reduce the risk of serious harm to victims of "
    "domestic abuse and their children. Each agency shares what is relevant, current and "
    "proportionate; nothing is passed on without the agreement of the agency that gave it; "
    "each person keeps what they learn in their agency's secure records and uses it only for "
    "the safety plan."
)

RIVERTON = (
    "The partner agencies of the Riverton High-Risk Team share information only to keep "
    "victims in high danger, and their children, alive and safe. Each partner agency shares "
    "what is relevant and current; nothing is passed on without the agreement of the agency "
    "that gave it; each person keeps what they learn in their agency's secure records and "
    "uses it only for the safety plan."
)

#: Demo logins who have not accepted Northbridge's current version.
NOT_ACCEPTED = {"probation"}


def seed_agreements(users: dict[str, User], maracs: dict[str, Marac], now: datetime) -> None:
    """Create the demo agreements and acceptances if the MARAC has none yet. Flushes."""
    northbridge, eastmoor = maracs["NB"], maracs["EM"]
    if _has_agreement(northbridge):
        return
    coordinator = users["coordinator"]
    first = _version(northbridge, 1, FIRST, coordinator, now - timedelta(days=400))
    second = _version(northbridge, 2, SECOND, coordinator, now - timedelta(days=30))
    for local, user in sorted(users.items()):
        held = {g.marac_id for g in user.role_grants}
        if northbridge.id not in held:
            continue
        _accept(user, first, northbridge.id, first.created_at + timedelta(days=2))
        if local not in NOT_ACCEPTED:
            _accept(user, second, northbridge.id, second.created_at + timedelta(days=3))
    if not _has_agreement(eastmoor):
        first_em = _version(eastmoor, 1, EASTMOOR, users["eastmoor"], now - timedelta(days=200))
        _accept(users["eastmoor"], first_em, eastmoor.id, first_em.created_at)
    riverton = maracs["RV"]
    if not _has_agreement(riverton):
        first_rv = _version(riverton, 1, RIVERTON, users["riverton"], now - timedelta(days=90))
        _accept(users["riverton"], first_rv, riverton.id, first_rv.created_at)
    db.session.flush()


def _has_agreement(marac: Marac) -> bool:
    return (
        db.session.scalar(
            sa.select(SharingAgreement.id).where(SharingAgreement.marac_id == marac.id).limit(1)
        )
        is not None
    )


def _version(marac: Marac, version: int, text: str, by: User, at: datetime) -> SharingAgreement:
    agreement = SharingAgreement(
        marac_id=marac.id, version=version, text=text, created_at=at, created_by_id=by.id
    )
    db.session.add(agreement)
    db.session.flush()
    return agreement


def _accept(user: User, agreement: SharingAgreement, marac_id: int, at: datetime) -> None:
    roles = sorted(g.role.label for g in user.role_grants if g.marac_id == marac_id)
    db.session.add(
        AgreementAcceptance(
            agreement_id=agreement.id,
            user_id=user.id,
            accepted_at=at,
            roles=", ".join(roles),
            agency_id=user.agency_id,
        )
    )
