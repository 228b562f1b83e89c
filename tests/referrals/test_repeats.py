"""The repeat rule as published: a new incident between the same victim and the same perpetrator
within the repeat window of her last MARAC referral, in any MARAC of the install, worked out
from the linked records and revised when screening decides a perpetrator link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals import perpetrators, repeats
from conference.referrals.models import Referral
from conference.web.jinja import format_date
from tests import factories

#: Noon, so that every day counted back is the same day in the MARAC's time zone.
NOW = datetime.combine(utcnow().date(), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)

CRAIG = {"given_name": "Craig", "family_name": "Testerson", "dob": ("1", "1", "1984")}
DEAN = {"given_name": "Dean", "family_name": "Otherley", "dob": ("5", "6", "1979")}


@pytest.fixture
def marac(app):
    return factories.make_marac(name="Northvale MARAC", code="NV")


@pytest.fixture
def other_marac(app):
    return factories.make_marac(name="Eastvale MARAC", code="EV")


def _referral(marac, perp, *, days_ago=0, status="accepted", **options) -> Referral:
    return factories.make_referral(
        marac=marac,
        status=status,
        perpetrators=[perp],
        now=NOW - timedelta(days=days_ago),
        **options,
    )


def _repeat_panel(page: str, referral: Referral) -> str:
    start = page.index(f'id="referral-{referral.id}-repeat"')
    return page[start : page.index("</aside>", start)]


@pytest.mark.parametrize(("days", "repeat"), [(364, True), (365, True), (366, False)])
def test_the_window_s_edges_with_the_same_perpetrator(marac, days, repeat):
    earlier = _referral(marac, CRAIG, days_ago=days)
    later = _referral(marac, CRAIG, status="submitted")
    assert later.is_repeat is repeat
    assert ("repeat" in later.criteria_met) is repeat
    found = repeats.repeat_of(later)
    if repeat:
        assert found is not None and found.referral_id == earlier.id
        assert found.perpetrator_name == "Craig Testerson" and not found.confirmed
    else:
        assert found is None


def test_the_window_is_the_marac_s_setting(marac):
    marac.repeat_window_days = 30
    db.session.commit()
    _referral(marac, CRAIG, days_ago=31)
    assert not _referral(marac, CRAIG, status="submitted").is_repeat


def test_the_same_victim_with_a_new_perpetrator_is_not_a_repeat(marac, client_as):
    _referral(marac, CRAIG, days_ago=40)
    later = _referral(marac, DEAN, status="submitted")
    assert later.has_possible_match and not later.is_repeat
    assert "repeat" not in later.criteria_met
    page = client_as("coordinator", marac=marac).get(f"/referrals/{later.id}").text
    assert "Not a repeat" in _repeat_panel(page, later)


def test_only_a_repeat_can_be_sent_on_the_repeat_criterion_alone(marac):
    from conference.errors import ValidationFailed

    _referral(marac, CRAIG, days_ago=40)
    assert _referral(marac, CRAIG, status="submitted", yes=3).criteria_met == ["repeat"]
    with pytest.raises(ValidationFailed, match="same perpetrator"):
        _referral(marac, DEAN, status="submitted", yes=3)


def test_the_window_counts_from_her_last_marac_referral(marac):
    """He was named in her referral of 500 days ago; her last one, 100 days ago, named another
    man: a new incident with him is within 12 months of her last MARAC referral."""
    first = _referral(marac, CRAIG, days_ago=500)
    _referral(marac, DEAN, days_ago=100)
    found = repeats.repeat_of(_referral(marac, CRAIG, status="submitted"))
    assert found is not None and found.referral_id == first.id
    assert found.last_referral_on == (NOW - timedelta(days=100)).date()


def test_a_repeat_is_found_in_another_marac(marac, other_marac, client_as):
    elsewhere = _referral(other_marac, CRAIG, days_ago=90)
    later = _referral(marac, CRAIG, status="submitted")
    assert later.is_repeat
    page = client_as("coordinator", marac=marac).get(f"/referrals/{later.id}").text
    panel = _repeat_panel(page, later)
    assert "Eastvale MARAC" in panel and format_date(elsewhere.referred_on) in panel
    assert "Craig Testerson" in panel
    # Another MARAC's referral: only its MARAC's name and the date.
    assert elsewhere.reference not in panel and elsewhere.case.reference not in panel
    assert f"/referrals/{elsewhere.id}" not in panel and f"/cases/{elsewhere.case_id}" not in panel


def test_the_screening_page_names_the_earlier_case_and_the_perpetrator(marac, client_as):
    earlier = _referral(marac, CRAIG, days_ago=60)
    later = _referral(marac, CRAIG, status="submitted")
    page = client_as("coordinator", marac=marac).get(f"/referrals/{later.id}").text
    panel = _repeat_panel(page, later)
    assert earlier.case.reference in panel and format_date(earlier.referred_on) in panel
    assert "Craig Testerson" in panel and "suggested, not confirmed" in panel


@pytest.mark.parametrize("role", ["advocate", "agency_rep"])
def test_the_repeat_panel_is_for_the_coordinator_only(marac, client_as, role):
    _referral(marac, CRAIG, days_ago=60)
    client = client_as(role, marac=marac)
    later = factories.make_referral(client.user, status="submitted", perpetrators=[CRAIG], now=NOW)
    page = client.get(f"/referrals/{later.id}").text
    assert f'id="referral-{later.id}-repeat"' not in page


def _decide(client, referral, other, answer):
    return client.post(
        f"/referrals/{referral.id}/perpetrator-links",
        data={
            "perpetrator_id": referral.perpetrators[0].id,
            "other_id": other.perpetrators[0].id,
            "answer": answer,
        },
    )


def _revisions(referral):
    return db.session.scalars(
        sa.select(AuditEvent).where(
            AuditEvent.verb == "referral.repeat_revised", AuditEvent.object_id == referral.id
        )
    ).all()


def test_rejecting_the_link_revises_the_repeat(marac, client_as):
    earlier = _referral(marac, CRAIG, days_ago=60)
    later = _referral(marac, CRAIG, status="submitted")
    assert later.is_repeat
    client = client_as("coordinator", marac=marac)
    assert _decide(client, later, earlier, "reject").status_code == 303
    db.session.refresh(later)
    assert not later.is_repeat
    [event] = _revisions(later)
    assert event.detail == {"repeat": False}
    page = client.get(f"/referrals/{later.id}").text
    assert "Not a repeat" in _repeat_panel(page, later)
    assert "The referral is not a repeat." in page


def test_confirming_the_link_keeps_the_repeat_and_says_it_is_confirmed(marac, client_as):
    earlier = _referral(marac, CRAIG, days_ago=60)
    later = _referral(marac, CRAIG, status="submitted")
    client = client_as("coordinator", marac=marac)
    _decide(client, later, earlier, "confirm")
    db.session.refresh(later)
    assert later.is_repeat and _revisions(later) == []
    found = repeats.repeat_of(later)
    assert found is not None and found.confirmed
    panel = _repeat_panel(client.get(f"/referrals/{later.id}").text, later)
    assert "suggested, not confirmed" not in panel and earlier.case.reference in panel


def test_confirming_a_link_to_the_same_man_under_another_name_makes_a_repeat(marac, client_as):
    """Her earlier referral names him as Bobby Knox; another woman's names him as Robert Nobody
    (alias Bobby Knox), and the two were linked. Her new referral names Robert Nobody: only once
    the coordinator links him to the other woman's is he the man of her earlier referral."""
    knox = {"given_name": "Bobby", "family_name": "Knox", "dob": ("1", "1", "1984")}
    nobody = {**knox, "given_name": "Robert", "family_name": "Nobody", "aliases": "Bobby Knox"}
    earlier = _referral(marac, knox, days_ago=100)
    other_victim = _referral(
        marac, nobody, days_ago=50, given_name="Beth", family_name="Sample", dob=("2", "2", "1970")
    )
    coordinator = factories.coordinator_of(marac)
    mine, theirs = other_victim.perpetrators[0].id, earlier.perpetrators[0].id
    perpetrators.confirm_link(other_victim, mine, theirs, actor=coordinator, now=utcnow())
    db.session.commit()
    later = _referral(marac, {**nobody, "aliases": ""}, status="submitted")
    assert not later.is_repeat
    client = client_as("coordinator", marac=marac)
    _decide(client, later, other_victim, "confirm")
    db.session.refresh(later)
    assert later.is_repeat
    [event] = _revisions(later)
    assert event.detail == {"repeat": True}
    found = repeats.repeat_of(later)
    assert found is not None and found.referral_id == earlier.id and found.confirmed
