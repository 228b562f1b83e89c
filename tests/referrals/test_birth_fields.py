"""The date of birth on the referral form: exact, a year, an age on a day, or not known and
why, with other possible dates. Each kind accepted, each mistake named by its field, nothing
typed lost; and what a referral sent that way stores, matches and shows."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import current_app
from werkzeug.datastructures import MultiDict

from conference.db import utcnow
from conference.extensions import db
from conference.referrals import drafts, matching, services
from conference.referrals.births import BirthMatch
from conference.referrals.choices import DobKind
from conference.referrals.forms import PerpetratorsForm, VictimForm
from conference.referrals.models import Referral
from tests import factories
from tests.referrals.test_form_routes import VICTIM, _post, _start

TODAY = date(2026, 3, 1)
BLANK = ["", "", ""]


def _victim(**fields) -> VictimForm:
    values = {"given_name": "Rosalind", "gender": "female", "is_trans": "no"}
    values |= {"ethnicity": "asian", "disability": "no", "sexuality": "bisexual"}
    values |= fields
    sent = MultiDict()
    for key, value in values.items():
        for v in value if isinstance(value, list) else [value]:
            sent.add(key, v)
    return VictimForm(formdata=sent, today=TODAY)


@pytest.mark.parametrize(
    ("fields", "kind", "spans"),
    [
        ({"dob_kind": "exact", "dob": ["14", "3", "1990"]}, DobKind.EXACT, 1),
        ({"dob_kind": "year", "birth_year": "1990"}, DobKind.YEAR, 1),
        ({"dob_kind": "age", "approximate_age": "35"}, DobKind.AGE, 1),
        (
            {"dob_kind": "age", "approximate_age": "35", "age_on": ["1", "1", "2026"]},
            DobKind.AGE,
            1,
        ),
        ({"dob_kind": "unknown", "dob_reason": "She has never been told it"}, DobKind.UNKNOWN, 0),
        (
            {
                "dob_kind": "exact",
                "dob": ["11", "9", "1985"],
                "other_dob_1": ["9", "11", "1985"],
                "other_dob_2": ["9", "11", "1986"],
            },
            DobKind.EXACT,
            3,
        ),
        # A field of another kind is hidden: whatever it holds is not checked or kept.
        ({"dob_kind": "year", "birth_year": "1990", "dob": ["99", "x", ""]}, DobKind.YEAR, 1),
        # A draft saved before the kind was asked: its date says it is exact.
        ({"dob": ["14", "3", "1990"]}, DobKind.EXACT, 1),
    ],
)
def test_each_kind_of_date_of_birth_is_accepted(app, fields, kind, spans):
    form = _victim(**fields)
    assert form.validate(), form.errors
    birth = form.birth()
    assert birth.kind is kind
    assert len(birth.spans()) == spans
    assert form.dob_kind.data == kind.value  # the radio shows the kind, for an old draft too


UNDER_16 = "Referrals here are for victims aged 16 or over"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "dob_kind", "Select what you know about the victim's date of birth"),
        ({"dob_kind": "sometimes"}, "dob_kind", "Select what you know about the victim's"),
        ({"dob_kind": "exact"}, "dob", "Enter the victim's date of birth"),
        ({"dob_kind": "exact", "dob": ["14", "", "1990"]}, "dob", "must include a day, month"),
        ({"dob_kind": "exact", "dob": ["31", "2", "1990"]}, "dob", "must be a real date"),
        ({"dob_kind": "exact", "dob": ["1", "1", "2027"]}, "dob", "must be today or in the past"),
        ({"dob_kind": "exact", "dob": ["1", "1", "1901"]}, "dob", "within the last 120 years"),
        ({"dob_kind": "exact", "dob": ["2", "3", "2010"]}, "dob", UNDER_16),
        ({"dob_kind": "year"}, "birth_year", "Enter the year of birth"),
        ({"dob_kind": "year", "birth_year": "nineteen"}, "birth_year", "Enter a whole number"),
        ({"dob_kind": "year", "birth_year": "1890"}, "birth_year", "between 1906 and 2026"),
        ({"dob_kind": "year", "birth_year": "2031"}, "birth_year", "between 1906 and 2026"),
        ({"dob_kind": "year", "birth_year": "2011"}, "birth_year", UNDER_16),
        ({"dob_kind": "age"}, "approximate_age", "Enter the approximate age"),
        ({"dob_kind": "age", "approximate_age": "about 30"}, "approximate_age", "whole number"),
        ({"dob_kind": "age", "approximate_age": "130"}, "approximate_age", "from 10 to 120"),
        ({"dob_kind": "age", "approximate_age": "15"}, "approximate_age", UNDER_16),
        (
            {"dob_kind": "age", "approximate_age": "30", "age_on": ["30", "2", "2026"]},
            "age_on",
            "The day they were that age must be a real date",
        ),
        (
            {"dob_kind": "age", "approximate_age": "30", "age_on": ["2", "3", "2026"]},
            "age_on",
            "The day they were that age must be today or in the past",
        ),
        ({"dob_kind": "unknown"}, "dob_reason", "Say why the date of birth is not known"),
        ({"dob_kind": "unknown", "dob_reason": "x" * 201}, "dob_reason", "200 characters"),
        (
            {"dob_kind": "year", "birth_year": "1990", "other_dob_1": ["1", "13", "1990"]},
            "other_dob_1",
            "Another possible date of birth must be a real date",
        ),
        (
            {"dob_kind": "year", "birth_year": "1990", "other_dob_2": ["1", "1", "2027"]},
            "other_dob_2",
            "A third possible date of birth must be today or in the past",
        ),
    ],
)
def test_each_mistake_is_named_by_its_own_field(app, fields, field, message):
    form = _victim(**fields)
    assert not form.validate()
    assert message in " ".join(form.errors.get(field, [])), form.errors
    others = set(form.errors) - {field}
    assert not others, f"only {field} should complain: {form.errors}"


def test_a_perpetrator_may_have_no_date_of_birth_but_a_chosen_kind_needs_its_value(app):
    def entry(**fields) -> PerpetratorsForm:
        sent = MultiDict(
            {"perpetrators-0-given_name": "Marcus", "perpetrators-0-relationship": "partner"}
        )
        for key, value in fields.items():
            for v in value if isinstance(value, list) else [value]:
                sent.add(f"perpetrators-0-{key}", v)
        return PerpetratorsForm(formdata=sent, today=TODAY)

    assert entry().validate()  # nothing known of it: as before
    assert entry().perpetrators[0].form.birth().kind is None
    old = entry(approximate_age="40")  # a draft from before the kind was asked
    assert old.validate() and old.perpetrators[0].form.birth().kind is DobKind.AGE
    form = entry(dob_kind="unknown")
    assert not form.validate()
    assert form.errors["perpetrators"][0]["dob_reason"] == [
        "Say why the date of birth is not known"
    ]
    form = entry(dob_kind="age", approximate_age="9")
    assert not form.validate()
    assert form.errors["perpetrators"][0]["approximate_age"] == ["Enter an age from 10 to 120"]


def test_a_bad_year_keeps_everything_typed_and_says_so_by_the_field(client_as):
    client = client_as("advocate")
    referral = _start(client)
    sent = {**VICTIM, "dob": BLANK, "dob_kind": "year", "birth_year": "19o0", "action": "continue"}
    sent |= {"other_dob_1": ["3", "5", "1990"]}
    resp = _post(client, referral, "victim", sent)
    assert resp.status_code == 422
    assert "Enter a whole number, like 3" in resp.text
    assert 'value="19o0"' in resp.text and 'value="Rosalind"' in resp.text
    # The year's choice stays chosen and its field shown, the other dates' section open.
    assert re.search(r'value="year"\s+checked', resp.text) or 'value="year" checked' in resp.text
    assert '<details class="govuk-details" open>' in resp.text
    db.session.refresh(referral)
    assert referral.draft["victim"]["birth_year"] == ["19o0"]
    assert referral.draft["victim"]["other_dob_1"] == ["3", "5", "1990"]


def _send(**victim) -> Referral:
    """A referral sent with the victim's date of birth as given."""
    referral = factories.make_referral(status="draft")
    draft = factories.complete_draft()
    draft["victim"].pop("dob")
    draft["victim"] |= {k: v if isinstance(v, list) else [v] for k, v in victim.items()}
    referral.draft = draft
    db.session.commit()
    services.submit(referral, actor=referral.referrer, now=utcnow())
    db.session.commit()
    return referral


def test_a_victim_known_only_by_her_age_is_referred_and_stored_as_such(app):
    referral = _send(dob_kind="age", approximate_age="34")
    assert referral.status.value == "submitted"
    assert referral.victim_dob is None and referral.victim_dob_kind is DobKind.AGE
    assert referral.victim_age == 34 and referral.victim_age_on == referral.referred_on
    assert referral.victim_born_from < referral.victim_born_to
    assert referral.victim_dob_text.startswith("Aged about 34 on ")


def test_a_victim_of_about_17_gets_the_young_person_section(app):
    draft = factories.complete_draft()
    draft["victim"].pop("dob")
    draft["victim"] |= {"dob_kind": ["age"], "approximate_age": ["17"]}
    assert drafts.is_aged_16_17(draft, utcnow().date())
    draft["victim"] |= {"dob_kind": ["year"], "birth_year": [str(utcnow().year - 25)]}
    assert not drafts.is_aged_16_17(draft, utcnow().date())
    draft["victim"] |= {"dob_kind": ["unknown"], "dob_reason": ["Not known to anyone"]}
    assert not drafts.is_aged_16_17(draft, utcnow().date())


# Matching victims by what is known (table-driven over the edges of each range) --------------

EARLIER_DOB = ("14", "3", "1990")


def _age_then(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _cases():
    today = utcnow().date()
    age = _age_then(date(1990, 3, 14), today)
    return [
        ({"dob_kind": "exact", "dob": list(EARLIER_DOB)}, BirthMatch.EXACT),
        ({"dob_kind": "exact", "dob": ["15", "3", "1990"]}, None),
        (
            {"dob_kind": "exact", "dob": ["1", "1", "1980"], "other_dob_1": list(EARLIER_DOB)},
            BirthMatch.POSSIBLE_DATE,
        ),
        ({"dob_kind": "year", "birth_year": "1990"}, BirthMatch.RANGE),
        ({"dob_kind": "year", "birth_year": "1991"}, None),
        ({"dob_kind": "age", "approximate_age": str(age - 1)}, BirthMatch.RANGE),
        ({"dob_kind": "age", "approximate_age": str(age + 1)}, BirthMatch.RANGE),
        ({"dob_kind": "age", "approximate_age": str(age + 2)}, None),
        ({"dob_kind": "age", "approximate_age": str(age - 2)}, None),
        ({"dob_kind": "unknown", "dob_reason": "Not known"}, BirthMatch.NAME_ONLY),
    ]


@pytest.mark.parametrize("case", range(10))
def test_an_earlier_referral_matches_by_what_is_known_of_her_date_of_birth(app, case):
    victim, expected = _cases()[case]
    earlier = factories.make_referral(status="accepted", dob=EARLIER_DOB)
    later = _send(**victim)
    found = matching.find_possible_matches(
        [later.victim_name, *later.alias_list], later.victim_birth, excluding=later.id
    )
    assert [(m.referral_id, m.certainty) for m in found] == (
        [(earlier.id, expected)] if expected else []
    )
    assert later.has_possible_match is (expected is not None)


def test_a_name_only_match_needs_a_name_nearly_the_same(app):
    factories.make_referral(status="accepted", given_name="Jane", family_name="Smith")
    near = matching.find_possible_matches(
        ["Jane Smyth"], _send(dob_kind="unknown", dob_reason="No records").victim_birth
    )
    assert [m.certainty for m in near] == [BirthMatch.NAME_ONLY]
    far = matching.find_possible_matches(
        ["Jayne Smyth"], _send(dob_kind="unknown", dob_reason="No records").victim_birth
    )
    assert far == []  # 86: enough only with dates of birth that agree


def test_a_name_typed_before_any_date_of_birth_asks_nothing(app):
    factories.make_referral(status="accepted")
    draft = factories.complete_draft()
    draft["victim"].pop("dob")
    tool = current_app.extensions["risk_tools"]["dash-24"]
    names, birth = drafts.victim_identity(draft, tool, utcnow().date())
    assert names == ["Alicia Testwood"] and birth.kind is None
    assert matching.find_possible_matches(names, birth) == []


def test_the_coordinator_sees_how_sure_each_match_is(client_as):
    client = client_as("coordinator")
    marac = client.user.role_grants[0].marac
    factories.make_referral(status="accepted", marac=marac)
    later = factories.make_referral(status="draft", marac=marac)
    draft = factories.complete_draft()
    draft["victim"] |= {"dob_kind": ["year"], "birth_year": ["1990"], "dob": BLANK}
    later.draft = draft
    db.session.commit()
    services.submit(later, actor=later.referrer, now=utcnow() - timedelta(minutes=1))
    db.session.commit()
    page = client.get(f"/referrals/{later.id}")
    assert page.status_code == 200
    assert "Within approximate range" in page.text
    assert "Sometime in 1990" in page.text
