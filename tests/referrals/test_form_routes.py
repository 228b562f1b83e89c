"""The referral form as a referrer uses it: steps, autosave, live score, check and send."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from conference.extensions import db
from conference.notifications.models import Notification
from conference.referrals.choices import ReferralStatus
from conference.referrals.models import Referral
from tests import factories

VICTIM = {
    "given_name": "Rosalind",
    "family_name": "Quarry",
    "aliases": "Ros Quarry",
    "dob": ["2", "7", "1988"],
    "gender": "female",
    "is_trans": "no",
    "ethnicity": "asian",
    "disability": "not_known",
    "sexuality": "bisexual",
    "language": "Urdu",
    "needs_interpreter": "y",
}


def _start(client) -> Referral:
    resp = client.post("/referrals/new")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/steps/victim")
    return db.session.scalars(sa.select(Referral).order_by(Referral.id.desc())).first()


def _post(client, referral, step, data, **headers):
    return client.post(f"/referrals/{referral.id}/steps/{step}", data=data, headers=headers)


def test_an_agency_rep_starts_a_referral_and_saves_a_step(client_as):
    client = client_as("agency_rep")
    referral = _start(client)
    page = client.get(f"/referrals/{referral.id}/steps/victim")
    assert page.status_code == 200
    assert "About the victim" in page.text and "section 1 of 7" in page.text

    resp = _post(client, referral, "victim", {**VICTIM, "action": "continue"})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/steps/contact")
    db.session.refresh(referral)
    assert referral.draft["victim"]["given_name"] == ["Rosalind"]
    assert referral.draft["victim"]["dob"] == ["2", "7", "1988"]


def test_bad_input_gets_a_message_by_each_field_and_keeps_everything_typed(client_as):
    client = client_as("advocate")
    referral = _start(client)
    bad = {
        **VICTIM,
        "family_name": "Q" * 81,
        "dob": ["2", "7", "2999"],
        "gender": "martian",
        "action": "continue",
    }
    resp = _post(client, referral, "victim", bad)
    assert resp.status_code == 422
    assert "Date of birth must be today or in the past" in resp.text
    assert "Must be 80 characters or fewer" in resp.text
    assert "Not a valid choice" in resp.text
    # Everything typed is shown again, and kept in the draft.
    assert 'value="Rosalind"' in resp.text and "Q" * 81 in resp.text and 'value="2999"' in resp.text
    db.session.refresh(referral)
    assert referral.draft["victim"]["family_name"] == ["Q" * 81]
    assert referral.draft["victim"]["dob"] == ["2", "7", "2999"]


def test_a_victim_under_16_is_refused_with_a_pointer_to_childrens_services(client_as):
    client = client_as("advocate")
    referral = _start(client)
    resp = _post(client, referral, "victim", {**VICTIM, "dob": ["1", "1", "2015"]})
    assert resp.status_code == 422
    assert "Referrals here are for victims aged 16 or over" in resp.text


def test_autosave_keeps_the_typing_and_tells_the_page(client_as):
    client = client_as("advocate")
    referral = _start(client)
    resp = _post(
        client,
        referral,
        "contact",
        {"who_she_fears": "Her former part", "action": "autosave"},
        **{"HX-Request": "true"},
    )
    assert resp.status_code == 200
    assert "Draft saved at" in resp.text and "<html" not in resp.text
    assert resp.headers["HX-Trigger"] == "draft-saved"
    db.session.refresh(referral)
    assert referral.draft["contact"]["who_she_fears"] == ["Her former part"]


def test_her_own_autosave_landing_first_does_not_refuse_her_save(client_as, monkeypatch):
    """An autosave still in flight when she presses "Save and continue" commits first: the
    save is applied again on top of it, not refused as someone else's change."""
    from conference.referrals import drafts

    client = client_as("advocate")
    referral = _start(client)
    real_with_step = drafts.with_step
    calls = []

    def autosave_lands_meanwhile(*args, **kwargs):
        if not calls:  # the first attempt: another request commits a newer version first
            with db.engine.begin() as other:
                other.execute(
                    sa.text("UPDATE referrals SET version = version + 1 WHERE id = :id"),
                    {"id": referral.id},
                )
        calls.append(1)
        return real_with_step(*args, **kwargs)

    monkeypatch.setattr(drafts, "with_step", autosave_lands_meanwhile)
    resp = _post(client, referral, "contact", {"who_she_fears": "Her former partner"})
    assert resp.status_code == 422  # saved, then checked: the step is not complete yet
    assert "Someone else changed" not in resp.text
    assert len(calls) == 2
    db.session.refresh(referral)
    assert referral.draft["contact"]["who_she_fears"] == ["Her former partner"]


def test_the_score_follows_the_ticked_boxes(client_as):
    client = client_as("advocate")
    referral = _start(client)
    answers = {q: "yes" for q in factories.question_ids()[:13]}
    _post(client, referral, "checklist", {**answers, "action": "autosave"}, **{"HX-Request": "1"})
    panel = client.get(f"/referrals/{referral.id}/assessment", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert '<span class="app-assessment__number">13</span>' in panel.text
    assert "No referral criterion is met" in panel.text

    answers[factories.question_ids()[13]] = "yes"
    _post(client, referral, "checklist", {**answers, "action": "autosave"}, **{"HX-Request": "1"})
    panel = client.get(f"/referrals/{referral.id}/assessment", headers={"HX-Request": "true"})
    assert '<span class="app-assessment__number">14</span>' in panel.text
    assert "Visible high risk" in panel.text and "No referral criterion is met" not in panel.text


def test_the_step_page_without_javascript_shows_the_score_after_saving(client_as):
    client = client_as("advocate")
    referral = _start(client)
    answers = {q: "yes" for q in factories.question_ids()[:15]}
    resp = _post(client, referral, "checklist", {**answers, "action": "continue"})
    assert resp.status_code == 422  # nine questions still unanswered
    assert "Answer question 16" in resp.text
    assert '<span class="app-assessment__number">15</span>' in resp.text


def test_people_are_added_and_removed_without_losing_the_others(client_as):
    client = client_as("advocate")
    referral = _start(client)
    first = {"perpetrators-0-given_name": "Ivo", "perpetrators-0-relationship": "ex_partner"}
    resp = _post(client, referral, "perpetrators", {**first, "action": "add"})
    assert resp.status_code == 303
    page = client.get(f"/referrals/{referral.id}/steps/perpetrators")
    assert "Perpetrator 2" in page.text and 'value="Ivo"' in page.text
    second = {**first, "perpetrators-1-given_name": "Dane", "perpetrators-1-relationship": "other"}
    _post(client, referral, "perpetrators", {**second, "action": "remove-0"})
    page = client.get(f"/referrals/{referral.id}/steps/perpetrators")
    assert 'value="Dane"' in page.text and 'value="Ivo"' not in page.text
    assert "Perpetrator 2" not in page.text


def test_a_complete_draft_is_sent_and_the_coordinator_told(client_as):
    client = client_as("agency_rep")
    referral = _start(client)
    coordinator = factories.coordinator_of(referral.marac)
    referral.draft = factories.complete_draft(yes=15, children=2)
    db.session.commit()
    check = client.get(f"/referrals/{referral.id}/check")
    assert check.status_code == 200 and "Send the referral" in check.text
    assert "still need" not in check.text

    resp = client.post(f"/referrals/{referral.id}/check")
    assert resp.status_code == 303
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.SUBMITTED
    assert referral.score == 15 and referral.meets_visible_high_risk
    assert [c.given_name for c in referral.children] == ["Child1", "Child2"]
    note = db.session.scalar(
        sa.select(Notification).where(Notification.recipient_id == coordinator.id)
    )
    assert note.kind == "referral.submitted" and note.endpoint == "referrals.detail"
    assert note.endpoint_args == {"referral_id": referral.id}
    assert "Alicia" not in json.dumps(
        [note.kind, note.reference, note.endpoint, note.endpoint_args]
    )


def test_no_criterion_met_stops_the_referral_and_says_why(client_as):
    client = client_as("advocate")
    referral = _start(client)
    referral.draft = factories.complete_draft(yes=9)
    db.session.commit()
    resp = client.post(f"/referrals/{referral.id}/check")
    assert resp.status_code == 422
    assert "No referral criterion is met: 9 &#39;yes&#39; answers (14 needed" in resp.text
    db.session.refresh(referral)
    assert referral.status is ReferralStatus.DRAFT


def test_an_incomplete_section_stops_the_referral(client_as):
    client = client_as("advocate")
    referral = _start(client)
    draft = factories.complete_draft()
    del draft["consent"]
    referral.draft = draft
    db.session.commit()
    resp = client.post(f"/referrals/{referral.id}/check")
    assert resp.status_code == 422
    assert "Complete the section &#39;Consent and what has happened&#39; first" in resp.text


def test_a_16_year_old_needs_the_young_person_section(client_as):
    client = client_as("advocate")
    referral = _start(client)
    referral.draft = factories.complete_draft(dob=("1", "1", "2010"))
    db.session.commit()
    page = client.get(f"/referrals/{referral.id}")
    assert "A victim aged 16 or 17" in page.text
    resp = client.post(f"/referrals/{referral.id}/check")
    assert resp.status_code == 422 and "A victim aged 16 or 17" in resp.text
    resp = _post(
        client,
        referral,
        "young_person",
        {
            "key_worker": "Sam Keyworker",
            "childrens_services_involved": "yes",
            "exploitation_notes": "Checked with the youth team.",
        },
    )
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/check")
    assert client.post(f"/referrals/{referral.id}/check").status_code == 303
    db.session.refresh(referral)
    assert referral.is_aged_16_17 and referral.key_worker == "Sam Keyworker"


def test_questions_without_a_hint_point_screen_readers_at_nothing_empty(client_as):
    client = client_as("advocate")
    referral = _start(client)
    page = client.get(f"/referrals/{referral.id}/steps/victim").text
    assert 'id="gender-hint"' not in page and 'aria-describedby="gender-hint"' not in page
    assert 'id="dob-hint"' in page  # a hint that says something stays


def test_without_javascript_a_step_saved_after_the_referral_was_withdrawn_keeps_the_typing(
    client_as,
):
    """Withdrawn in another window, the referral can no longer change: the step posted from
    the first window is refused (409) with the section as saved beside what was typed."""
    client = client_as("advocate")
    referral = _start(client)
    _post(client, referral, "victim", {**VICTIM, "action": "later"})
    with db.engine.begin() as other:  # the other window
        other.execute(
            sa.update(Referral)
            .where(Referral.id == referral.id)
            .values(status=ReferralStatus.WITHDRAWN, version=Referral.version + 1)
        )
    typed = {**VICTIM, "given_name": "Rosalyn", "aliases": "Typed after it was withdrawn"}
    resp = _post(client, referral, "victim", {**typed, "action": "continue"})
    assert resp.status_code == 409 and "<html" in resp.text
    assert "Not saved: This referral is withdrawn, so it can no longer be changed." in resp.text
    saved = resp.text[resp.text.index('id="conflict-theirs"') :]
    assert "Rosalind" in saved and "Ros Quarry" in saved and "Urdu" in saved
    assert 'value="Rosalyn"' in resp.text
    assert re.search(r"<textarea[^>]*>\s*Typed after it was withdrawn</textarea>", resp.text)
    assert "Save and continue" not in resp.text
    db.session.refresh(referral)
    assert referral.draft["victim"]["given_name"] == ["Rosalind"]
