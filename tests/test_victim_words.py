"""Every page and print about a male victim, or one whose gender was not recorded, speaks of
him or of them: no "she" or "her" is left in the app's own words.

Walks every GET route of the URL map that takes a case, a referral, an agenda item or a
transfer, with the ids of a demo man's heard case (and of the man on the Riverton high-risk
team), then again for a heard case whose referrals no longer record a gender, as each demo
login that may see them. What people typed stays as they typed it, so first every "she" and
"her" they typed anywhere is rewritten: what is left is the app's own words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask, current_app, url_for

from conference.accounts.models import User
from conference.conferences.models import AgendaItem
from conference.db import text_columns, utcnow
from conference.demo.seed import DEMO_DOMAIN, seed_demo
from conference.extensions import db
from conference.referrals.choices import Gender, ReferralStatus
from conference.referrals.models import Referral
from conference.transfers.models import CaseTransfer
from tests.conftest import sign_in

PRONOUN = re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE)
#: Arguments that name a record about one victim.
ABOUT_ONE = {"case_id", "referral_id", "item_id", "transfer_id"}
FIXED = {"step_name": "victim", "key": "volume"}
LOGINS = ("coordinator", "chair", "idva", "police", "childrens", "riverton")


def _seed() -> None:
    seed_demo(now=utcnow())


def _neutralise_what_people_typed() -> None:
    """Rewrite she and her in every text people typed (never the audit trail, which refuses
    it), so that a she or her left on a page is one the app wrote."""
    for table in db.metadata.sorted_tables:
        columns = text_columns(table)
        if table.name.startswith("audit") or not columns:
            continue
        keys = list(table.primary_key.columns)
        rows = db.session.execute(sa.select(*keys, *(table.c[c] for c in columns))).all()
        for row in rows:
            typed = dict(zip(columns, row[len(keys) :], strict=True))
            changed = {
                name: PRONOUN.sub("them", value)
                for name, value in typed.items()
                if isinstance(value, str) and PRONOUN.search(value)
            }
            if changed:
                where = [key == value for key, value in zip(keys, row[: len(keys)], strict=True)]
                db.session.execute(sa.update(table).where(*where).values(**changed))
    db.session.commit()


def _heard_case(gender: Gender | None, *, exclude: set[int]) -> int:
    """The case with the most agenda items whose victim the latest referral records so."""
    counts = (
        sa.select(AgendaItem.case_id, sa.func.count().label("n"))
        .group_by(AgendaItem.case_id)
        .subquery()
    )
    found = db.session.execute(
        sa.select(Referral.case_id, Referral.victim_gender, counts.c.n)
        .join(counts, counts.c.case_id == Referral.case_id)
        .where(Referral.status == ReferralStatus.ACCEPTED)
    ).all()
    ranked = sorted(
        ((n, case_id) for case_id, g, n in found if g == gender and case_id not in exclude),
        reverse=True,
    )
    assert ranked, f"no heard case of a victim recorded as {gender}"
    return ranked[0][1]


def _values(case_ids: set[int]) -> list[dict[str, object]]:
    referrals = db.session.scalars(sa.select(Referral).where(Referral.case_id.in_(case_ids)))
    items = db.session.scalars(sa.select(AgendaItem).where(AgendaItem.case_id.in_(case_ids)))
    transfers = db.session.scalars(
        sa.select(CaseTransfer).where(CaseTransfer.case_id.in_(case_ids))
    )
    return [
        *({"case_id": c} for c in sorted(case_ids)),
        *({"referral_id": r.id, "case_id": r.case_id} for r in referrals),
        *({"item_id": i.id, "conference_id": i.conference_id, "case_id": i.case_id} for i in items),
        *({"transfer_id": t.id, "case_id": t.case_id} for t in transfers),
    ]


def _visible(text: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _checklist_wording() -> list[str]:
    """The risk tools' questions and hints, in the words of their files (config/risk_tools)."""
    tools = current_app.extensions["risk_tools"].values()
    texts = [
        " ".join(t.split()) for tool in tools for q in tool.questions for t in (q.text, q.help)
    ]
    return sorted((t for t in texts if t), key=len, reverse=True)


def _pages(app: Flask, values: list[dict[str, object]]) -> Iterator[tuple[str, str]]:
    for rule in app.url_map.iter_rules():
        arguments = set(rule.arguments)
        if "GET" not in (rule.methods or ()) or not arguments & ABOUT_ONE:
            continue
        for candidate in values:
            given = {**FIXED, **candidate}
            if arguments <= set(given):
                with app.test_request_context():
                    yield rule.endpoint, url_for(rule.endpoint, **{k: given[k] for k in arguments})


@pytest.mark.parametrize("gender", [Gender.MALE, None], ids=["male", "not recorded"])
def test_no_she_or_her_is_left_for_a_man_or_a_victim_of_unrecorded_gender(
    app: Flask, cached_world, gender
):
    cached_world("demo", _seed)
    if gender is Gender.MALE:
        case_ids = {_heard_case(Gender.MALE, exclude=set())}
        case_ids.add(
            db.session.scalar(
                sa.select(Referral.case_id).where(Referral.victim_given_name == "Derek")
            )
        )
    else:
        # A woman's heard case, her gender no longer recorded on any of its referrals.
        case_ids = {_heard_case(Gender.FEMALE, exclude=set())}
        db.session.execute(
            sa.update(Referral).where(Referral.case_id.in_(case_ids)).values(victim_gender=None)
        )
    _neutralise_what_people_typed()
    values = _values(case_ids)
    found, seen = [], 0
    for local in LOGINS:
        user = db.session.scalar(sa.select(User).where(User.email == f"{local}@{DEMO_DOMAIN}"))
        client = sign_in(app.test_client(), user)
        for endpoint, path in _pages(app, values):
            response = client.get(path)
            if response.status_code != 200 or not response.mimetype.startswith("text/"):
                continue
            seen += 1
            text = _visible(response.get_data(as_text=True))
            for match in PRONOUN.finditer(text):
                around = " ".join(text[max(0, match.start() - 60) : match.end() + 40].split())
                found.append(f"{local} {endpoint} {path}: …{around}…")
    assert seen > 30, f"the walk reached only {seen} pages"
    assert found == [], "she or her left:\n" + "\n".join(sorted(set(found)))


def test_the_checklist_speaks_neutrally(app: Flask):
    wording = " ".join(_checklist_wording())
    assert not PRONOUN.search(wording), PRONOUN.findall(wording)
