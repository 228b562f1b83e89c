"""Who may reach each referral, screening and case route: allowed and refused, per role."""

from __future__ import annotations

import pytest

from conference.notifications.links import url_of
from tests import factories
from tests.conftest import sign_in


@pytest.fixture
def world(app):
    """One MARAC with a submitted referral (by an agency rep) and an accepted one in a case."""
    marac = factories.make_marac(code="AC")
    referrer = factories.make_user("agency_rep", marac=marac)
    advocate = factories.make_user("advocate", marac=marac)
    submitted = factories.make_referral(referrer, status="submitted", given_name="Sub")
    accepted = factories.make_referral(
        advocate, status="accepted", given_name="Acc", dob=("1", "1", "1985")
    )
    draft = factories.make_referral(referrer, status="draft")
    return {
        "marac": marac,
        "referrer": referrer,
        "advocate": advocate,
        "submitted": submitted,
        "accepted": accepted,
        "draft": draft,
        "case": accepted.case,
    }


def _client(app, user):
    return sign_in(app.test_client(), user)


def _user(world, who):
    marac = world["marac"]
    if who in ("referrer", "advocate"):
        return world[who]
    if who == "coordinator":
        return factories.coordinator_of(marac)
    if who == "other_coordinator":
        return factories.make_user("coordinator")
    if who == "agency_rep":  # same MARAC, another agency
        return factories.make_user("agency_rep", marac=marac)
    if who == "chair":
        return factories.make_user("chair", marac=marac)
    if who == "admin":
        return factories.make_user("admin")
    if who == "nobody":
        return factories.make_user(None)
    raise AssertionError(who)


PAGES = [
    # (path template, who, expected status)
    ("/referrals/", "referrer", 200),
    ("/referrals/", "advocate", 200),
    ("/referrals/", "coordinator", 200),
    ("/referrals/", "chair", 403),
    ("/referrals/", "admin", 403),
    ("/referrals/", "nobody", 403),
    ("/referrals/new", "agency_rep", 200),
    ("/referrals/new", "chair", 403),
    ("/referrals/{draft}", "referrer", 200),
    ("/referrals/{draft}", "coordinator", 404),
    ("/referrals/{draft}", "agency_rep", 404),
    ("/referrals/{draft}/steps/victim", "referrer", 200),
    ("/referrals/{draft}/steps/victim", "coordinator", 404),
    ("/referrals/{draft}/steps/nonsense", "referrer", 404),
    ("/referrals/{draft}/assessment", "referrer", 303),  # the page it belongs to
    ("/referrals/{draft}/assessment", "advocate", 404),
    ("/referrals/{draft}/check", "referrer", 200),
    ("/referrals/{draft}/check", "coordinator", 404),
    ("/referrals/{submitted}", "referrer", 200),
    ("/referrals/{submitted}", "coordinator", 200),
    ("/referrals/{submitted}", "other_coordinator", 404),
    ("/referrals/{submitted}", "agency_rep", 404),
    ("/referrals/{submitted}", "advocate", 404),
    ("/referrals/{submitted}", "chair", 404),
    ("/referrals/{submitted}", "admin", 404),
    ("/referrals/{submitted}/steps/victim", "referrer", 303),  # sent: no longer editable
    ("/referrals/{accepted}", "advocate", 200),
    ("/screening/", "coordinator", 200),
    ("/screening/", "advocate", 403),
    ("/screening/", "agency_rep", 403),
    ("/screening/", "chair", 403),
    ("/screening/", "admin", 403),
    ("/cases/", "coordinator", 200),
    ("/cases/", "advocate", 403),
    ("/cases/", "admin", 403),
    ("/cases/{case}", "coordinator", 200),
    ("/cases/{case}", "advocate", 200),  # referred her
    ("/cases/{case}", "other_coordinator", 404),
    ("/cases/{case}", "agency_rep", 404),
    ("/cases/{case}", "referrer", 404),  # an agency rep who referred someone else
    ("/cases/{case}", "chair", 404),
    ("/cases/{case}", "admin", 404),
    ("/notifications/", "nobody", 200),
]


@pytest.mark.parametrize(("path", "who", "expected"), PAGES)
def test_pages_per_role(app, world, path, who, expected):
    client = _client(app, _user(world, who))
    url = path.format(
        draft=world["draft"].id,
        submitted=world["submitted"].id,
        accepted=world["accepted"].id,
        case=world["case"].id,
    )
    resp = client.get(url)
    assert resp.status_code == expected, resp.text[:500]


ACTIONS = [
    ("/referrals/{submitted}/decision", {"decision": "decline", "reason": "x"}, "coordinator", 303),
    ("/referrals/{submitted}/decision", {"decision": "decline", "reason": "x"}, "referrer", 404),
    (
        "/referrals/{submitted}/decision",
        {"decision": "decline", "reason": "x"},
        "other_coordinator",
        404,
    ),
    ("/referrals/{submitted}/decision", {"decision": "decline", "reason": "x"}, "advocate", 404),
    ("/referrals/{draft}/steps/victim", {"given_name": "X"}, "coordinator", 404),
    ("/referrals/{draft}/steps/victim", {"given_name": "X"}, "agency_rep", 404),
    ("/referrals/{draft}/withdraw", {"reason": "x"}, "coordinator", 404),
    ("/referrals/{draft}/withdraw", {"reason": "x"}, "referrer", 303),
    ("/referrals/{submitted}/check", {}, "coordinator", 404),
    ("/cases/{case}/advocate", {"advocate_id": "{advocate_id}"}, "coordinator", 303),
    ("/cases/{case}/advocate", {"advocate_id": "{advocate_id}"}, "advocate", 403),
    ("/cases/{case}/advocate", {"advocate_id": "{advocate_id}"}, "agency_rep", 404),
    ("/cases/{case}/confidential", {"confidential": "yes"}, "coordinator", 303),
    ("/cases/{case}/confidential", {"confidential": "yes"}, "advocate", 403),
    ("/cases/{case}/confidential", {"confidential": "yes"}, "other_coordinator", 404),
]


@pytest.mark.parametrize(("path", "data", "who", "expected"), ACTIONS)
def test_actions_per_role(app, world, path, data, who, expected):
    client = _client(app, _user(world, who))
    url = path.format(
        draft=world["draft"].id, submitted=world["submitted"].id, case=world["case"].id
    )
    sent = {k: v.format(advocate_id=world["advocate"].id) for k, v in data.items()}
    assert client.post(url, data=sent).status_code == expected


def test_a_notification_of_someone_else_is_not_found(app, world):
    import sqlalchemy as sa

    from conference.extensions import db
    from conference.notifications.models import Notification

    theirs = db.session.scalars(sa.select(Notification)).first()
    stranger = _client(app, factories.make_user("advocate", marac=world["marac"]))
    assert stranger.post(f"/notifications/{theirs.id}/open").status_code == 404
    owner = _client(app, db.session.get(type(world["referrer"]), theirs.recipient_id))
    resp = owner.post(f"/notifications/{theirs.id}/open")
    with app.test_request_context():
        link = url_of(theirs)
    assert link == f"/referrals/{theirs.endpoint_args['referral_id']}"
    assert resp.status_code == 303 and resp.headers["Location"] == link
