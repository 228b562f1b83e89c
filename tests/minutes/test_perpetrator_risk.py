"""The minutes show the meeting's view of each perpetrator's risk, and an agency's copy only
on the cases that copy holds."""

from __future__ import annotations

from conference.conferences.queries import item_perpetrators as perpetrators_of
from conference.db import utcnow
from conference.extensions import db
from conference.meetings.models import PerpetratorRisk
from tests.minutes.conftest import finalise, url
from tests.minutes.test_copies import add_health_action


def _record_risks(world) -> None:
    """Each heard case's perpetrator gets his own name and a view of his risk."""
    first, second, _ = world.items
    for item, (given, family), words in (
        (first, ("Rowan", "Ashdown"), "Has a new partner expecting a baby"),
        (second, ("Silas", "Brackley"), "Threats to the staff of the hostel"),
    ):
        [perpetrator] = perpetrators_of(item)
        perpetrator.given_name, perpetrator.family_name = given, family
        field = "risk_to_new_partner" if item is first else "risk_to_staff"
        db.session.add(
            PerpetratorRisk(
                agenda_item_id=item.id,
                perpetrator_id=perpetrator.id,
                updated_by_id=world.chair.id,
                updated_at=utcnow(),
                **{field: words},
            )
        )
    db.session.commit()


def test_the_minutes_show_each_perpetrators_risk(world, as_user):
    _record_risks(world)
    chair = as_user(world.chair)
    for page in (chair.get(url(world)).text, chair.get(url(world, "/print")).text):
        assert "Risk Rowan Ashdown poses to others" in page
        assert "Risk to a new partner" in page
        assert "Has a new partner expecting a baby" in page
        assert "Risk Silas Brackley poses to others" in page
        assert "Threats to the staff of the hostel" in page


def test_an_agency_copy_shows_his_risk_only_on_the_cases_it_holds(world, as_user):
    _record_risks(world)
    add_health_action(world)  # health owns an action on the second case only
    finalise(world)
    health = as_user(world.health_rep).get(url(world, f"/print/agencies/{world.health.id}"))
    page = health.text
    assert health.status_code == 200
    assert "Threats to the staff of the hostel" in page
    assert "Ashdown" not in page and "Has a new partner expecting a baby" not in page
