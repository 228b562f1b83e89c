"""The coordinator's queue and decisions, and what the referrer then sees."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Referral
from tests import factories


@pytest.fixture
def marac(app):
    return factories.make_marac(name="Northvale MARAC", code="NV")


@pytest.fixture
def coordinator(client_as, marac):
    return client_as("coordinator", marac=marac)


def _decide(client, referral, **data):
    return client.post(f"/referrals/{referral.id}/decision", data=data)


def test_the_queue_lists_submitted_referrals_oldest_first_with_their_flags(coordinator, marac):
    now = utcnow()
    newer = factories.make_referral(marac=marac, status="submitted", now=now - timedelta(hours=5))
    older = factories.make_referral(
        marac=marac, status="submitted", children=2, now=now - timedelta(days=3), given_name="Bea"
    )
    factories.make_referral(marac=marac, status="draft")
    factories.make_referral(status="submitted")  # another MARAC's

    page = coordinator.get("/screening/")
    assert page.status_code == 200
    assert page.text.index(older.reference) < page.text.index(newer.reference)
    assert "3 days" in page.text and "5 hours" in page.text
    assert "Visible high risk" in page.text
    assert page.text.count('class="govuk-table__row"') == 3  # the header and two referrals


def test_accepting_opens_a_case_assigns_the_advocate_and_tells_them(coordinator, marac):
    referral = factories.make_referral(marac=marac, status="submitted")
    advocate = factories.make_user("advocate", marac=marac, name="Ada Advocate")
    page = coordinator.get(f"/referrals/{referral.id}")
    assert "Screening decision" in page.text and "Ada Advocate" in page.text

    resp = _decide(
        coordinator,
        referral,
        decision="accept",
        case_id="new",
        advocate_id=str(advocate.id),
        reason="Meets visible high risk.",
    )

    assert resp.status_code == 303
    db.session.refresh(referral)
    case = referral.case
    year = utcnow().year
    assert referral.status is ReferralStatus.ACCEPTED
    assert case.reference == f"NV-{year}-0001" and case.advocate_id == advocate.id
    assert case.status is CaseStatus.OPEN
    [transition] = [t for t in referral.transitions if t.to_status is ReferralStatus.ACCEPTED]
    assert (transition.actor_id, transition.reason) == (
        coordinator.user.id,
        "Meets visible high risk.",
    )
    verbs = set(db.session.scalars(sa.select(AuditEvent.verb)))
    assert {"referral.accepted", "case.opened", "case.advocate_assigned"} <= verbs
    kinds = {(n.recipient_id, n.kind) for n in db.session.scalars(sa.select(Notification))}
    assert (referral.referrer_id, "referral.accepted") in kinds
    assert (advocate.id, "case.advocate_assigned") in kinds


def test_the_second_case_of_the_year_takes_the_next_number(coordinator, marac):
    first = factories.make_referral(marac=marac, status="accepted")
    second = factories.make_referral(
        marac=marac, status="submitted", given_name="Other", dob=("1", "1", "1980")
    )
    _decide(coordinator, second, decision="accept", case_id="new", reason="Accepted.")
    db.session.refresh(second)
    assert first.case.number == 1 and second.case.number == 2
    assert second.case.reference.endswith("-0002")


def test_a_repeat_joins_the_existing_case_offered_first(coordinator, marac):
    earlier = factories.make_referral(
        marac=marac, status="accepted", now=utcnow() - timedelta(days=90)
    )
    repeat = factories.make_referral(marac=marac, status="submitted", yes=2)
    page = coordinator.get(f"/referrals/{repeat.id}")
    assert f"{earlier.case.reference} (possible earlier case)" in page.text
    assert "Repeat" in page.text

    _decide(coordinator, repeat, decision="accept", case_id=str(earlier.case_id), reason="Repeat.")
    db.session.refresh(repeat)
    assert repeat.case_id == earlier.case_id
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1


def test_a_case_can_be_joined_by_its_reference(coordinator, marac):
    earlier = factories.make_referral(
        marac=marac, status="accepted", given_name="Zed", dob=("2", "2", "1972")
    )
    referral = factories.make_referral(marac=marac, status="submitted")
    resp = _decide(
        coordinator,
        referral,
        decision="accept",
        case_reference=earlier.case.reference.lower(),
        reason="Same family.",
    )
    assert resp.status_code == 303
    db.session.refresh(referral)
    assert referral.case_id == earlier.case_id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "accept"}, "Give a reason: the referrer will see it"),
        ({"reason": "x"}, "Choose a decision"),
        ({"decision": "maybe", "reason": "x"}, "Not a valid choice"),
        (
            {"decision": "accept", "reason": "x", "case_reference": "NV-1999-9999"},
            "No case you can join has that reference",
        ),
        (
            {"decision": "accept", "reason": "x", "advocate_id": "99999"},
            "Choose an advocate from the list",
        ),
        ({"decision": "decline", "reason": "x" * 2001}, "Must be 2000 characters or fewer"),
    ],
)
def test_a_bad_decision_is_refused_by_the_field(coordinator, marac, data, message):
    referral = factories.make_referral(marac=marac, status="submitted")
    resp = _decide(coordinator, referral, **data)
    assert resp.status_code == 422
    assert message in resp.text
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED


def test_an_advocate_of_another_marac_cannot_be_assigned(coordinator, marac):
    referral = factories.make_referral(marac=marac, status="submitted")
    outsider = factories.make_user("advocate")
    resp = _decide(
        coordinator, referral, decision="accept", reason="x", advocate_id=str(outsider.id)
    )
    assert resp.status_code == 422 and "Choose an advocate from the list" in resp.text
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED and referral.case_id is None


def test_declining_shows_the_reason_to_the_referrer(coordinator, marac, client_as, app):
    referrer = factories.make_user("agency_rep", marac=marac)
    referral = factories.make_referral(referrer, status="submitted")
    _decide(
        coordinator, referral, decision="decline", reason="Not high risk: signpost to outreach."
    )

    from tests.conftest import sign_in

    client = sign_in(app.test_client(), referrer)
    mine = client.get("/referrals/")
    assert "Declined" in mine.text and "Not high risk: signpost to outreach." in mine.text
    notes = client.get("/notifications/")
    assert f"Your referral {referral.reference} was declined" in notes.text
    assert "Alicia" not in notes.text


def test_more_information_is_asked_for_answered_and_the_referral_returns(coordinator, marac, app):
    referrer = factories.make_user("advocate", marac=marac)
    referral = factories.make_referral(referrer, status="submitted")
    _decide(
        coordinator, referral, decision="more_info", reason="Which incidents did police attend?"
    )
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.MORE_INFO_REQUESTED

    from tests.conftest import sign_in

    client = sign_in(app.test_client(), referrer)
    page = client.get(f"/referrals/{referral.id}")
    assert "Which incidents did police attend?" in page.text and "Answer and send" in page.text
    assert client.post(f"/referrals/{referral.id}/check").status_code == 422  # an answer is needed
    resp = client.post(f"/referrals/{referral.id}/check", data={"answer": "Police attended twice."})
    assert resp.status_code == 303
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.transitions[-1].reason == "Police attended twice."
    coordinator_note = db.session.scalar(
        sa.select(Notification).where(
            Notification.recipient_id == coordinator.user.id,
            Notification.kind == "referral.answered",
        )
    )
    assert coordinator_note is not None
    history = coordinator.get(f"/referrals/{referral.id}").text
    assert history.index("More information requested") < history.index("Police attended twice.")


def test_a_decided_referral_cannot_be_decided_again(coordinator, marac):
    referral = factories.make_referral(marac=marac, status="submitted")
    _decide(coordinator, referral, decision="decline", reason="No.")
    resp = _decide(coordinator, referral, decision="accept", reason="Yes.")
    assert resp.status_code == 303
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.DECLINED
    assert len(referral.transitions) == 2


def test_withdrawing_a_submitted_referral_needs_a_reason_and_tells_the_coordinator(
    coordinator, marac, app
):
    referrer = factories.make_user("advocate", marac=marac)
    referral = factories.make_referral(referrer, status="submitted")
    from tests.conftest import sign_in

    client = sign_in(app.test_client(), referrer)
    assert client.post(f"/referrals/{referral.id}/withdraw", data={"reason": ""}).status_code == 422
    assert (
        client.post(
            f"/referrals/{referral.id}/withdraw", data={"reason": "Moved away."}
        ).status_code
        == 303
    )
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.WITHDRAWN and referral.draft is None
    assert "No referral is waiting" in coordinator.get("/screening/").text


def test_the_queue_runs_a_fixed_number_of_queries(coordinator, marac, count_queries):
    def queue_queries() -> int:
        coordinator.get("/screening/")  # the first request of a while also refreshes the session
        with count_queries() as statements:
            assert coordinator.get("/screening/").status_code == 200
        return len(statements)

    for n in range(2):
        factories.make_referral(marac=marac, status="submitted", children=1, given_name=f"A{n}")
    few = queue_queries()
    for n in range(6):
        factories.make_referral(marac=marac, status="submitted", children=2, given_name=f"B{n}")
    assert queue_queries() == few
    assert db.session.scalar(sa.select(sa.func.count(Referral.id))) == 8


def test_a_16_or_17_year_old_s_extra_steps_are_shown_to_the_coordinator(coordinator, marac):
    born = utcnow().date() - timedelta(days=17 * 365 + 30)  # 17, and some weeks
    referral = factories.make_referral(
        marac=marac,
        status="submitted",
        dob=(str(born.day), str(born.month), str(born.year)),
        key_worker="Sam Keyworker",
    )
    assert referral.is_aged_16_17
    page = coordinator.get(f"/referrals/{referral.id}").text
    assert "The victim is 16 or 17" in page
    assert "A named key worker" in page and "Checks for exploitation and gang risk" in page
    assert "Aged 16 or 17" in coordinator.get("/screening/").text
