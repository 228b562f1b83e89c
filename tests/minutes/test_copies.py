"""The printable minutes, and each agency's copy holding only what that agency may see."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from conference.actions.choices import Priority
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.minutes import services
from conference.minutes.queries import minutes_of
from tests.minutes.conftest import finalise, url


def add_health_action(world) -> None:
    """A health action on the second case: the police copy must not show it."""
    services.add_action(
        world.items[1],
        minutes_of(world.conference.id),
        fields={
            "description": "Book a midwife visit at the clinic",
            "owner": world.health,
            "owner_name": "",
            "due_on": utcnow().date() + timedelta(days=10),
            "priority": Priority.MEDIUM,
        },
        reason="",
        actor=world.chair,
        now=utcnow(),
    )
    db.session.commit()


def test_the_whole_minutes_print_with_everything_recorded(world, as_user):
    add_health_action(world)
    page = as_user(world.chair).get(url(world, "/print")).get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE: do not copy or forward" in page
    assert "use your browser's Print command" in page
    assert "Agencies shared what they hold on case 1." in page
    assert "Book a midwife visit" in page and "Flag the address" in page
    assert "<form" not in page.split('class="app-minutes')[1].split("</main>")[0]


def test_an_agency_copy_holds_only_its_own_actions_and_cases(world, as_user):
    add_health_action(world)
    finalise(world)
    first, second, deferred = world.items
    police = as_user(world.police_rep).get(url(world, f"/print/agencies/{world.police.id}"))
    page = police.get_data(as_text=True)
    assert police.status_code == 200
    assert "OFFICIAL-SENSITIVE: do not copy or forward" in page
    assert first.case.reference in page and second.case.reference in page
    assert deferred.case.reference not in page  # no police action on it
    assert "Flag the address for an urgent response" in page
    assert "Threats to kill made last week." in page and "target-hardening" in page
    assert "Book a midwife visit" not in page
    assert "Agencies shared what they hold" not in page
    assert "Information shared" not in page
    # Never her address or phone, or anything else from the referral.
    assert "1 Example Row" not in page and "07700 900123" not in page
    assert "escalating abuse" not in page

    health = as_user(world.health_rep).get(url(world, f"/print/agencies/{world.health.id}"))
    page = health.get_data(as_text=True)
    assert second.case.reference in page and first.case.reference not in page
    assert "Book a midwife visit" in page and "Flag the address" not in page


def test_printing_an_agency_copy_is_audited_with_only_its_cases(world, as_user):
    add_health_action(world)
    as_user(world.coordinator).get(url(world, f"/print/agencies/{world.health.id}"))
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.agency_copy_printed")
    ).one()
    assert event.detail["case_ids"] == [world.items[1].case_id]
    as_user(world.chair).get(url(world, "/print"))
    printed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "minutes.printed")
    ).one()
    assert len(printed.detail["case_ids"]) == 3
