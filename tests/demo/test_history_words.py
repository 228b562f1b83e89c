"""The demo's texts about a case speak of its victim and its perpetrator as their referrals
record them: a man harmed by a man is never "she" or "her", a man harmed by a woman only of
her; someone non-binary is never "she"; and no placeholder is left unfilled."""

from __future__ import annotations

import re
from collections import defaultdict

import sqlalchemy as sa

from conference.actions.models import Action, ActionUpdate
from conference.conferences.models import AgendaItem
from conference.db import text_columns
from conference.extensions import db
from conference.meetings.models import Discussion
from conference.referrals.choices import Gender
from conference.referrals.models import Perpetrator, Referral, ReferralTransition
from conference.research.models import ResearchReturn
from conference.voice.models import VictimVoice

SHE = re.compile(r"\b(she|her|hers|herself)\b", re.IGNORECASE)
HE = re.compile(r"\b(he|him|his|himself)\b", re.IGNORECASE)


def _texts_by_case() -> dict[int, list[str]]:
    """Case id -> every action description and update note, research summary, meeting record
    and victim's-voice text written about it."""
    texts: dict[int, list[str]] = defaultdict(list)
    for case_id, description in db.session.execute(sa.select(Action.case_id, Action.description)):
        texts[case_id].append(description)
    for case_id, note in db.session.execute(
        sa.select(Action.case_id, ActionUpdate.note).join(
            Action, ActionUpdate.action_id == Action.id
        )
    ):
        texts[case_id].append(note)
    for model in (ResearchReturn, Discussion, VictimVoice):
        columns = [model.__table__.c[name] for name in text_columns(model.__table__)]
        rows = db.session.execute(
            sa.select(AgendaItem.case_id, *columns).join(
                AgendaItem, AgendaItem.id == model.agenda_item_id
            )
        )
        for case_id, *values in rows:
            texts[case_id].extend(v for v in values if isinstance(v, str))
    return texts


def _all_texts_by_case() -> dict[int, list[str]]:
    """As _texts_by_case, with its referrals' stories, reasons and screening decisions."""
    texts = _texts_by_case()
    referrals = sa.select(
        Referral.case_id, Referral.narrative, Referral.judgement_reasons, Referral.consent_reason
    )
    for case_id, *values in db.session.execute(referrals.where(Referral.case_id.is_not(None))):
        texts[case_id].extend(values)
    for case_id, reason in db.session.execute(
        sa.select(Referral.case_id, ReferralTransition.reason)
        .join(Referral, ReferralTransition.referral_id == Referral.id)
        .where(Referral.case_id.is_not(None), ReferralTransition.reason.is_not(None))
    ):
        texts[case_id].append(reason)
    return texts


def _genders_by_case() -> dict[int, tuple[set[Gender | None], set[Gender | None]]]:
    """Case id -> the victim's genders and the perpetrators' genders its referrals record."""
    genders: dict[int, tuple[set[Gender | None], set[Gender | None]]] = defaultdict(
        lambda: (set(), set())
    )
    rows = db.session.execute(
        sa.select(Referral.case_id, Referral.victim_gender, Perpetrator.gender)
        .outerjoin(Perpetrator, Perpetrator.referral_id == Referral.id)
        .where(Referral.case_id.is_not(None))
    )
    for case_id, victim, perpetrator in rows:
        genders[case_id][0].add(victim)
        genders[case_id][1].add(perpetrator)
    return genders


#: The words for each gender, and the mark each gets when its person's role is read off.
WORDS = {Gender.FEMALE: SHE, Gender.MALE: HE}


def _roles(text: str, victim: Gender, perpetrator: Gender) -> str:
    """The text with each "he"-or-"she" word marked by whom it speaks of, as the genders
    tell: "Stalking at his workplace; she has..." for a man harmed by a woman and "Stalking
    at her workplace; he has..." for a woman harmed by a man both read
    "stalking at V workplace; P has..."."""
    text = WORDS[victim].sub("V", text)
    return WORDS[perpetrator].sub("P", text).lower()


def test_no_placeholder_is_left_in_any_text_about_a_case(app, demo):
    left = [t for texts in _all_texts_by_case().values() for t in texts if "{" in t or "}" in t]
    assert left == []


def test_no_text_about_a_case_speaks_of_a_gender_nobody_in_it_has(app, demo):
    """A man harmed by a man, or someone non-binary, is never "she"; a woman harmed by a woman
    is never "he"."""
    texts, genders = _all_texts_by_case(), _genders_by_case()
    wrong = [
        (case_id, t)
        for case_id, (victims, perpetrators) in genders.items()
        for gender, words in WORDS.items()
        if gender not in victims | perpetrators
        for t in texts[case_id]
        if words.search(t)
    ]
    assert wrong == []
    # Such cases are there to check: men harmed by men, women by women, non-binary victims.
    pairs = list(genders.values())
    assert ({Gender.MALE}, {Gender.MALE}) in pairs
    assert ({Gender.FEMALE}, {Gender.FEMALE}) in pairs
    assert any(Gender.NON_BINARY in victims for victims, _ in pairs)


def test_a_man_harmed_by_a_woman_reads_as_he_and_she_the_other_way_round(app, demo):
    """Every "she" or "her" in a text about a male victim is his perpetrator's: read with the
    roles marked, each of his texts that says one is a text the demo also writes about a woman
    harmed by a man."""
    texts, genders = _texts_by_case(), _genders_by_case()
    women_harmed_by_men = {
        _roles(t, Gender.FEMALE, Gender.MALE)
        for case_id, (victims, perpetrators) in genders.items()
        if victims == {Gender.FEMALE} and perpetrators == {Gender.MALE}
        for t in texts[case_id]
    }
    his = [
        t
        for case_id, (victims, perpetrators) in genders.items()
        if victims == {Gender.MALE} and perpetrators == {Gender.FEMALE}
        for t in texts[case_id]
        if SHE.search(t)
    ]
    assert len(his) > 5  # the demo's men harmed by women are spoken of
    unlike = [t for t in his if _roles(t, Gender.MALE, Gender.FEMALE) not in women_harmed_by_men]
    assert unlike == []
