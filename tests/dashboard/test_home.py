"""Each role lands on a home page that says what it can do."""

import pytest
from markupsafe import escape

from conference.accounts.models import Role, RoleGrant
from conference.extensions import db
from tests.factories import make_marac

ROLE_TEXT = {
    "coordinator": "You screen referrals",
    "chair": "You run the live conference",
    "advocate": "speak for them at the conference",
    "agency_rep": "research your agency's records",
    "admin": "gives no access to case information",
}


@pytest.mark.parametrize("role", ROLE_TEXT)
def test_each_role_sees_its_own_section_and_no_other(client_as, role):
    page = client_as(role).get("/").text
    assert f'data-role="{role}"' in page
    assert escape(ROLE_TEXT[role]) in page
    for other, text in ROLE_TEXT.items():
        if other != role:
            assert escape(text) not in page


def test_admin_home_links_to_administration_and_audit(client_as):
    page = client_as("admin").get("/").text
    for href in (
        'href="/admin/users"',
        'href="/admin/agencies"',
        'href="/admin/maracs"',
        'href="/admin/jobs/"',
        'href="/notifications/outbox"',
        'href="/audit/"',
    ):
        assert href in page


def test_coordinator_home_links_to_the_audit_log_but_not_administration(client_as):
    page = client_as("coordinator").get("/").text
    assert 'href="/audit/"' in page and 'href="/admin/' not in page


@pytest.mark.parametrize("role", ["chair", "advocate", "agency_rep"])
def test_other_roles_are_not_offered_the_audit_log_or_administration(client_as, role):
    page = client_as(role).get("/").text
    assert 'href="/audit/"' not in page and 'href="/admin' not in page


def test_a_user_with_two_roles_sees_both_with_their_maracs(client_as):
    north, east = make_marac("North MARAC"), make_marac("East MARAC")
    client = client_as("chair", marac=north)
    client.user.agency.maracs.append(east)
    db.session.add(RoleGrant(user=client.user, role=Role.AGENCY_REP, marac=east))
    db.session.commit()
    page = client.get("/").text
    assert 'data-role="chair"' in page and 'data-role="agency_rep"' in page
    assert "North MARAC" in page and "East MARAC" in page


def test_a_user_with_no_role_is_told_to_ask_for_one(client_as):
    page = client_as(None).get("/").text
    assert "You have no roles yet" in page


def test_anonymous_visitors_are_sent_to_sign_in(client):
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/sign-in")


def test_coordinator_home_links_to_screening_and_cases(client_as):
    page = client_as("coordinator").get("/").text
    assert 'href="/screening/"' in page and 'href="/cases/"' in page
    assert 'href="/actions/tracker"' in page and 'href="/cases/twelve-months"' in page
    assert 'href="/reports/return"' in page
    assert 'href="/actions/"' not in page  # the agencies' own list


@pytest.mark.parametrize("role", ["advocate", "agency_rep"])
def test_agencies_home_links_to_their_actions_but_not_the_tracker(client_as, role):
    page = client_as(role).get("/").text
    assert 'href="/actions/"' in page and 'href="/actions/tracker"' not in page
    assert "/reports/return" not in page  # neither on Home nor in the menu


@pytest.mark.parametrize("role", ["advocate", "agency_rep"])
def test_referrers_home_links_to_making_a_referral_and_their_referrals(client_as, role):
    page = client_as(role).get("/").text
    assert 'href="/referrals/new"' in page and 'href="/referrals/"' in page
    assert 'href="/screening/"' not in page


def test_a_chair_is_not_offered_referrals_or_screening(client_as):
    page = client_as("chair").get("/").text
    assert 'href="/referrals/' not in page and 'href="/screening/"' not in page
