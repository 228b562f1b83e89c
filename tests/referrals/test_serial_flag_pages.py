"""The serial perpetrator flag on the case, the agenda, the console and each invited agency's
research page: it says how many other victims and since when, and nothing about them."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from conference.db import utcnow
from conference.extensions import db
from conference.referrals import perpetrators
from conference.referrals.models import Referral
from conference.web.jinja import format_date
from tests import factories
from tests.conftest import HTMX

MARCUS = {"given_name": "Marcus", "family_name": "Testwood", "dob": ("1", "1", "1984")}


@pytest.fixture
def flagged(app):
    """A meeting world whose first case names a man linked to two other victims: one in this
    MARAC, one in another."""
    now = utcnow()
    world = factories.meeting_world(now=now)
    far = factories.make_marac(name="Farshire MARAC", code="FS")
    case = world.cases[0]
    referral = db.session.scalars(sa.select(Referral).where(Referral.case_id == case.id)).one()
    referral.perpetrators[0].dob = date(1984, 1, 1)
    db.session.commit()
    second = factories.make_referral(
        marac=world.marac,
        status="accepted",
        given_name="Philippa",
        family_name="Secondcase",
        dob=("21", "11", "1988"),
        address="44 Quiet Close, Northvale",
        perpetrators=[MARCUS],
        now=now - timedelta(days=200),
    )
    elsewhere = factories.make_referral(
        marac=far,
        status="accepted",
        given_name="Eulalie",
        family_name="Farawayson",
        dob=("3", "7", "1977"),
        address="9 Hidden Lane, Farshire",
        perpetrators=[MARCUS],
        now=now - timedelta(days=500),
    )
    for other in (second, elsewhere):
        perpetrators.confirm_link(
            referral,
            referral.perpetrators[0].id,
            other.perpetrators[0].id,
            actor=world.coordinator,
            now=now,
        )
    db.session.commit()
    return SimpleNamespace(
        world=world,
        case=case,
        second=second,
        elsewhere=elsewhere,
        text=f"Linked to 2 other victims since {elsewhere.referred_on.year}",
    )


def _secrets(referral: Referral) -> list[str]:
    return [
        referral.victim_given_name,
        referral.victim_family_name,
        format_date(referral.victim_dob),
        referral.victim_address,
        referral.case.reference,
        referral.reference,
    ]


def _shows_flag_only(html: str, f, *, sees_second: bool = False) -> None:
    assert f.text in html
    for secret in _secrets(f.elsewhere) + ([] if sees_second else _secrets(f.second)):
        assert secret not in html, secret


def test_the_case_page_shows_the_flag(flagged, as_user):
    f = flagged
    for user, sees_second in ((f.world.coordinator, True), (f.world.advocate, False)):
        response = as_user(user).get(f"/cases/{f.case.id}")
        assert response.status_code == 200
        _shows_flag_only(response.text, f, sees_second=sees_second)


def test_the_agenda_shows_the_flag_to_the_coordinator_and_agencies(flagged, as_user):
    f = flagged
    url = f"/conferences/{f.world.conference.id}"
    for user in (f.world.coordinator, f.world.police_rep, f.world.chair):
        response = as_user(user).get(url)
        assert response.status_code == 200, user
        _shows_flag_only(response.text, f, sees_second=False)


def test_each_invited_agency_s_research_page_shows_the_flag(flagged, as_user):
    f = flagged
    for user in (f.world.police_rep, f.world.health_rep, f.world.housing_rep):
        response = as_user(user).get(f"/research/{f.world.conference.id}")
        assert response.status_code == 200, user
        _shows_flag_only(response.text, f)
        assert response.text.count("Serial perpetrator") == 1  # one flagged case on the page


def test_the_console_shows_the_flag(flagged, as_user):
    f = flagged
    factories.open_meeting(f.world)
    chair = as_user(f.world.chair)
    url = f"/conferences/{f.world.conference.id}/meeting"
    chair.post(f"{url}/next")
    response = chair.get(url)
    assert response.status_code == 200
    _shows_flag_only(response.text, f)
    assert 'id="case-person-flags"' in response.text  # the first case is on screen


def test_the_agenda_and_console_partials_show_the_flag_only(flagged, as_user):
    f = flagged
    url = f"/conferences/{f.world.conference.id}"
    for user in (f.world.coordinator, f.world.police_rep):
        response = as_user(user).get(url, headers=HTMX)
        assert response.status_code == 200
        assert "<html" not in response.text
        _shows_flag_only(response.text, f)
    factories.open_meeting(f.world)
    chair = as_user(f.world.chair)
    response = chair.post(f"{url}/meeting/next", headers=HTMX)
    assert response.status_code == 200 and "<html" not in response.text
    _shows_flag_only(response.text, f)
