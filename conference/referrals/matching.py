"""Has she been referred before? Looks across every MARAC of the install.

A possible match needs the same date of birth and a name like hers: her full name or any alias
against the earlier referral's name and aliases, allowing for misspellings and names in another
order. The coordinator decides whether it is her; the referrer is told only that a match exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from rapidfuzz import fuzz, utils

from conference.accounts.models import Marac
from conference.extensions import db
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Case, Referral

#: Similarity (0-100) at or above which two names may be the same person's. The date of birth
#: must match exactly as well, so this can be generous: 'Jane Smith' and 'Jayne Smyth' score 86.
NAME_THRESHOLD = 75

#: Referrals that reached the coordinator and were not turned away or withdrawn.
MATCHABLE = (
    ReferralStatus.SUBMITTED,
    ReferralStatus.MORE_INFO_REQUESTED,
    ReferralStatus.ACCEPTED,
)


@dataclass(frozen=True)
class PossibleMatch:
    referral_id: int
    marac_id: int
    marac_name: str
    status: ReferralStatus
    referred_on: date | None
    case_id: int | None
    case_reference: str | None
    similarity: int


def name_similarity(names: Iterable[str], other_names: Iterable[str]) -> int:
    """The best similarity between any of names and any of other_names (0-100)."""
    others = [n for n in other_names if n.strip()]
    return int(
        max(
            (
                fuzz.token_sort_ratio(a, b, processor=utils.default_process)
                for a in names
                if a.strip()
                for b in others
            ),
            default=0,
        )
    )


def find_possible_matches(
    names: Sequence[str], dob: date | None, *, excluding: int | None = None
) -> list[PossibleMatch]:
    """Earlier referrals, in any MARAC, that may be the same victim; newest first. One query."""
    if dob is None or not any(n.strip() for n in names):
        return []
    rows = db.session.execute(
        sa.select(
            Referral.id,
            Referral.marac_id,
            Marac.name,
            Referral.status,
            Referral.referred_on,
            Referral.case_id,
            Case.reference,
            Referral.victim_given_name,
            Referral.victim_family_name,
            Referral.victim_aliases,
        )
        .join(Marac, Marac.id == Referral.marac_id)
        .outerjoin(Case, Case.id == Referral.case_id)
        .where(
            Referral.victim_dob == dob,
            Referral.status.in_(MATCHABLE),
            Referral.id != (excluding or 0),
        )
        .order_by(Referral.submitted_at.desc(), Referral.id.desc())
    ).all()
    matches = []
    for row in rows:
        theirs = [
            f"{row.victim_given_name} {row.victim_family_name}",
            *row.victim_aliases.split("\n"),
        ]
        similarity = name_similarity(names, theirs)
        if similarity >= NAME_THRESHOLD:
            matches.append(
                PossibleMatch(
                    referral_id=row.id,
                    marac_id=row.marac_id,
                    marac_name=row.name,
                    status=row.status,
                    referred_on=row.referred_on,
                    case_id=row.case_id,
                    case_reference=row.reference,
                    similarity=similarity,
                )
            )
    return matches


def last_marac_referral_on(matches: Iterable[PossibleMatch]) -> date | None:
    """The day of her most recent accepted (MARAC) referral among the matches."""
    days = [
        m.referred_on
        for m in matches
        if m.status is ReferralStatus.ACCEPTED and m.referred_on is not None
    ]
    return max(days, default=None)
