"""The database holds the same limits as the forms, whatever code path writes a referral."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError, StatementError

from conference.extensions import db
from conference.referrals.models import AddressDisclosure, Child, Referral
from tests import factories


@pytest.fixture
def referral(app):
    return factories.make_referral(status="submitted")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("victim_given_name", "A" * 81),
        ("victim_aliases", "B" * 301),
        ("who_she_fears", "C" * 1001),
        ("narrative", "D" * 6001),
    ],
)
def test_over_long_text_is_refused(referral, column, value):
    # PostgreSQL's VARCHAR refuses it itself (DataError); elsewhere the CHECK does.
    with pytest.raises((IntegrityError, DataError)):
        db.session.execute(
            sa.update(Referral).where(Referral.id == referral.id).values({column: value})
        )
    db.session.rollback()


def test_a_birth_date_after_the_referral_is_refused(referral):
    later = referral.referred_on + timedelta(days=1)
    with pytest.raises(IntegrityError):
        db.session.execute(
            sa.update(Referral).where(Referral.id == referral.id).values(victim_dob=later)
        )
    db.session.rollback()


def test_an_unknown_choice_is_refused(referral):
    with pytest.raises((IntegrityError, StatementError)):
        db.session.execute(
            sa.text("UPDATE referrals SET victim_gender = 'martian' WHERE id = :id"),
            {"id": referral.id},
        )
    db.session.rollback()


def test_professional_judgement_needs_reasons_and_refused_consent_a_reason(referral):
    for values in (
        {"meets_professional_judgement": True, "judgement_reasons": " "},
        {"consent": "refused_shared", "consent_reason": ""},
    ):
        with pytest.raises(IntegrityError):
            db.session.execute(sa.update(Referral).where(Referral.id == referral.id).values(values))
        db.session.rollback()


def test_a_child_needs_a_name_and_a_disclosure_a_reason(referral):
    db.session.add(Child(referral_id=referral.id, given_name="  ", dob=date(2020, 1, 1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(AddressDisclosure(case_id=1, user_id=referral.referrer_id, reason=""))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
