"""Every page that shows a victim's name or a case reference writes its view audit event.

Walks every GET route of the URL map as the demo's coordinator, with ids taken from the demo
(every conference, so each state of a meeting is seen), and checks that each page answering
200 with case data on it left an audit event of hers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, url_for

from conference.accounts.models import User
from conference.audit.models import AuditEvent
from conference.conferences.models import AgendaItem, Conference
from conference.demo.seed import DEMO_DOMAIN
from conference.extensions import db
from conference.referrals.models import Case, Referral
from conference.referrals.perpetrators import identities_of
from conference.retention.models import LegalHold
from conference.transfers.models import CaseTransfer
from tests.conftest import sign_in

CASE_REFERENCE = re.compile(r"\b[A-Z]{2}-\d{4}-\d{4}\b")
#: Pages outside the walk: the calendar feed and set-password links take a secret token.
SKIPPED = {"static", "conferences.feed", "accounts.set_password"}
#: Polled regions of a page whose load is audited: the follow view audits a poll when the case
#: on screen changes, and the console's state names only a case of the agenda its page load
#: recorded.
POLLED = {"meetings.follow_live", "meetings.console_state"}
#: Arguments that are not ids: a step of the referral form, a chart of the data return.
FIXED = {"step_name": "victim", "key": "volume"}


def _two_of_each(rows, state) -> list:
    """At most two records of each state: each state is seen, without visiting hundreds."""
    kept: dict[object, list] = {}
    for row in rows:
        same = kept.setdefault(state(row), [])
        if len(same) < 2:
            same.append(row)
    return [row for same in kept.values() for row in same]


def _values() -> dict[str, list[dict[str, object]]]:
    """Candidate values for each kind of route argument, from the demo's records."""
    conferences = _two_of_each(
        db.session.scalars(sa.select(Conference).order_by(Conference.id)), lambda c: c.status
    )
    # One case of each conference: each state of a meeting is seen.
    chosen = {c.id for c in conferences}
    items = list(
        {
            i.conference_id: i
            for i in db.session.scalars(sa.select(AgendaItem).order_by(AgendaItem.id))
            if i.conference_id in chosen
        }.values()
    )
    referrals = db.session.scalars(sa.select(Referral).order_by(Referral.id).limit(30)).all()
    perpetrator_ids = {p.id for r in referrals for p in r.perpetrators}
    identities = sorted(set(identities_of(perpetrator_ids).values()))[:5]
    cases = db.session.scalars(sa.select(Case).order_by(Case.id))
    return {
        "item": [
            {"conference_id": i.conference_id, "item_id": i.id, "case_id": i.case_id} for i in items
        ],
        "conference": [{"conference_id": c.id} for c in conferences],
        "case": [{"case_id": c.id} for c in _two_of_each(cases, lambda c: c.status)],
        "referral": [{"referral_id": r.id} for r in _two_of_each(referrals, lambda r: r.status)],
        "identity": [{"identity_id": i} for i in identities],
        "transfer": [{"transfer_id": t} for t in db.session.scalars(sa.select(CaseTransfer.id))],
        "hold": [{"hold_id": h} for h in db.session.scalars(sa.select(LegalHold.id))],
        "other": [{"agency_id": 1, "marac_id": 1, "user_id": 1}],
    }


def _candidates(arguments: set[str], values) -> Iterator[dict[str, object]]:
    """Each distinct set of values for the route's arguments, once."""
    kinds = ("item", "transfer", "hold", "identity", "referral", "case", "conference", "other")
    seen = set()
    for kind in kinds:
        for candidate in values[kind]:
            if arguments <= set(candidate) | set(FIXED):
                given = {**FIXED, **candidate}
                key = tuple(sorted((name, given[name]) for name in arguments))
                if key not in seen:
                    seen.add(key)
                    yield candidate


def _events_of(user_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.user_id == user_id)
    )


def test_every_page_showing_case_data_is_audited(app: Flask, demo):
    coordinator = db.session.scalar(
        sa.select(User).where(User.email == f"coordinator@{DEMO_DOMAIN}")
    )
    names = [
        f"{r.victim_given_name} {r.victim_family_name}"
        for r in db.session.scalars(sa.select(Referral))
        if r.victim_given_name
    ]
    values = _values()
    client = sign_in(app.test_client(), coordinator)
    unaudited, shown = [], 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED | POLLED:
            continue
        arguments = set(rule.arguments)
        for candidate in _candidates(arguments, values) if arguments else iter([{}]):
            given = {**FIXED, **candidate}
            with app.test_request_context():
                path = url_for(rule.endpoint, **{k: given[k] for k in arguments})
            before = _events_of(coordinator.id)
            response = client.get(path)
            if response.status_code != 200 or not response.mimetype.startswith("text/"):
                continue
            text = response.get_data(as_text=True)
            if not (CASE_REFERENCE.search(text) or any(name in text for name in names)):
                continue
            shown += 1
            if _events_of(coordinator.id) == before:
                unaudited.append(f"{rule.endpoint} {path}")
    assert shown > 20, "the walk reached too few pages with case data"
    assert unaudited == [], "pages showing case data with no audit event:\n" + "\n".join(unaudited)
