"""action-reminders: due soon and overdue to the owner agency, escalation to the coordinators
and the chair, each once per action and due date however often the job runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role, User
from conference.actions import services
from conference.actions.choices import ActionStatus
from conference.actions.jobs import KINDS, send_action_reminders
from conference.conferences import queries as conference_queries
from conference.extensions import db
from conference.minutes.models import Minutes
from conference.notifications.links import url_of
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.conftest import sign_in

#: A Wednesday in March, before the clocks change: London's day is the UTC day.
DUE = date(2027, 3, 10)
NOTHING = {"due_soon": 0, "overdue": 0, "escalated": 0}


@pytest.fixture
def world(app):
    world = factories.meeting_world(cases=2)
    # The conference that agreed the actions (made by past_action) was chaired.
    factories.past_action(world, world.cases[0], due_on=DUE, status=ActionStatus.DONE)
    world.past_conference.chair_id = world.chair.id
    db.session.commit()
    return world


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def run(now: datetime) -> dict[str, int]:
    counts = send_action_reminders(now)
    db.session.commit()
    return counts


def sent(kind: str | None = None) -> list[Notification]:
    """The action notices queued (the world's making queued others)."""
    query = sa.select(Notification).where(Notification.kind.in_(KINDS)).order_by(Notification.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def run_days(first: date, last: date) -> dict[date, dict[str, int]]:
    """Run the job twice on each day from first to last; the second run must send nothing."""
    days: dict[date, dict[str, int]] = {}
    day = first
    while day <= last:
        days[day] = run(at(day, 7))
        assert run(at(day, 18)) == NOTHING, day
        day += timedelta(days=1)
    return {day: counts for day, counts in days.items() if counts != NOTHING}


def test_each_notice_goes_once_on_its_day_to_the_right_people(app, world):
    action = factories.past_action(world, world.cases[0], due_on=DUE, description="Fit an alarm")
    gone = factories.make_user(
        Role.AGENCY_REP, marac=world.marac, agency=world.police, is_active_account=False
    )

    busy = run_days(DUE - timedelta(days=5), DUE + timedelta(days=9))

    assert busy == {
        DUE - timedelta(days=3): {**NOTHING, "due_soon": 1},
        DUE + timedelta(days=1): {**NOTHING, "overdue": 1},
        DUE + timedelta(days=7): {**NOTHING, "escalated": 1},
    }
    reference = world.cases[0].reference
    [soon] = sent("action.due_soon")
    [nudge] = sent("action.overdue")
    for notice in (soon, nudge):
        assert notice.recipient_id == world.police_rep.id  # not health's, not the lapsed rep's
        assert (notice.endpoint, notice.endpoint_args) == ("actions.index", {})
        assert notice.reference == reference
    assert soon.created_at == at(DUE - timedelta(days=3), 7)
    assert nudge.created_at == at(DUE + timedelta(days=1), 7)
    escalated = sent("action.escalated")
    assert {n.recipient_id for n in escalated} == {world.coordinator.id, world.chair.id}
    # Each to a page they can open: the coordinator the case, the chair the minutes.
    with app.test_request_context():
        links = {n.recipient_id: url_of(n) for n in escalated}
    assert links == {
        world.coordinator.id: f"/cases/{action.case_id}",
        world.chair.id: f"/conferences/{world.past_conference.id}/minutes",
    }
    assert gone.id not in {n.recipient_id for n in sent()}
    assert "Fit an alarm" not in {n.reference for n in sent()}


def test_a_missed_day_is_made_up_on_the_next_run_but_only_what_applies(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    factories.past_action(world, world.cases[1], due_on=DUE - timedelta(days=40))
    # The job did not run for the first overdue day: the nudge goes out on the next.
    assert run(at(DUE + timedelta(days=2))) == {"due_soon": 0, "overdue": 2, "escalated": 1}
    # Forty days overdue when first seen: nudged and escalated, never "due soon".
    assert sent("action.due_soon") == []
    assert run(at(DUE + timedelta(days=3))) == NOTHING


@pytest.mark.parametrize(
    "status",
    [ActionStatus.DONE, ActionStatus.NOT_DONE_CIRCUMSTANCES, ActionStatus.NOT_DONE_AGENCY],
)
def test_closed_actions_are_left_alone(world, status):
    factories.past_action(world, world.cases[0], due_on=DUE, status=status)
    assert run_days(DUE - timedelta(days=4), DUE + timedelta(days=8)) == {}
    assert sent() == []


def test_actions_in_progress_are_still_chased(world):
    factories.past_action(world, world.cases[0], due_on=DUE, status=ActionStatus.IN_PROGRESS)
    assert run(at(DUE + timedelta(days=8))) == {"due_soon": 0, "overdue": 1, "escalated": 1}


def test_open_actions_of_a_closed_case_are_not_chased(world):
    # A case closed early, with a reason, keeps its open actions on record but chases nobody.
    factories.past_action(world, world.cases[0], due_on=DUE)
    world.cases[0].status = CaseStatus.CLOSED
    db.session.commit()
    assert run_days(DUE - timedelta(days=4), DUE + timedelta(days=8)) == {}


def test_an_agency_owning_none_of_them_hears_nothing(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    run_days(DUE - timedelta(days=3), DUE + timedelta(days=7))
    others = {world.health_rep.id, world.housing_rep.id, world.childrens_rep.id}
    assert others.isdisjoint(n.recipient_id for n in sent())
    # The advocate holds an agency role too, but for the IDVA service.
    assert world.advocate.id not in {n.recipient_id for n in sent()}


def test_a_new_due_date_rearms_the_reminders(world):
    action = factories.past_action(world, world.cases[0], due_on=DUE)
    run_days(DUE - timedelta(days=3), DUE + timedelta(days=8))
    assert len(sent("action.overdue")) == 1
    # A later meeting reviews it and keeps it open with a new date.
    later = DUE + timedelta(days=8)
    [item] = [
        i
        for i in conference_queries.agenda_items(world.conference.id)
        if i.case_id == action.case_id
    ]
    services.review_at_meeting(
        action,
        item,
        version=action.version,
        status=ActionStatus.OPEN,
        due_on=later + timedelta(days=14),
        note="Police to try again",
        actor=world.chair,
        now=at(later),
    )
    db.session.commit()

    busy = run_days(later, later + timedelta(days=22))

    new_due = later + timedelta(days=14)
    assert busy == {
        new_due - timedelta(days=3): {**NOTHING, "due_soon": 1},
        new_due + timedelta(days=1): {**NOTHING, "overdue": 1},
        new_due + timedelta(days=7): {**NOTHING, "escalated": 1},
    }
    assert [n.key.split(":")[2] for n in sent("action.due_soon")] == [
        DUE.isoformat(),
        new_due.isoformat(),
    ]


def test_the_day_is_the_marac_s(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    assert run(at(DUE))["due_soon"] == 1  # due today
    evening = datetime.combine(DUE, time(20, 0), tzinfo=UTC)  # Wednesday evening in London
    assert run(evening) == NOTHING
    world.marac.timezone = "Pacific/Auckland"  # already Thursday there: overdue
    db.session.commit()
    assert run(evening)["overdue"] == 1


def test_escalation_without_a_chair_goes_to_the_coordinators(world):
    world.past_conference.chair_id = None
    db.session.commit()
    factories.past_action(world, world.cases[0], due_on=DUE)
    run(at(DUE + timedelta(days=7)))
    assert {n.recipient_id for n in sent("action.escalated")} == {world.coordinator.id}


def test_the_queries_do_not_grow_with_the_actions(world, count_queries):
    def measure() -> tuple[int, int, int]:
        """Statements on a day everything is sent (apart from notify's own per-notice
        look-ups and inserts), then on a second run that day, then the notices queued."""
        db.session.execute(sa.delete(Notification))
        db.session.commit()
        with count_queries() as sending:
            send_action_reminders(at(DUE + timedelta(days=8)))
        db.session.commit()
        with count_queries() as again:
            assert send_action_reminders(at(DUE + timedelta(days=8))) == NOTHING
        others = [s for s in sending if "notifications" not in s]
        return len(others), len(again), len(sent())

    for n in range(2):
        factories.past_action(world, world.cases[n % 2], due_on=DUE, description=f"Task {n}")
    few = measure()
    for n in range(2, 12):
        factories.past_action(world, world.cases[n % 2], due_on=DUE, description=f"Task {n}")
    many = measure()
    assert many[:2] == few[:2]
    assert (few[2], many[2]) == (2 * 3, 12 * 3)  # the rep's nudge, coordinator's and chair's


def test_escalation_links_open_for_whoever_receives_them(app, world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    # The meeting that agreed it left its minutes, as every concluded meeting does.
    db.session.add(Minutes(conference_id=world.past_conference.id, finalised_at=at(DUE)))
    db.session.commit()
    run(at(DUE + timedelta(days=7)))
    for notice in sent("action.escalated"):
        user = db.session.get(User, notice.recipient_id)
        with app.test_request_context():
            link = url_of(notice)
        response = sign_in(app.test_client(), user).get(link)
        assert response.status_code in (200, 303), (user.name, link)


def test_a_chair_who_no_longer_chairs_there_is_not_told(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    for grant in list(world.chair.role_grants):
        db.session.delete(grant)
    db.session.commit()
    run(at(DUE + timedelta(days=7)))
    assert {n.recipient_id for n in sent("action.escalated")} == {world.coordinator.id}
