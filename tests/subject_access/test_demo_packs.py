"""The demo's Northbridge coordinator's packs name nobody else: a dozen victims', perpetrators'
and children's packs, each searched for every other person's full name and date of
birth in the database."""

from __future__ import annotations

import re
from datetime import date, timedelta

import sqlalchemy as sa

from conference.accounts.models import Marac, User
from conference.db import utcnow
from conference.demo.seed import DEMO_DOMAIN
from conference.extensions import db
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Child, Perpetrator, Referral
from conference.subject_access.redaction import dob_spellings
from tests.conftest import sign_in


def _everyone() -> list[tuple[str, str, set[date]]]:
    """Each person: key, name, and every date that may be their birthday (a date of birth and
    the other possible dates: a pack may show their own)."""
    people = [
        (
            f"victim-{r.id}",
            f"{r.victim_given_name} {r.victim_family_name}",
            {d for d in (r.victim_dob, *r.victim_birth.others) if d},
        )
        for r in db.session.scalars(sa.select(Referral))
        if r.victim_given_name
    ]
    people += [
        (
            f"perpetrator-{p.id}",
            f"{p.given_name} {p.family_name}",
            {d for d in (p.dob, *p.birth(None).others) if d},
        )
        for p in db.session.scalars(sa.select(Perpetrator))
    ]
    people += [
        (f"child-{c.id}", f"{c.given_name} {c.family_name}".strip(), {c.dob} - {None})
        for c in db.session.scalars(sa.select(Child))
    ]
    return people


def test_no_demo_pack_names_anyone_else(app, demo):
    coordinator = db.session.scalar(
        sa.select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}")
    )
    northbridge = db.session.scalar(sa.select(Marac).where(Marac.code == "NB"))
    client = sign_in(app.test_client(), coordinator)
    people = _everyone()
    held = {
        r.id
        for r in db.session.scalars(
            sa.select(Referral).where(
                Referral.marac_id == northbridge.id, Referral.status != ReferralStatus.DRAFT
            )
        )
        if (r.case.marac_id if r.case else r.marac_id) == northbridge.id
    }
    keys = [
        key
        for key, _, _ in people
        if (key.startswith("victim-") and int(key.split("-")[1]) in held)
        or (
            key.startswith("perpetrator-")
            and db.session.get(Perpetrator, int(key.split("-")[1])).referral_id in held
        )
        or (
            key.startswith("child-")
            and db.session.get(Child, int(key.split("-")[1])).referral_id in held
        )
    ]
    assert len(keys) > 20
    # A dozen of each part keeps the run short (a pack takes about a second on the demo).
    keys = [
        k
        for part in ("victim-", "perpetrator-", "child-")
        for k in [k for k in keys if k.startswith(part)][:12]
    ]
    checked = 0
    recent = utcnow().date() - timedelta(days=3 * 366)
    for key in keys:
        resp = client.get("/subject-access/pack", query_string={"subject": key})
        assert resp.status_code == 200, key
        main = resp.get_data(as_text=True).split('id="main-content"')[1]
        own = next(p for p in people if p[0] == key)
        forbidden = set()
        for other_key, name, dates in people:
            if name.lower() == own[1].lower() or other_key == key:
                continue  # the same name is theirs too
            forbidden.add(name.lower())
            # A baby's birthday can be the day of a meeting or an update the pack shows:
            # dates of birth of the last three years are left to the synthetic cases' tests.
            for born in dates - own[2]:
                if born < recent:
                    forbidden.update(s.lower() for s in dob_spellings(born))
        pattern = "|".join(re.escape(f) for f in sorted(forbidden, key=len, reverse=True))
        found = re.findall(rf"(?<![\w/.-])(?:{pattern})(?![\w/.-])", main.lower())
        assert found == [], (key, found)
        checked += 1
    assert checked == len(keys)
