"""The coordinator's cases list: a page at a time, searchable by reference or name, its
reading audited for the cases shown."""

from __future__ import annotations

import html

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories
from tests.conftest import sign_in


def _cases(app, count: int):
    marac = factories.make_marac()
    coordinator = factories.make_user("coordinator", marac=marac)
    made = [
        factories.make_referral(marac=marac, status="accepted", given_name=f"Victim{n:02d}")
        for n in range(count)
    ]
    return sign_in(app.test_client(), coordinator), [r.case for r in made]


def test_the_cases_list_shows_a_page_at_a_time_newest_first(app):
    app.config["ADMIN_PAGE_SIZE"] = 4
    client, cases = _cases(app, 6)

    first = client.get("/cases/")
    second = client.get("/cases/?page=2")

    assert first.status_code == 200
    assert "6 cases, page 1 of 2" in first.text
    newest_first = sorted(cases, key=lambda c: (c.opened_at, c.id), reverse=True)
    assert all(c.reference in first.text for c in newest_first[:4])
    assert not any(c.reference in first.text for c in newest_first[4:])
    assert all(c.reference in second.text for c in newest_first[4:])
    assert 'href="/cases/?page=2"' in first.text
    # Only the cases shown are in the audit event of the listing.
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "cases.listed").order_by(AuditEvent.id)
    ).all()[-1]
    assert sorted(event.detail["ids"]) == sorted(c.id for c in newest_first[4:])


def test_the_cases_list_finds_a_case_by_reference_or_name(app):
    client, cases = _cases(app, 3)
    wanted = cases[1]

    by_reference = client.get(f"/cases/?q={wanted.reference.lower()}")
    by_name = client.get("/cases/?q=ictim01")
    nothing = client.get("/cases/?q=Nobody")

    for found in (by_reference, by_name):
        assert found.status_code == 200
        assert wanted.reference in found.text
        assert cases[0].reference not in found.text and cases[2].reference not in found.text
        assert "1 case" in found.text
    assert "No case matches 'Nobody'" in html.unescape(nothing.text)


def test_a_search_with_a_control_character_is_refused_beside_the_box(app):
    client, _ = _cases(app, 1)

    response = client.get("/cases/?q=Vic%07tim")

    assert response.status_code == 422
    assert 'id="q-field-error"' in response.text
