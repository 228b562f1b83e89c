"""Is a referral a repeat? The published rule, worked out from the records, never typed.

A repeat is a new incident between the same victim and the same perpetrator within the repeat
window (a MARAC setting: 365 days unless the MARAC changed it) of her last MARAC referral, in
any MARAC of the install. She is the same victim when an earlier accepted referral matches her
(matching.find_possible_matches). He is the same perpetrator when a man named now is linked to
one named in one of her earlier referrals, or may be: a link suggested and not yet decided. The
coordinator's decision at screening settles it, and the referral's is_repeat is revised then. A
known victim with a new, unlinked perpetrator is not a repeat.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import User
from conference.extensions import db
from conference.referrals import drafts, matching, perpetrators
from conference.referrals.checklists import RiskTool
from conference.referrals.choices import ReferralStatus
from conference.referrals.criteria import within_days
from conference.referrals.models import Perpetrator, Referral

#: One man named in the referral being judged: his id once stored (None in a draft), and what
#: matching needs to know of him.
Named = tuple[int | None, perpetrators.Described]


def named_in_draft(draft: drafts.Draft, tool: RiskTool, today: date) -> list[Named]:
    """Each perpetrator as far as typed (a name at least), as matching needs him; no id yet."""
    named: list[Named] = []
    form = drafts.form_from_draft(draft, drafts.STEP_BY_NAME["perpetrators"], tool, today)
    for entry in form.perpetrators.entries:
        p = entry.form.data
        full = f"{p.get('given_name') or ''} {p.get('family_name') or ''}".strip()
        if not full:
            continue
        aliases = [a.strip() for a in (p.get("aliases") or "").splitlines() if a.strip()]
        named.append((None, perpetrators.Described((full, *aliases), entry.form.birth())))
    return named


@dataclass(frozen=True)
class Repeat:
    """What makes a referral a repeat: which earlier referral, and which perpetrator."""

    #: The latest earlier referral of hers that names him.
    referral_id: int
    marac_id: int
    marac_name: str
    referred_on: date
    case_id: int | None
    case_reference: str | None
    #: The perpetrator as this referral names him.
    perpetrator_name: str
    #: Her last MARAC referral before this one: the window counts from it.
    last_referral_on: date
    #: Linked by a coordinator; False while the link is only suggested.
    confirmed: bool


def find_repeat(
    named: Sequence[Named],
    earlier: Sequence[matching.PossibleMatch],
    referred_on: date,
    window_days: int,
) -> Repeat | None:
    """The earlier referral of hers (newest first) naming a man named now, when her last MARAC
    referral is within the window; a confirmed link is preferred to a suggested one. Three
    queries at most, however many referrals."""
    accepted = sorted(
        (
            m
            for m in earlier
            if m.status is ReferralStatus.ACCEPTED
            and m.referred_on is not None
            and m.referred_on <= referred_on
        ),
        key=lambda m: (m.referred_on, m.referral_id),
        reverse=True,
    )
    if not named or not accepted or accepted[0].referred_on is None:
        return None
    last = accepted[0].referred_on
    if not within_days(last, referred_on, window_days):
        return None
    theirs: dict[int, list[Perpetrator]] = defaultdict(list)
    for p in db.session.scalars(
        sa.select(Perpetrator)
        .where(Perpetrator.referral_id.in_([m.referral_id for m in accepted]))
        .order_by(Perpetrator.position)
    ):
        theirs[p.referral_id].append(p)
    ids = {pid for pid, _ in named if pid} | {p.id for ps in theirs.values() for p in ps}
    identity = perpetrators.identities_of(ids)
    decided = perpetrators.decided_pairs(ids)
    for m in accepted:
        suggested = None
        for p in theirs[m.referral_id]:
            other = perpetrators.describe(p, m.referred_on)
            for pid, mine in named:
                if pid is not None and pid in identity and identity.get(p.id) == identity[pid]:
                    return _repeat(m, mine, last, confirmed=True)
                undecided = pid is None or perpetrators.ordered(pid, p.id) not in decided
                if suggested is None and undecided and _may_be_same(mine, other):
                    suggested = _repeat(m, mine, last, confirmed=False)
        if suggested is not None:
            return suggested
    return None


def _may_be_same(mine: perpetrators.Described, other: perpetrators.Described) -> bool:
    """As a perpetrator link is suggested (perpetrators.may_be_same)."""
    return perpetrators.may_be_same(mine, other) is not None


def _repeat(
    m: matching.PossibleMatch, mine: perpetrators.Described, last: date, *, confirmed: bool
) -> Repeat:
    assert m.referred_on is not None
    return Repeat(
        referral_id=m.referral_id,
        marac_id=m.marac_id,
        marac_name=m.marac_name,
        referred_on=m.referred_on,
        case_id=m.case_id,
        case_reference=m.case_reference,
        perpetrator_name=mine.names[0],
        last_referral_on=last,
        confirmed=confirmed,
    )


def repeat_of(
    referral: Referral, earlier: Sequence[matching.PossibleMatch] | None = None
) -> Repeat | None:
    """What makes a sent referral a repeat, from its stored perpetrators and her matches
    (earlier: find_possible_matches for her, when the caller has them already)."""
    if referral.referred_on is None:
        return None
    if earlier is None:
        earlier = matching.find_possible_matches(
            [referral.victim_name, *referral.alias_list],
            referral.victim_birth,
            excluding=referral.id,
        )
    named = [(p.id, perpetrators.describe(p, referral.referred_on)) for p in referral.perpetrators]
    return find_repeat(named, earlier, referral.referred_on, _window_days(referral))


def _window_days(referral: Referral) -> int:
    """The MARAC's repeat window, or its risk tool's. Imported here, not above: the referral
    services use this module for the live form."""
    from conference.referrals.services import risk_tool_for

    return risk_tool_for(referral.marac)[1].repeat_window_days


def revise(referral: Referral, *, actor: User, now: datetime) -> Repeat | None:
    """Work is_repeat out again, after a link is confirmed or rejected. Flushes; the caller
    commits. A change is audited (whether it is a repeat, never who or which case)."""
    found = repeat_of(referral)
    if referral.is_repeat != (found is not None):
        referral.is_repeat = found is not None
        audit.record(
            actor,
            "referral.repeat_revised",
            referral,
            now=now,
            detail={"repeat": found is not None},
        )
    db.session.flush()
    return found


def decide_link(
    referral: Referral,
    perpetrator_id: int,
    other_id: int,
    *,
    same: bool,
    actor: User,
    now: datetime,
) -> Repeat | None:
    """Confirm (same) or reject a suggested perpetrator link, then revise the repeat.
    Flushes; the caller commits. Raises Conflict when the pair is no longer suggested."""
    if same:
        perpetrators.confirm_link(referral, perpetrator_id, other_id, actor=actor, now=now)
    else:
        perpetrators.reject_link(referral, perpetrator_id, other_id, actor=actor, now=now)
    return revise(referral, actor=actor, now=now)
