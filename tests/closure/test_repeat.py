"""A repeat referral for a closed case: the coordinator sees the flag when screening, and
accepting it reopens the case with its previous plan in front."""

from __future__ import annotations

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.closure import services
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.closure.conftest import heard_case

ACTION = "Flag the address for an urgent response"


def _closed(world, case):
    services.close_case(case, actor=world.coordinator, reason="She moved away.", now=utcnow())
    db.session.commit()
    return case


def test_screening_shows_a_closed_case_still_flagged_and_links_its_plan(world, as_user):
    case = _closed(world, world.cases[0])
    repeat = factories.make_referral(marac=world.marac, status="submitted", given_name="Nell")
    assert repeat.is_repeat
    page = as_user(world.coordinator).get(f"/referrals/{repeat.id}").text
    assert case.reference in page
    assert "The case is closed and flagged as a repeat until" in page
    assert "accepting this referral into it reopens it" in page
    assert f'href="/cases/{case.id}#previous-plan"' in page
    assert f"{case.reference} (possible earlier case, closed: accepting reopens it)" in page
    assert f'<option selected value="{case.id}">' in page or (
        f'<option value="{case.id}" selected>' in page
    )


def test_a_closed_case_past_its_flag_says_so(world, as_user):
    case = _closed(world, heard_case(world, 400, given_name="Wren"))
    later = factories.make_referral(marac=world.marac, status="submitted", given_name="Wren")
    page = as_user(world.coordinator).get(f"/referrals/{later.id}").text
    assert case.reference in page
    assert "The case is closed and its repeat flag ended on" in page
    assert "flagged as a repeat until" not in page
    # Past the flag a new case is the default; joining the old one stays a choice.
    choices = page.split('name="case_id"', 1)[1].split("</select>", 1)[0]
    first_option = choices.split("<option", 2)[1]
    assert 'value="new"' in first_option and "selected" not in choices
    assert f"{case.reference} (possible earlier case, closed, its repeat flag ended" in page


def test_accepting_the_repeat_reopens_the_case_and_puts_the_previous_plan_first(world, as_user):
    case = _closed(world, world.cases[0])
    repeat = factories.make_referral(marac=world.marac, status="submitted", given_name="Nell")
    coordinator = as_user(world.coordinator)
    resp = coordinator.post(
        f"/referrals/{repeat.id}/decision",
        data={"decision": "accept", "case_id": str(case.id), "reason": "Repeat incident."},
    )
    assert resp.status_code == 303
    db.session.refresh(case)
    assert case.status is CaseStatus.LISTED  # reopened, then listed on the next conference
    assert case.closed_at is None and case.reopened_at is not None
    assert case.close_reason == "She moved away."  # kept for the review
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "case.reopened"))
    assert event.object_id == case.id and event.detail == {"referral_id": repeat.id}

    page = coordinator.get(f"/cases/{case.id}").text
    assert "A repeat referral reopened this case" in page
    assert 'href="#previous-plan"' in page
    assert "The previous plan" in page and "Conferences and action plans" not in page
    # The plan comes before the referrals, each action with how it ended.
    assert page.index("The previous plan") < page.index(f'id="referral-{repeat.id}"')
    assert f"{ACTION} – " in page and "<strong>Open</strong>" in page
    assert "It had been closed by Cora Ordinator" in page and "She moved away." in page


def test_the_advocate_sees_the_previous_plan_after_a_reopen_too(world, as_user):
    case = _closed(world, world.cases[0])
    repeat = factories.make_referral(marac=world.marac, status="submitted", given_name="Nell")
    from conference.referrals import services as referral_services
    from conference.referrals.choices import Decision

    referral_services.decide(
        repeat, Decision.ACCEPT, actor=world.coordinator, reason="Repeat", now=utcnow(), case=case
    )
    db.session.commit()
    page = as_user(world.advocate).get(f"/cases/{case.id}").text
    assert "A repeat referral reopened this case" in page and ACTION in page
