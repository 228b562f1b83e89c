"""Identity matching: has this victim been referred before, in any MARAC of the install?"""

from __future__ import annotations

from datetime import timedelta

from conference.db import utcnow
from conference.extensions import db
from conference.referrals import matching, services
from conference.referrals.births import BirthDate
from conference.referrals.choices import DobKind
from conference.referrals.models import Referral
from tests import factories


def _names(*names: str) -> list[str]:
    return list(names)


def test_a_misspelt_name_with_the_same_date_of_birth_matches(app):
    earlier = factories.make_referral(status="accepted", given_name="Jane", family_name="Smith")
    found = matching.find_possible_matches(_names("Jayne Smyth"), earlier.victim_birth)
    assert [m.referral_id for m in found] == [earlier.id]
    assert found[0].case_reference == earlier.case.reference


def test_an_alias_matches_either_way(app):
    earlier = factories.make_referral(
        status="submitted", given_name="Aisha", family_name="Rahman", aliases="Aisha Begum"
    )
    assert matching.find_possible_matches(_names("Aisha Begum"), earlier.victim_birth)
    assert matching.find_possible_matches(
        _names("Ayesha Karim", "Aisha Rahman"), earlier.victim_birth
    )


def test_a_different_date_of_birth_or_name_does_not_match(app):
    earlier = factories.make_referral(status="accepted", given_name="Jane", family_name="Smith")
    other_day = BirthDate(DobKind.EXACT, exact=earlier.victim_dob + timedelta(days=1))
    assert matching.find_possible_matches(_names("Jane Smith"), other_day) == []
    assert matching.find_possible_matches(_names("Mary Jones"), earlier.victim_birth) == []


def test_drafts_withdrawn_and_declined_referrals_are_not_matches(app):
    draft = factories.make_referral(status="draft")
    declined = factories.make_referral(status="declined")
    dob = declined.victim_birth
    assert matching.find_possible_matches(_names("Alicia Testwood"), dob) == []
    assert draft.victim_dob is None  # a draft has no stored identity until it is sent


def test_a_match_within_the_repeat_window_makes_the_new_referral_a_repeat(app):
    now = utcnow()
    factories.make_referral(status="accepted", now=now - timedelta(days=300))
    newer = factories.make_referral(status="submitted", yes=3, now=now)
    assert newer.is_repeat and newer.has_possible_match
    assert newer.criteria_met == ["repeat"]


def test_a_match_outside_the_repeat_window_is_flagged_but_not_a_repeat(app):
    now = utcnow()
    factories.make_referral(status="accepted", now=now - timedelta(days=400))
    newer = factories.make_referral(status="submitted", now=now)
    assert newer.has_possible_match and not newer.is_repeat


def test_a_match_in_another_marac_counts_and_is_found(app):
    now = utcnow()
    elsewhere = factories.make_referral(status="accepted", now=now - timedelta(days=30))
    here = factories.make_marac()
    referrer = factories.make_user("advocate", marac=here)
    newer = factories.make_referral(referrer, status="submitted", yes=2, now=now)
    assert newer.marac_id != elsewhere.marac_id
    assert newer.is_repeat
    [found] = matching.find_possible_matches(
        _names(newer.victim_name), newer.victim_birth, excluding=newer.id
    )
    assert found.marac_id == elsewhere.marac_id and found.marac_name == elsewhere.marac.name


def test_the_live_form_looks_as_soon_as_name_and_birth_date_are_typed(app):
    earlier = factories.make_referral(status="accepted")
    referral = services.start_referral(
        factories.make_marac(), actor=factories.make_user("advocate"), now=utcnow()
    )
    referral.draft = {
        "victim": {
            "given_name": ["Alisha"],
            "family_name": ["Testwood"],
            "dob": ["14", "3", "1990"],
        }
    }
    db.session.commit()
    live = services.live_assessment(referral, utcnow().date())
    assert [m.referral_id for m in live.matches] == [earlier.id]
    assert db.session.get(Referral, earlier.id) is not None


def test_the_referrer_is_told_only_that_a_match_exists(app):
    from tests.conftest import sign_in

    earlier = factories.make_referral(status="accepted", now=utcnow() - timedelta(days=30))
    other_marac = factories.make_marac(name="Southmere MARAC", code="SM")
    referrer = factories.make_user("agency_rep", marac=other_marac)
    draft = factories.make_referral(referrer, status="draft", given_name="Alicya")
    client = sign_in(app.test_client(), referrer)
    for page in (
        client.get(f"/referrals/{draft.id}/assessment", headers={"HX-Request": "true"}).text,
        client.get(f"/referrals/{draft.id}/check").text,
    ):
        assert "The victim may have been referred to a MARAC before" in page
        assert earlier.marac.name not in page and earlier.case.reference not in page
        assert earlier.reference not in page
    # Sent, the referral is a repeat; the referrer still sees no other MARAC's details.
    client.post(f"/referrals/{draft.id}/check")
    page = client.get(f"/referrals/{draft.id}").text
    assert "Repeat" in page
    assert earlier.marac.name not in page and earlier.case.reference not in page


def test_the_same_person_named_twice_is_searched_for_once():
    """A case's referrals each name the same man: one clause (one index scan) for him."""
    from datetime import date

    him = (("Neil Quarrie",), BirthDate(DobKind.EXACT, exact=date(1980, 11, 18)))
    other = (("Dean Marsh",), BirthDate(DobKind.EXACT, exact=date(1979, 2, 3)))
    columns = (
        Referral.victim_born_from,
        Referral.victim_born_to,
        Referral.victim_given_name,
        Referral.victim_family_name,
    )
    once = matching.candidate_clauses([him, other], *columns)
    repeated = matching.candidate_clauses([him, other, him, him], *columns)
    assert [str(c) for c in repeated] == [str(c) for c in once]
    # By birth alone, each date is one clause whatever the names.
    alias = (("N. Quarrie",), him[1])
    by_birth = matching.candidate_clauses([him, alias, other], *columns, by_name_alone=False)
    assert len(by_birth) == 2
