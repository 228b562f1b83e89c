"""escalation-ladder: after the seven-day escalation, the owner agency's point of contact at
14 days overdue, the register at 28; each rung once per action and due date, none for a closed
case or a closed action, and the emails hold counts and a link only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from conference.actions import services as action_services
from conference.actions.choices import ActionStatus
from conference.actions.jobs import send_action_reminders
from conference.audit.models import AuditEvent
from conference.conferences import queries as conference_queries
from conference.escalation.choices import EntryStatus, Step
from conference.escalation.jobs import NOTHING, run_ladder
from conference.escalation.models import EntryAction, EntryChange, EscalationEntry, EscalationStep
from conference.extensions import db
from conference.notifications.emails import compose_pending
from conference.notifications.models import Notification, OutboundEmail
from conference.referrals.choices import CaseStatus
from tests import factories

DUE = date(2027, 3, 10)
CONTACT = "marac.lead@police.testshire.example"
QUIET = {"due_soon": 0, "overdue": 0, "escalated": 0}


def build_world():
    world = factories.meeting_world(cases=2)
    factories.past_action(world, world.cases[0], due_on=DUE, status=ActionStatus.DONE)
    world.past_conference.chair_id = world.chair.id
    world.police.contact_name = "Inspector Contact"
    world.police.contact_email = CONTACT
    db.session.commit()
    return world


@pytest.fixture
def world(cached_world):
    return cached_world(f"{__name__}.world", build_world)


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=UTC)


def run(now: datetime) -> dict[str, int]:
    counts = {**send_action_reminders(now), **run_ladder(now)}
    db.session.commit()
    return counts


def run_days(first: date, last: date) -> dict[int, dict[str, int]]:
    """Run both jobs twice each day; the second run must do nothing. The busy days, as days
    after DUE."""
    busy = {}
    day = first
    while day <= last:
        counts = run(at(day, 7))
        assert run(at(day, 18)) == {**QUIET, **NOTHING}, day
        if counts != {**QUIET, **NOTHING}:
            busy[(day - DUE).days] = {k: v for k, v in counts.items() if v}
        day += timedelta(days=1)
    return busy


def contact_emails() -> list[OutboundEmail]:
    return list(
        db.session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == CONTACT))
    )


def steps() -> list[EscalationStep]:
    return list(db.session.scalars(sa.select(EscalationStep).order_by(EscalationStep.id)))


def test_seven_fourteen_and_twenty_eight_days_each_once(world):
    action = factories.past_action(world, world.cases[0], due_on=DUE, description="Fit an alarm")

    busy = run_days(DUE + timedelta(days=1), DUE + timedelta(days=35))

    assert busy == {
        1: {"overdue": 1},
        7: {"escalated": 1},
        14: {"contacts_told": 1},
        28: {"registered": 1},
    }
    told, registered = steps()
    assert (told.action_id, told.due_on, told.step) == (action.id, DUE, Step.CONTACT_TOLD)
    assert told.taken_at == at(DUE + timedelta(days=14), 7)
    assert told.notified_user_id is None and told.email_id is not None
    [entry] = db.session.scalars(sa.select(EscalationEntry))
    assert registered.entry_id == entry.id
    assert (entry.marac_id, entry.agency_id, entry.status) == (
        world.marac.id,
        world.police.id,
        EntryStatus.OPEN,
    )
    assert entry.opened_on == DUE + timedelta(days=28)
    [item] = entry.actions
    assert (item.action_id, item.case_reference, item.due_on, item.days_late) == (
        action.id,
        world.cases[0].reference,
        DUE,
        28,
    )
    changes = db.session.scalars(sa.select(EntryChange).order_by(EntryChange.id)).all()
    assert [(c.from_status, c.to_status, c.action_id, c.by_id) for c in changes] == [
        (None, EntryStatus.OPEN, None, None),
        (None, EntryStatus.OPEN, action.id, None),
    ]
    verbs = db.session.scalars(
        sa.select(AuditEvent.verb).where(
            AuditEvent.verb.like("%escalation%")
            | AuditEvent.verb.in_(["action.contact_told", "action.registered"])
        )
    ).all()
    assert sorted(verbs) == ["action.contact_told", "action.registered", "escalation.opened"]


def test_the_contact_s_email_holds_a_count_and_a_link_only(world):
    factories.past_action(world, world.cases[0], due_on=DUE, description="Fit an alarm")
    factories.past_action(world, world.cases[1], due_on=DUE, description="Visit her mother")
    run(at(DUE + timedelta(days=14)))

    [email] = contact_emails()
    assert email.recipient_id is None
    assert "2 actions your agency owns are long overdue" in email.body
    assert "http://" in email.body and "/actions/" in email.body
    names = {
        "Fit an alarm",
        "Visit her mother",
        world.cases[0].reference,
        world.cases[1].reference,
        "Inspector Contact",
        world.police.name,
        world.marac.name,
        "Nell",
        "Orla",
    }
    text = email.subject + email.body
    assert not [name for name in names if name in text]
    # Nothing for the contact in the app: they have no account.
    assert not db.session.scalar(
        sa.select(sa.func.count()).where(Notification.kind == "action.contact_told")
    )


def test_a_contact_with_an_account_is_told_in_the_app_and_emailed_with_their_news(world):
    contact = factories.make_user(agency=world.police, email=CONTACT)
    action = factories.past_action(world, world.cases[0], due_on=DUE)
    run(at(DUE + timedelta(days=14)))

    assert contact_emails() == []  # no second email beside the usual one
    [notice] = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "action.contact_told")
    )
    assert (notice.recipient_id, notice.reference) == (contact.id, world.cases[0].reference)
    [told] = steps()
    assert (told.notified_user_id, told.email_id, told.action_id) == (contact.id, None, action.id)
    compose_pending(at(DUE + timedelta(days=14), 10))
    db.session.commit()
    [email] = contact_emails()
    assert email.recipient_id == contact.id
    assert "1 action your agency owns is long overdue" in email.body
    assert world.cases[0].reference not in email.body


def test_an_action_first_seen_long_overdue_climbs_every_rung_at_once(world):
    factories.past_action(world, world.cases[0], due_on=DUE - timedelta(days=45))
    counts = run(at(DUE))
    assert counts["contacts_told"] == 1 and counts["registered"] == 1
    assert run(at(DUE + timedelta(days=1)))["registered"] == 0


def test_an_agency_s_late_actions_share_its_live_entry(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    factories.past_action(world, world.cases[1], due_on=DUE + timedelta(days=3))
    run_days(DUE + timedelta(days=28), DUE + timedelta(days=31))
    [entry] = db.session.scalars(sa.select(EscalationEntry))
    assert len(entry.actions) == 2
    # Once it is settled, the next late action opens a new one.
    entry.status = EntryStatus.RESOLVED
    db.session.commit()
    factories.past_action(world, world.cases[1], due_on=DUE + timedelta(days=10))
    run(at(DUE + timedelta(days=38)))
    assert db.session.scalar(sa.select(sa.func.count(EscalationEntry.id))) == 2


def test_nothing_without_a_contact_address_until_one_is_set(world):
    world.police.contact_email = ""
    db.session.commit()
    factories.past_action(world, world.cases[0], due_on=DUE)
    assert run(at(DUE + timedelta(days=14)))["contacts_told"] == 0
    assert steps() == []
    world.police.contact_email = CONTACT
    db.session.commit()
    assert run(at(DUE + timedelta(days=15)))["contacts_told"] == 1


def test_a_new_due_date_rearms_the_ladder(world):
    action = factories.past_action(world, world.cases[0], due_on=DUE)
    run_days(DUE + timedelta(days=13), DUE + timedelta(days=30))
    later = DUE + timedelta(days=30)
    [item] = [
        i
        for i in conference_queries.agenda_items(world.conference.id)
        if i.case_id == action.case_id
    ]
    new_due = later + timedelta(days=7)
    action_services.review_at_meeting(
        action,
        item,
        version=action.version,
        status=ActionStatus.OPEN,
        due_on=new_due,
        note="Police to try again",
        actor=world.chair,
        now=at(later),
    )
    db.session.commit()

    busy = run_days(later + timedelta(days=1), new_due + timedelta(days=30))

    assert {day - (new_due - DUE).days: counts for day, counts in busy.items()} == {
        -3: {"due_soon": 1},
        1: {"overdue": 1},
        7: {"escalated": 1},
        14: {"contacts_told": 1},
        28: {"registered": 1},
    }
    assert [(s.step, s.due_on) for s in steps()] == [
        (Step.CONTACT_TOLD, DUE),
        (Step.REGISTERED, DUE),
        (Step.CONTACT_TOLD, new_due),
        (Step.REGISTERED, new_due),
    ]
    [entry] = db.session.scalars(sa.select(EscalationEntry))  # still live: it joins it again
    assert [(a.action_id, a.due_on) for a in entry.actions] == [
        (action.id, DUE),
        (action.id, new_due),
    ]


def test_the_marac_s_settings_move_the_rungs(world):
    world.marac.contact_after_days, world.marac.register_after_days = 10, 20
    db.session.commit()
    factories.past_action(world, world.cases[0], due_on=DUE)
    busy = run_days(DUE + timedelta(days=8), DUE + timedelta(days=25))
    assert busy == {
        8: {"overdue": 1, "escalated": 1},  # first seen eight days late
        10: {"contacts_told": 1},
        20: {"registered": 1},
    }


def test_nothing_for_a_closed_case(world):
    factories.past_action(world, world.cases[0], due_on=DUE)
    world.cases[0].status = CaseStatus.CLOSED
    db.session.commit()
    assert run_days(DUE + timedelta(days=13), DUE + timedelta(days=30)) == {}
    assert steps() == [] and contact_emails() == []
    assert db.session.scalar(sa.select(sa.func.count(EntryAction.id))) == 0


@pytest.mark.parametrize(
    "status",
    [ActionStatus.DONE, ActionStatus.NOT_DONE_CIRCUMSTANCES, ActionStatus.NOT_DONE_AGENCY],
)
def test_nothing_for_a_closed_action(world, status):
    factories.past_action(world, world.cases[0], due_on=DUE, status=status)
    assert run_days(DUE + timedelta(days=13), DUE + timedelta(days=30)) == {}
    assert steps() == [] and contact_emails() == []
