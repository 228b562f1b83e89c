"""The lawful basis of a referral: her consent, or why it is shared without it and who
authorised that; answers that contradict each other refused by the field, nothing typed lost;
the law in plain words for the referrer; the basis at screening and on the record."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DataError, IntegrityError

from conference.extensions import db
from conference.pronouns import HE, SHE
from conference.referrals.choices import Consent, ReferralStatus, WithoutConsent
from conference.referrals.lawful_basis import basis_of
from conference.referrals.models import Referral
from tests import factories

NARRATIVE = "Three call-outs since spring; he waited outside her work."
WITHOUT = {
    "without_consent_reason": "serious_harm",
    "consent_reason": "He has threatened to kill her; the risk needs the meeting now.",
    "consent_authorised_by": "Morwenna Testfield",
    "consent_authoriser_role": "Safeguarding lead",
}

#: Each contradiction (or missing answer), and the message beside each field it concerns.
REFUSED = [
    pytest.param(
        {"victim_aware": "no", "consent": "given"},
        {"consent": "She cannot have given consent to a referral she does not know about"},
        id="not-aware-but-consent-given",
    ),
    pytest.param(
        {"victim_aware": "no", "consent": "refused_shared", **WITHOUT},
        {"consent": "She cannot have refused a referral she does not know about"},
        id="not-aware-but-refused",
    ),
    pytest.param(
        {"victim_aware": "yes", "consent": "given", **WITHOUT},
        {
            "without_consent_reason": "She has given consent, so there is no reason for "
            "sharing without it",
            "consent_reason": "She has given consent, so nothing is shared without it",
            "consent_authorised_by": "She has given consent, so nothing is shared without it",
            "consent_authoriser_role": "She has given consent, so nothing is shared without it",
        },
        id="consent-given-and-a-reason-to-override-it",
    ),
    pytest.param(
        {
            "victim_aware": "yes",
            "consent": "refused_shared",
            **WITHOUT,
            "without_consent_reason": "could_not_be_sought",
        },
        {"without_consent_reason": "She was asked and refused, so her consent was sought"},
        id="refused-but-could-not-be-sought",
    ),
    pytest.param(
        {
            "victim_aware": "yes",
            "consent": "refused_shared",
            **WITHOUT,
            "without_consent_reason": "would_increase_risk",
        },
        {"without_consent_reason": "sharing against her wish needs a risk of serious harm"},
        id="refused-but-asking-would-increase-risk",
    ),
    pytest.param(
        {"victim_aware": "yes", "consent": "not_sought"},
        {
            "without_consent_reason": "Select why it is shared without her consent",
            "consent_reason": "Give the reason: it is needed when consent was not given",
            "consent_authorised_by": "Name who authorised sharing without her consent",
            "consent_authoriser_role": "Give the role of who authorised sharing",
        },
        id="without-consent-with-no-reason-or-authoriser",
    ),
    pytest.param(
        {"victim_aware": "no", "consent": "not_sought", **WITHOUT, "consent_authoriser_role": ""},
        {"consent_authoriser_role": "Give the role of who authorised sharing"},
        id="authoriser-without-a-role",
    ),
]


@pytest.fixture
def marac(app):
    return factories.make_marac(name="Northvale MARAC", code="NV")


@pytest.fixture
def referrer(client_as, marac):
    return client_as("agency_rep", marac=marac)


def _draft_referral(client) -> Referral:
    referral = factories.make_referral(client.user, status="draft")
    del referral.draft["consent"]
    db.session.commit()
    return referral


def _post_consent(client, referral, answers: dict[str, str], action: str = "continue"):
    data = {**answers, "narrative": NARRATIVE, "action": action}
    return client.post(f"/referrals/{referral.id}/steps/consent", data=data)


def _message_by(page: str, field: str) -> str:
    """The error message shown by a field (GOV.UK puts it in the field's -error element)."""
    found = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no message by {field}"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


@pytest.mark.parametrize(("answers", "messages"), REFUSED)
def test_every_contradiction_is_refused_by_its_field_and_nothing_typed_is_lost(
    referrer, answers, messages
):
    referral = _draft_referral(referrer)
    page = _post_consent(referrer, referral, answers)
    assert page.status_code == 422
    for field, message in messages.items():
        assert message in _message_by(page.text, field), field
    # Everything typed is kept in the draft and shown again in the form.
    db.session.refresh(referral)
    kept = referral.draft["consent"]
    for field, value in answers.items():
        assert kept[field] == [value], field
        if value and field in ("consent_authorised_by", "consent_authoriser_role"):
            assert f'value="{value}"' in page.text
        if value and field == "consent_reason":
            assert html.escape(value, quote=False) in page.text
        if value and field in ("victim_aware", "consent", "without_consent_reason"):
            assert re.search(rf'value="{value}"\s+(checked|selected)', page.text), field
    assert NARRATIVE in page.text
    # The check page says the section is not complete, and sending is refused.
    check = referrer.get(f"/referrals/{referral.id}/check")
    assert "This section is not complete." in check.text
    sent = referrer.post(f"/referrals/{referral.id}/check")
    assert sent.status_code == 422
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.DRAFT


def test_shared_without_consent_records_why_and_who_authorised_it(referrer, client_as, marac):
    referral = _draft_referral(referrer)
    answers = {"victim_aware": "no", "consent": "not_sought", **WITHOUT}
    answers["without_consent_reason"] = "would_increase_risk"
    assert _post_consent(referrer, referral, answers).status_code == 303

    check = html.unescape(referrer.get(f"/referrals/{referral.id}/check").text)
    assert "Article 6(1)(e)" in check and "Schedule 1, paragraph 18" in check
    assert "She was not asked. Paragraph 18 allows sharing without asking" in check
    assert referrer.post(f"/referrals/{referral.id}/check").status_code == 303

    db.session.refresh(referral)
    assert referral.consent is Consent.NOT_SOUGHT
    assert referral.without_consent_reason is WithoutConsent.WOULD_INCREASE_RISK
    assert (referral.consent_authorised_by, referral.consent_authoriser_role) == (
        "Morwenna Testfield",
        "Safeguarding lead",
    )
    assert referral.lawful_basis.without_consent is True

    # Screening: the coordinator sees the basis with the decision, and on the record.
    coordinator = client_as("coordinator", marac=marac)
    page = html.unescape(coordinator.get(f"/referrals/{referral.id}").text)
    decision = page[page.index('id="decision-form"') :]
    basis = decision[decision.index('id="decision-basis"') :]
    assert basis.index("Shared without her consent (consent was not sought)") < basis.index(
        "asking her would increase the risk"
    )
    assert "Authorised by Morwenna Testfield, Safeguarding lead" in basis
    assert "Shared without consent" in page  # the flag
    record = page[page.index(f'id="referral-{referral.id}-consent"') :]
    assert "Why it is shared without her consent" in record
    assert "Asking her would increase the risk" in record
    assert "Morwenna Testfield, Safeguarding lead" in record
    assert "Basis under data protection law" in record and "Article 9(2)(g)" in record

    # The referrer sees the same on the referral as sent.
    mine = html.unescape(referrer.get(f"/referrals/{referral.id}").text)
    assert "Article 6(1)(e)" in mine and "Morwenna Testfield" in mine


def test_the_step_tells_the_referrer_the_law_in_plain_words(referrer):
    referral = _draft_referral(referrer)
    page = html.unescape(referrer.get(f"/referrals/{referral.id}/steps/consent").text)
    law = page[page.index('id="consent-law"') :]
    assert "UK GDPR Article 6(1)(e)" in law and "a task in the public interest" in law
    assert "Data Protection Act 2018, Schedule 1, paragraph 18" in law
    # Once she has refused, what that means is said too.
    refused = {"victim_aware": "yes", "consent": "refused_shared"}
    page = html.unescape(_post_consent(referrer, referral, refused).text)
    assert "She said no. Paragraph 18 still allows sharing" in page


def test_with_her_consent_nothing_about_overriding_it_is_stored_or_shown(referrer, client_as):
    referral = factories.make_referral(referrer.user, status="submitted")
    assert referral.consent is Consent.GIVEN
    assert referral.without_consent_reason is None and referral.consent_authorised_by == ""
    page = html.unescape(referrer.get(f"/referrals/{referral.id}").text)
    assert "Shared without consent" not in page and "Authorised by" not in page
    assert "She knows and agrees" in page


def test_a_referral_sent_before_the_basis_was_asked_shows_what_is_missing(client_as, marac):
    referral = factories.make_referral(marac=marac, status="submitted")
    # As sent before: not aware yet consenting, or refused with no reason or authoriser.
    db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id)
        .values(victim_aware=False, consent=Consent.GIVEN)
    )
    db.session.commit()
    coordinator = client_as("coordinator", marac=marac)
    page = html.unescape(coordinator.get(f"/referrals/{referral.id}").text)
    assert "Sent before such answers were refused: she cannot have given consent" in page

    db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id)
        .values(victim_aware=True, consent=Consent.REFUSED_SHARED, consent_reason="Old reason")
    )
    db.session.commit()
    page = html.unescape(coordinator.get(f"/referrals/{referral.id}").text)
    assert "Shared without her consent (she refused): reason not recorded" in page
    assert "Authorised by Not recorded" in page


def test_the_basis_in_words():
    assert basis_of(None, None, None, "", "").summary == "Not recorded"
    given = basis_of(True, Consent.GIVEN, None, "", "", pronouns=SHE)
    assert (given.without_consent, given.summary, given.contradictions) == (
        False,
        "Shared with her consent",
        {},
    )
    refused = basis_of(
        True, Consent.REFUSED_SHARED, WithoutConsent.SERIOUS_HARM, " A ", "B", pronouns=SHE
    )
    assert refused.without_consent is True and refused.authorised_by == "A, B"
    assert refused.summary.endswith("there is a risk of serious harm to her or to someone else")


def test_the_basis_speaks_of_a_man_as_he_and_of_anyone_unrecorded_as_they():
    refused = (True, Consent.REFUSED_SHARED, WithoutConsent.SERIOUS_HARM, "A", "B")
    assert basis_of(*refused, pronouns=HE).summary == (
        "Shared without his consent (he refused): there is a risk of serious harm to him or to "
        "someone else"
    )
    unrecorded = basis_of(*refused)
    assert unrecorded.summary == (
        "Shared without their consent (they refused): there is a risk of serious harm to them "
        "or to someone else"
    )
    assert not any(word in " ".join(unrecorded.law).split() for word in ("she", "her", "She"))


def test_the_database_refuses_an_override_of_consent_given(referrer):
    referral = factories.make_referral(referrer.user, status="submitted")
    for values in (
        {"without_consent_reason": WithoutConsent.SERIOUS_HARM},
        {"consent_authorised_by": "Someone"},
        {"consent_authoriser_role": "Manager"},
        {"consent_authorised_by": "x" * 121, "consent": Consent.NOT_SOUGHT},
    ):
        # PostgreSQL's VARCHAR refuses the over-long name itself; SQLite's CHECK does.
        with pytest.raises((IntegrityError, DataError)):
            db.session.execute(sa.update(Referral).where(Referral.id == referral.id).values(values))
        db.session.rollback()
