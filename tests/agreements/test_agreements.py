"""The information-sharing agreement: versions, acceptance, and no case page before it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role, RoleGrant
from conference.agreements import services
from conference.agreements.models import AgreementAcceptance, SharingAgreement
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.models import Referral
from tests import factories
from tests.conftest import HTMX, sign_in

TEXT = "We share only what keeps her safe, and keep it safe."


def _agreement(marac, text=TEXT, *, by=None):
    by = by or factories.coordinator_of(marac)
    current = services.current_agreement(marac.id)
    saved = services.save_text(
        by, marac, text, seen_version=current.version if current else 0, now=utcnow()
    )
    db.session.commit()
    return saved


@pytest.fixture
def world(app):
    marac = factories.make_marac()
    agency = factories.make_agency(maracs=[marac])
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac, agency=agency)
    case = factories.accepted_case(marac)
    return marac, coordinator, case


def test_a_marac_without_an_agreement_asks_nothing(app, client, world):
    marac, coordinator, case = world
    resp = sign_in(client, coordinator).get(f"/cases/{case.id}")
    assert resp.status_code == 200


def test_the_agreement_blocks_case_pages_until_accepted_and_again_after_a_new_version(
    app, client, world
):
    marac, coordinator, case = world
    first = _agreement(marac)
    sign_in(client, coordinator)

    resp = client.get(f"/cases/{case.id}")
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/agreements/?next=/cases/{case.id}"
    referral_id = db.session.scalar(sa.select(Referral.id).where(Referral.case_id == case.id))
    for path in ("/", "/cases/", "/screening/", f"/referrals/{referral_id}"):
        assert client.get(path).status_code == 303, path
    # An htmx request gets a whole-page redirect, not half a page.
    resp = client.get(
        f"/cases/{case.id}", headers={**HTMX, "HX-Current-URL": f"http://localhost/cases/{case.id}"}
    )
    assert resp.status_code == 200
    assert resp.headers["HX-Redirect"] == f"/agreements/?next=/cases/{case.id}"
    assert resp.text == ""

    page = client.get(f"/agreements/?next=/cases/{case.id}")
    assert page.status_code == 200
    assert TEXT in page.text
    resp = client.post(f"/agreements/{first.id}/accept", data={"next": f"/cases/{case.id}"})
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/cases/{case.id}"
    assert client.get(f"/cases/{case.id}").status_code == 200

    second = _agreement(marac, TEXT + " Refuge addresses are never written down.")
    assert second.version == 2
    assert client.get(f"/cases/{case.id}").status_code == 303
    # The old version cannot be accepted in the new one's place.
    resp = client.post(f"/agreements/{first.id}/accept")
    assert resp.status_code == 303
    assert client.get(f"/cases/{case.id}").status_code == 303
    client.post(f"/agreements/{second.id}/accept")
    assert client.get(f"/cases/{case.id}").status_code == 200

    kept = db.session.scalars(
        sa.select(AgreementAcceptance)
        .where(AgreementAcceptance.user_id == coordinator.id)
        .order_by(AgreementAcceptance.id)
    ).all()
    assert [a.agreement.version for a in kept] == [1, 2]
    assert kept[0].roles == "Coordinator"
    assert kept[0].agency_id == coordinator.agency_id
    verbs = db.session.scalars(
        sa.select(AuditEvent.verb).where(
            AuditEvent.user_id == coordinator.id, AuditEvent.verb.like("agreement.%")
        )
    ).all()
    assert verbs.count("agreement.accepted") == 2


def test_each_marac_is_accepted_on_its_own(app, client, world):
    marac, coordinator, case = world
    other = factories.make_marac()
    coordinator.role_grants.append(RoleGrant(role=Role.COORDINATOR, marac=other))
    db.session.commit()
    other_case = factories.accepted_case(other)
    agreement = _agreement(other)
    sign_in(client, coordinator)
    # Her own MARAC has no agreement: its case opens; the other's waits for its agreement.
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.get(f"/cases/{other_case.id}").status_code == 303
    # A list of several MARACs' cases waits for every one of them.
    assert client.get("/cases/").status_code == 303
    client.post(f"/agreements/{agreement.id}/accept")
    assert client.get(f"/cases/{other_case.id}").status_code == 200
    assert client.get("/cases/").status_code == 200


def test_a_post_refused_for_the_agreement_changes_nothing(app, client, world):
    marac, coordinator, case = world
    _agreement(marac)
    sign_in(client, coordinator)
    resp = client.post(f"/cases/{case.id}/advocate", data={})
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/agreements/"
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(AuditEvent.verb == "case.advocate_assigned")
        )
        == 0
    )


def test_a_referral_step_typed_as_a_new_version_came_in_is_kept_for_after_accepting(app, client):
    advocate = factories.make_user(Role.ADVOCATE)
    marac = advocate.role_grants[0].marac
    referral = factories.make_referral(advocate, marac=marac)
    agreement = _agreement(marac)
    step = f"/referrals/{referral.id}/steps/contact"
    resp = sign_in(client, advocate).post(
        step,
        data={"who_she_fears": "Her brother-in-law", "safe_to_call": "no", "action": "continue"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/agreements/?next={step}"
    resp = client.post(f"/agreements/{agreement.id}/accept", data={"next": step})
    assert resp.headers["Location"] == step
    page = client.get(step)
    assert "Her brother-in-law" in page.text and "Not saved yet" in page.text


def test_an_agreement_of_a_marac_one_holds_no_role_in_cannot_be_accepted(app, client, world):
    marac, coordinator, case = world
    stranger = factories.make_user(Role.COORDINATOR)
    agreement = _agreement(marac)
    resp = sign_in(client, stranger).post(f"/agreements/{agreement.id}/accept")
    assert resp.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AgreementAcceptance)) == 0


def test_the_coordinator_writes_new_versions_and_every_one_is_kept(app, client, world):
    marac, coordinator, case = world
    sign_in(client, coordinator)
    page = client.get(f"/agreements/maracs/{marac.id}/edit")
    assert page.status_code == 200
    assert 'name="version" type="hidden" value="0"' in page.text
    resp = client.post(
        f"/agreements/maracs/{marac.id}/edit", data={"version": "0", "text": "First words."}
    )
    assert resp.status_code == 303
    resp = client.post(
        f"/agreements/maracs/{marac.id}/edit", data={"version": "1", "text": "Second words."}
    )
    assert resp.status_code == 303
    texts = db.session.scalars(
        sa.select(SharingAgreement.text)
        .where(SharingAgreement.marac_id == marac.id)
        .order_by(SharingAgreement.version)
    ).all()
    assert texts == ["First words.", "Second words."]
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.verb == "agreement.saved"))
        == 2
    )


def test_a_stale_save_gets_409_with_both_texts_and_keeps_its_own(app, client, world):
    marac, coordinator, case = world
    _agreement(marac, "Version one.")
    _agreement(marac, "Their version two.")
    resp = sign_in(client, coordinator).post(
        f"/agreements/maracs/{marac.id}/edit", data={"version": "1", "text": "My own words."}
    )
    assert resp.status_code == 409
    assert "Their version two." in resp.text
    assert "My own words." in resp.text
    assert 'name="version" type="hidden" value="2"' in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SharingAgreement)) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter the agreement&#39;s text"),
        ("x" * 20_001, "20000 characters or fewer"),
        ("Bad \x07 bell", "control"),
    ],
)
def test_bad_text_is_refused_beside_the_field_and_kept(app, client, world, text, message):
    marac, coordinator, case = world
    resp = sign_in(client, coordinator).post(
        f"/agreements/maracs/{marac.id}/edit", data={"version": "0", "text": text}
    )
    assert resp.status_code == 422
    assert message in resp.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SharingAgreement)) == 0


def test_the_same_text_again_is_not_a_new_version(app, client, world):
    marac, coordinator, case = world
    _agreement(marac, "Same words.")
    resp = sign_in(client, coordinator).post(
        f"/agreements/maracs/{marac.id}/edit", data={"version": "1", "text": "Same words."}
    )
    assert resp.status_code == 422
    assert "same as the current version" in resp.text


def test_the_coordinator_sees_who_accepted_and_who_has_not(app, client, world):
    marac, coordinator, case = world
    agency = factories.make_agency(name="Testshire Housing", maracs=[marac])
    accepted = factories.make_user(Role.AGENCY_REP, marac=marac, agency=agency, name="Ada Accepts")
    factories.make_user(Role.CHAIR, marac=marac, name="Nell Notyet")
    agreement = _agreement(marac)
    services.accept(accepted, agreement, now=utcnow())
    db.session.commit()
    page = sign_in(client, coordinator).get(f"/agreements/maracs/{marac.id}")
    assert page.status_code == 200
    waiting = page.text.split('id="waiting"')[1].split("</ul>")[0]
    assert "Nell Notyet (Chair" in waiting
    assert "Ada Accepts" not in waiting
    history = page.text.split('id="history"')[1]
    assert "Ada Accepts" in history and "Agency representative" in history
    assert "Testshire Housing" in history
    assert (
        db.session.scalar(
            sa.select(sa.func.count()).where(
                AuditEvent.verb == "agreement.acceptances_viewed", AuditEvent.marac_id == marac.id
            )
        )
        == 1
    )


ROLES = ["admin", "coordinator", "chair", "advocate", "agency_rep", "steering", None]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/agreements/maracs/{marac}", 200),
        ("GET", "/agreements/maracs/{marac}/edit", 200),
        ("POST", "/agreements/maracs/{marac}/edit", 422),
    ],
)
def test_only_the_marac_s_coordinators_and_administrators_manage_it(
    app, client_as, role, method, path, allowed
):
    marac = factories.make_marac()
    client = client_as(role, marac=marac) if role not in (None, "admin") else None
    if role == "admin":
        client = client_as("admin")
    if client is None:
        client = app.test_client()
    resp = client.open(path.format(marac=marac.id), method=method)
    if role in ("admin", "coordinator"):
        assert resp.status_code == allowed
    elif role is None:
        assert resp.status_code == 303
        assert resp.headers["Location"].startswith("/sign-in")
    else:
        assert resp.status_code == 403


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_marac_s_coordinator_is_refused(app, client_as, method):
    marac = factories.make_marac()
    client = client_as("coordinator")
    for path in (f"/agreements/maracs/{marac.id}", f"/agreements/maracs/{marac.id}/edit"):
        if method == "POST" and not path.endswith("edit"):
            continue
        assert client.open(path, method=method).status_code == 403


@pytest.mark.parametrize("role", ROLES[:-1])
def test_everyone_signed_in_reads_and_accepts_their_own(app, client_as, role):
    marac = factories.make_marac()
    client = client_as(role, marac=marac) if role != "admin" else client_as("admin")
    assert client.get("/agreements/").status_code == 200
    agreement = _agreement(marac)
    page = client.get("/agreements/")
    resp = client.post(f"/agreements/{agreement.id}/accept")
    if role == "admin":  # install-wide: no MARAC's agreement is theirs to accept
        assert TEXT not in page.text
        assert resp.status_code == 404
    else:
        assert TEXT in page.text
        assert resp.status_code == 303


def test_anonymous_visitors_cannot_accept(app, client, world):
    marac, coordinator, case = world
    agreement = _agreement(marac)
    assert client.get("/agreements/").status_code == 303
    resp = client.post(f"/agreements/{agreement.id}/accept")
    assert resp.status_code == 303
    assert resp.headers["Location"].startswith("/sign-in")
