"""The live "referred before?" look-ups of the referral form: limited per user, audited per form.

As a referrer types the victim's names and date of birth, the form asks every MARAC's records
whether she may have been referred before. That answer, repeated for name after name, would
let anyone with a referrer's role probe who is known to a MARAC. So each user may ask a bounded
number of new questions an hour (asking the same again is free), and each form's count of
questions goes to the audit trail. Past the limit the form stops asking and says so; the
coordinator's check at screening is unaffected.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from conference import audit
from conference.accounts.models import User
from conference.extensions import db
from conference.referrals.births import BirthDate
from conference.referrals.models import IdentityLookup, Referral

#: The form's count goes to the audit trail at most once per this gap (and when it is refused).
AUDIT_GAP = timedelta(minutes=10)


def may_look_up(
    referral: Referral, names: list[str], birth: BirthDate, *, actor: User, now: datetime
) -> bool:
    """Whether the form may ask about this identity now; counts and audits a new question.

    Flushes; the caller commits.
    """
    if not names:
        return True  # nothing to ask about yet: no look-up is made
    fingerprint = _fingerprint(names, birth)
    last = db.session.scalar(
        sa.select(IdentityLookup)
        .where(IdentityLookup.referral_id == referral.id)
        .order_by(IdentityLookup.id.desc())
        .limit(1)
    )
    if last is not None and last.fingerprint == fingerprint:
        return True  # the same question again (another autosave): nothing new is learnt
    limit = current_app.config["IDENTITY_LOOKUP_LIMIT"]
    window = timedelta(minutes=current_app.config["IDENTITY_LOOKUP_WINDOW_MINUTES"])
    asked = db.session.scalar(
        sa.select(sa.func.count(IdentityLookup.id)).where(
            IdentityLookup.user_id == actor.id, IdentityLookup.at > now - window
        )
    )
    if asked >= limit:
        audit.record(
            actor,
            "referral.identity_lookups_refused",
            referral,
            detail={"asked_in_window": asked, "limit": limit},
            now=now,
        )
        return False
    lookup = IdentityLookup(
        user_id=actor.id, referral_id=referral.id, at=now, fingerprint=fingerprint
    )
    last_audited = db.session.scalar(
        sa.select(sa.func.max(IdentityLookup.at)).where(
            IdentityLookup.referral_id == referral.id, IdentityLookup.audited.is_(True)
        )
    )
    lookup.audited = last_audited is None or now - last_audited >= AUDIT_GAP
    db.session.add(lookup)
    db.session.flush()
    if lookup.audited:
        detail = {"count": lookups_for(referral)}
        audit.record(actor, "referral.identity_lookups", referral, detail=detail, now=now)
        db.session.flush()
    return True


def lookups_for(referral: Referral) -> int:
    """How many questions this referral's form has asked so far (flushed ones)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count(IdentityLookup.id)).where(
                IdentityLookup.referral_id == referral.id
            )
        )
        or 0
    )


def _fingerprint(names: list[str], birth: BirthDate) -> str:
    """A keyed hash of the question: tells one from another without keeping the names. The
    date of birth counts by the days it allows (a reason typed asks nothing new)."""
    question = "|".join(sorted(name.strip().casefold() for name in names))
    question += "|" + ";".join(f"{s.earliest}-{s.latest}-{s.exact:d}" for s in birth.spans())
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, question.encode(), hashlib.sha256).hexdigest()
