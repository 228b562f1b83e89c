"""Screening that sees the wait: the date a case would be heard, a nearer conference over
capacity, interim actions for an urgent case, and a confirmation that links to the case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import AgencyKind
from conference.actions import jobs
from conference.actions.models import Action
from conference.actions.queries import overdue_review
from conference.conferences import listing
from conference.conferences.display import conference_label, local_day
from conference.conferences.models import AgendaItem
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import ReferralStatus
from conference.referrals.services import today_in
from tests import factories


@pytest.fixture
def marac(app):
    return factories.make_marac(name="Northvale MARAC", code="NV")


@pytest.fixture
def coordinator(client_as, marac):
    return client_as("coordinator", marac=marac)


@pytest.fixture
def police(marac):
    return factories.make_agency("Northvale Police", AgencyKind.POLICE, maracs=[marac])


@pytest.fixture
def conferences(marac):
    """A full conference in a week, and the next with room five weeks away."""
    today = today_in(marac, utcnow())
    near = factories.make_conference(marac, today + timedelta(days=7), capacity=1)
    far = factories.make_conference(marac, today + timedelta(days=35))
    listing.place_case(factories.accepted_case(marac), actor=None, now=utcnow())
    db.session.commit()
    return near, far


def _accept(client, referral, **data):
    fields = {"decision": "accept", "case_id": "new", "reason": "Meets the threshold.", **data}
    return client.post(f"/referrals/{referral.id}/decision", data=fields)


def _day(day):
    return [str(day.day), str(day.month), str(day.year)]


def test_the_screening_page_says_when_the_case_would_be_heard_and_warns_of_a_long_wait(
    coordinator, marac, conferences
):
    near, far = conferences
    referral = factories.make_referral(marac=marac, status="submitted")

    page = coordinator.get(f"/referrals/{referral.id}")

    assert page.status_code == 200
    assert f"Accepting now lists the case on the conference on {conference_label(far)}" in page.text
    assert "35 days away: longer than this MARAC's 21 days" in page.text
    assert f'<option value="{near.id}">{conference_label(near)}: full (1 cases)' in page.text
    assert "Urgent: agree interim safety actions now" in page.text

    marac.listing_wait_days = 40
    db.session.commit()
    calm = coordinator.get(f"/referrals/{referral.id}")
    assert "35 days away." in calm.text and "longer than" not in calm.text


def test_a_nearer_full_conference_takes_the_case_over_capacity_with_a_reason(
    coordinator, marac, conferences
):
    near, _ = conferences
    referral = factories.make_referral(marac=marac, status="submitted")

    refused = _accept(coordinator, referral, listing=str(near.id))
    assert refused.status_code == 422
    assert "That conference is full (1 cases). Give a reason" in refused.text
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED

    resp = _accept(
        coordinator, referral, listing=str(near.id), over_capacity_reason="Threats to kill"
    )
    assert resp.status_code == 303
    db.session.refresh(referral)
    item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.case_id == referral.case_id))
    assert item.conference_id == near.id and item.over_capacity_reason == "Threats to kill"
    queue = coordinator.get("/screening/")
    assert f"listed over capacity on the conference on {conference_label(near)}" in queue.text


def test_an_urgent_case_gets_interim_actions_owned_due_before_the_meeting_and_tracked(
    coordinator, client_as, marac, conferences, police
):
    _, far = conferences
    meeting_day = local_day(far)
    referral = factories.make_referral(marac=marac, status="submitted")
    interim = {
        "urgent": "y",
        "interim_1_description": "Fit a panic alarm at her home",
        "interim_1_agency_id": str(police.id),
        "interim_1_owner_name": "PC Dana Holt",
    }

    too_late = _accept(coordinator, referral, **interim, interim_1_due_on=_day(meeting_day))
    assert too_late.status_code == 422
    assert "An interim action is due before the meeting" in too_late.text
    nothing = _accept(coordinator, referral, urgent="y")
    assert nothing.status_code == 422 and "needs at least one interim action" in nothing.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Action)) == 0

    due = today_in(marac, utcnow()) + timedelta(days=2)
    resp = _accept(coordinator, referral, **interim, interim_1_due_on=_day(due))
    assert resp.status_code == 303

    db.session.refresh(referral)
    [action] = db.session.scalars(sa.select(Action))
    assert (action.case_id, action.screening_referral_id) == (referral.case_id, referral.id)
    assert action.agenda_item_id is None and action.is_interim
    assert (action.owner_agency_id, action.owner_name) == (police.id, "PC Dana Holt")
    assert action.due_on == due < meeting_day

    case_page = coordinator.get(f"/cases/{referral.case_id}")
    assert "Interim actions agreed at screening" in case_page.text
    assert "Fit a panic alarm at her home" in case_page.text and "PC Dana Holt" in case_page.text

    rep = client_as("agency_rep", marac=marac, agency=police)
    ours = rep.get("/actions/")
    assert "Fit a panic alarm at her home" in ours.text and "at screening" in ours.text
    tracker = coordinator.get("/actions/tracker")
    assert "Fit a panic alarm at her home" in tracker.text
    assert "Interim, agreed at screening" in tracker.text
    csv = coordinator.get("/actions/tracker.csv")
    assert csv.status_code == 200 and f"{action.id},Northvale Police,screening," in csv.text

    # The reminders chase it, and the meeting reviews it if it is still open by then.
    assert action.id in {d.action_id for d in jobs.candidates(utcnow())}
    item = db.session.scalar(sa.select(AgendaItem).where(AgendaItem.case_id == action.case_id))
    assert item.conference_id == far.id
    assert [a.id for a, _ in overdue_review(item, meeting_day)] == [action.id]


def test_the_confirmation_links_to_the_new_case(coordinator, marac, conferences):
    referral = factories.make_referral(marac=marac, status="submitted")

    resp = _accept(coordinator, referral)

    assert resp.status_code == 303
    db.session.refresh(referral)
    queue = coordinator.get(resp.headers["Location"])
    case = referral.case
    assert f'href="/cases/{case.id}">{case.reference}</a>' in queue.text
