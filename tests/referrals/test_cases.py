"""The case record: what each reader sees, the confidential address, and the audit of reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import AddressDisclosure
from tests import factories
from tests.conftest import sign_in

ADDRESS = "1 Example Row, Testtown"


@pytest.fixture
def marac(app):
    return factories.make_marac(code="CS")


@pytest.fixture
def case_world(app, marac):
    """A case opened by one advocate's referral, then joined by a police referral."""
    referring_advocate = factories.make_user("advocate", marac=marac, name="Rita Referrer")
    assigned = factories.make_user("advocate", marac=marac, name="Ana Assigned")
    coordinator = factories.coordinator_of(marac)
    first = factories.make_referral(
        referring_advocate, status="accepted", now=utcnow() - timedelta(days=40)
    )
    case = first.case
    case.advocate = assigned
    police = factories.make_user("agency_rep", marac=marac)
    second = factories.make_referral(police, status="submitted", yes=1)
    from conference.referrals import services
    from conference.referrals.choices import Decision

    services.decide(
        second, Decision.ACCEPT, actor=coordinator, reason="Repeat", now=utcnow(), case=case
    )
    db.session.commit()
    return {
        "case": case,
        "coordinator": coordinator,
        "assigned": assigned,
        "referring_advocate": referring_advocate,
        "first": first,
        "second": second,
    }


def _page(app, user, case):
    return sign_in(app.test_client(), user).get(f"/cases/{case.id}")


def test_the_case_shows_both_referrals_newest_first_with_the_repeat(app, case_world):
    page = _page(app, case_world["coordinator"], case_world["case"])
    assert page.status_code == 200
    text = page.text
    assert case_world["case"].reference in text and "Ana Assigned" in text
    assert text.index(case_world["second"].reference) < text.index(case_world["first"].reference)
    assert "Repeat" in text


def test_contact_details_are_shown_to_the_coordinator_and_the_assigned_advocate(app, case_world):
    for who in ("coordinator", "assigned"):
        page = _page(app, case_world[who], case_world["case"]).text
        assert ADDRESS in page and "Withheld" not in page


def test_a_referring_advocate_sees_only_their_own_referral_s_contact_details(app, case_world):
    page = _page(app, case_world["referring_advocate"], case_world["case"]).text
    assert page.count(ADDRESS) == 1  # their referral's, not the police one
    assert "Withheld" in page


def test_a_confidential_address_needs_a_reason_which_is_kept(app, case_world):
    case = case_world["case"]
    coordinator = sign_in(app.test_client(), case_world["coordinator"])
    coordinator.post(f"/cases/{case.id}/confidential", data={"confidential": "yes"})
    page = coordinator.get(f"/cases/{case.id}").text
    assert ADDRESS not in page and "Withheld" in page
    assert "Why do you need to see the address?" in page

    refused = coordinator.post(f"/cases/{case.id}/address", data={"reason": "  "})
    assert refused.status_code == 422 and ADDRESS not in refused.text
    assert "Give your reason: it is kept in the audit trail" in refused.text

    shown = coordinator.post(f"/cases/{case.id}/address", data={"reason": "Arranging a visit."})
    assert shown.status_code == 200 and ADDRESS in shown.text
    [disclosure] = db.session.scalars(sa.select(AddressDisclosure))
    assert (disclosure.user_id, disclosure.reason) == (
        case_world["coordinator"].id,
        "Arranging a visit.",
    )
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.verb == "case.address_disclosed")
    )
    assert event.detail == {"disclosure_id": disclosure.id} and event.object_id == case.id
    # The next visit hides it again.
    assert ADDRESS not in coordinator.get(f"/cases/{case.id}").text


def test_someone_without_contact_rights_cannot_ask_for_the_address(app, case_world):
    case = case_world["case"]
    case.is_address_confidential = True
    db.session.commit()
    # The referring advocate may see the case and their own referral's contact details...
    advocate = sign_in(app.test_client(), case_world["referring_advocate"])
    assert advocate.post(f"/cases/{case.id}/address", data={"reason": "x"}).status_code == 200
    # ...a chair of the MARAC may not even see the case.
    chair = sign_in(app.test_client(), factories.make_user("chair", marac=case.marac))
    assert chair.post(f"/cases/{case.id}/address", data={"reason": "x"}).status_code == 404


def test_every_view_of_a_case_or_referral_is_audited(app, case_world):
    case = case_world["case"]
    _page(app, case_world["coordinator"], case)
    sign_in(app.test_client(), case_world["coordinator"]).get(
        f"/referrals/{case_world['second'].id}"
    )
    events = list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.verb.in_(["case.viewed", "referral.viewed"]))
        )
    )
    assert {(e.verb, e.object_id, e.user_id) for e in events} >= {
        ("case.viewed", case.id, case_world["coordinator"].id),
        ("referral.viewed", case_world["second"].id, case_world["coordinator"].id),
    }
    assert all(e.marac_id == case.marac_id for e in events)


def test_assigning_another_advocate(app, case_world, marac):
    case = case_world["case"]
    newcomer = factories.make_user("advocate", marac=marac, name="Nia Newcomer")
    client = sign_in(app.test_client(), case_world["coordinator"])
    resp = client.post(f"/cases/{case.id}/advocate", data={"advocate_id": str(newcomer.id)})
    assert resp.status_code == 303
    db.session.refresh(case)
    assert case.advocate_id == newcomer.id
    bad = client.post(f"/cases/{case.id}/advocate", data={"advocate_id": "nope"})
    assert bad.status_code == 422 and "Choose an advocate from the list" in bad.text


def test_the_case_page_runs_a_fixed_number_of_queries(app, case_world, marac, count_queries):
    case = case_world["case"]
    client = sign_in(app.test_client(), case_world["coordinator"])

    def page_queries() -> int:
        client.get(f"/cases/{case.id}")
        with count_queries() as statements:
            assert client.get(f"/cases/{case.id}").status_code == 200
        return len(statements)

    few = page_queries()
    from conference.referrals import services
    from conference.referrals.choices import Decision

    for _ in range(4):
        referrer = factories.make_user("agency_rep", marac=marac)
        more = factories.make_referral(
            referrer, status="submitted", children=2, incidents=(("1", "1", "2026"),)
        )
        services.decide(
            more,
            Decision.ACCEPT,
            actor=case_world["coordinator"],
            reason="r",
            now=utcnow(),
            case=case,
        )
    db.session.commit()
    assert page_queries() == few
