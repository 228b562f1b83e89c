"""The ready-to-close list: cases whose plan is complete, closed one or many at a time."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.closure.services import PLAN_DONE_REASON
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.referrals.models import CaseClosure
from tests import factories
from tests.closure.conftest import heard_case


def _complete(world, days_ago: int, name: str):
    case = heard_case(world, days_ago, given_name=name)
    case.status = CaseStatus.PLAN_COMPLETE
    db.session.commit()
    return case


def test_the_list_shows_complete_plans_longest_since_heard_first(world, as_user):
    recent, old = _complete(world, 20, "Wren"), _complete(world, 90, "Ivy")
    page = as_user(world.coordinator).get("/cases/ready-to-close").text
    assert page.index(old.reference) < page.index(recent.reference)
    assert "Wren" in page and "Ivy" in page
    # Cases with actions open, or waiting for a conference, are not ready.
    for case in world.cases:
        assert case.reference not in page
    other = factories.make_marac(code="ZZ")
    elsewhere = factories.accepted_case(other, given_name="Yara")
    elsewhere.status = CaseStatus.PLAN_COMPLETE
    db.session.commit()
    assert "Yara" not in as_user(world.coordinator).get("/cases/ready-to-close").text


def test_the_coordinator_closes_many_with_the_standard_reason(world, as_user):
    cases = [_complete(world, 30 + n, f"Case{n}") for n in range(3)]
    resp = as_user(world.coordinator).post(
        "/cases/ready-to-close",
        data={"case_ids": [str(c.id) for c in cases], "reason_kind": "standard"},
    )
    assert resp.status_code == 303
    db.session.expire_all()
    assert all(c.status is CaseStatus.CLOSED for c in cases)
    closures = db.session.scalars(
        sa.select(CaseClosure).where(CaseClosure.case_id.in_([c.id for c in cases]))
    ).all()
    assert {c.reason for c in closures} == {PLAN_DONE_REASON} and len(closures) == 3
    assert (
        "No case is ready to close" in as_user(world.coordinator).get(resp.headers["Location"]).text
    )


def test_problems_are_shown_by_the_field_and_the_ticks_kept(world, as_user):
    case = _complete(world, 30, "Wren")
    coordinator = as_user(world.coordinator)
    resp = coordinator.post("/cases/ready-to-close", data={"reason_kind": "standard"})
    assert resp.status_code == 422 and "Choose at least one case to close" in resp.text
    resp = coordinator.post(
        "/cases/ready-to-close", data={"case_ids": [str(case.id)], "reason_kind": "typed"}
    )
    assert resp.status_code == 422
    assert "Write your reason, or choose the standard one" in resp.text
    assert f'value="{case.id}" checked' in resp.text
    assert case.status is CaseStatus.PLAN_COMPLETE


def test_a_case_no_longer_ready_stops_the_whole_batch(world, as_user):
    ready, reopened = _complete(world, 30, "Wren"), _complete(world, 40, "Ivy")
    reopened.status = CaseStatus.ACTIONS_OPEN  # an action reopened since the list was read
    db.session.commit()
    resp = as_user(world.coordinator).post(
        "/cases/ready-to-close",
        data={"case_ids": [str(ready.id), str(reopened.id)], "reason_kind": "standard"},
    )
    assert resp.status_code == 422
    assert f"{reopened.reference}: no longer ready to close" in resp.text
    db.session.expire_all()
    assert ready.status is CaseStatus.PLAN_COMPLETE


@pytest.mark.parametrize("who", ["chair", "advocate", "police_rep"])
def test_only_coordinators_see_or_close(world, as_user, who):
    case = _complete(world, 30, "Wren")
    client = as_user(getattr(world, who))
    assert client.get("/cases/ready-to-close").status_code == 403
    resp = client.post(
        "/cases/ready-to-close", data={"case_ids": [str(case.id)], "reason_kind": "standard"}
    )
    assert resp.status_code == 403
    assert case.status is CaseStatus.PLAN_COMPLETE


def test_the_list_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    _complete(world, 30, "Wren")
    coordinator = as_user(world.coordinator)
    coordinator.get("/cases/ready-to-close")
    with count_queries() as few:
        coordinator.get("/cases/ready-to-close")
    for n in range(4):
        _complete(world, 40 + n, f"More{n}")
    with count_queries() as many:
        assert "More3" in coordinator.get("/cases/ready-to-close").text
    assert len(many) == len(few)
