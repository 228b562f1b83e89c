"""Risk tools in the referral form and on screening: modules opening as the referrer answers,
red flags shown to the referrer and the coordinator, the young people's version for a victim
aged 16 or 17, and a MARAC on the US-style tool."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import current_app

from conference.db import utcnow
from conference.extensions import db
from conference.referrals import services
from tests import factories
from tests.referrals.test_form_routes import _post, _start

HX = {"HX-Request": "true"}
STALKING_IDS = [f"stalk_{n}" for n in ("frightened", "turns_up", "follows", "messages", "others")]


def _answers(yes: int = 0, **extra: str) -> dict[str, str]:
    main = {q: "yes" if n < yes else "no" for n, q in enumerate(factories.question_ids())}
    return {**main, "stalking": "no", "isolated": "no", **extra}


def _score(text: str) -> str:
    found = re.search(r'<span class="app-assessment__number">(\d+)</span>', text)
    assert found, "no score panel in the answer"
    return found.group(1)


def _autosave(client, referral, answers, *shown):
    data = {**answers, "action": "autosave", "module_shown": list(shown)}
    return _post(client, referral, "checklist", data, **HX)


def test_answering_the_stalking_question_yes_brings_its_module_and_no_takes_it_away(client_as):
    client = client_as("advocate")
    referral = _start(client)
    page = client.get(f"/referrals/{referral.id}/steps/checklist").text
    assert 'id="checklist-module-stalking"' in page and "S1." not in page

    opened = _autosave(client, referral, _answers(stalking="yes"))
    assert opened.status_code == 200
    assert 'id="checklist-module-stalking" class="app-checklist-module" hx-swap-oob="true"' in (
        opened.text
    )
    assert "Stalking and harassment" in opened.text and "S1. Is the contact" in opened.text
    assert 'name="module_shown" value="stalking"' in opened.text
    assert "checklist-module-honour" not in opened.text  # unchanged: not sent again
    assert _score(opened.text) == "1"

    # The page now shows it: a later save with it shown sends nothing for it.
    answered = {**_answers(stalking="yes"), **{q: "yes" for q in STALKING_IDS[:3]}}
    again = _autosave(client, referral, answered, "stalking")
    assert "checklist-module-stalking" not in again.text
    assert "Stalking and harassment</strong>: 3 &#39;yes&#39; answers of 11" in again.text
    assert "8 of 11 answered" not in again.text and "3 of 11 answered" in again.text

    closed = _autosave(client, referral, _answers(), "stalking")
    found = re.search(
        r'<div id="checklist-module-stalking"[^>]*hx-swap-oob="true">\s*</div>', closed.text
    )
    assert found, "the module's place comes back empty"
    assert _score(closed.text) == "0"
    db.session.refresh(referral)
    assert "stalk_frightened" not in referral.draft["checklist"]  # a closed module keeps nothing


def test_an_open_module_is_on_the_page_and_must_be_answered_without_scripts(client_as):
    client = client_as("advocate")
    referral = _start(client)
    resp = _post(client, referral, "checklist", {**_answers(stalking="yes"), "action": "continue"})
    assert resp.status_code == 422
    assert "Answer question S1" in resp.text and "Answer question S11" in resp.text
    assert "S1. Is the contact" in resp.text
    assert "Answer question H1" not in resp.text  # the honour module is closed

    tool = current_app.extensions["risk_tools"]["dash-24"]
    stalking = {q.id: "no" for q in tool.modules[0].questions}
    done = _post(
        client,
        referral,
        "checklist",
        {**_answers(stalking="yes"), **stalking, "action": "continue"},
    )
    assert done.status_code == 303


def test_a_red_flag_prompts_the_referrer_and_the_coordinator_without_changing_the_score(
    client_as, as_user
):
    client = client_as("advocate")
    referral = _start(client)
    calm = _autosave(client, referral, _answers(yes=3, in_danger_now="no"))
    flagged = _autosave(client, referral, _answers(yes=3, in_danger_now="yes"))
    assert _score(calm.text) == _score(flagged.text) == "3"
    assert "Act now" not in calm.text
    assert (
        "Red flag" in flagged.text and "Act now: if anyone is in immediate danger" in flagged.text
    )

    sent = factories.make_referral(client.user, status="submitted", yes=15)
    draft = factories.complete_draft(yes=15)
    draft["checklist"]["in_danger_now"] = ["yes"]
    flagged_referral = factories.make_referral(client.user, given_name="Flagged")
    flagged_referral.draft = draft
    services.submit(flagged_referral, actor=client.user, now=utcnow())
    db.session.commit()
    assert flagged_referral.score == sent.score == 15  # the red flag changes nothing scored
    as_coordinator = as_user(factories.coordinator_of(sent.marac))
    assert "Red flag" not in as_coordinator.get(f"/referrals/{sent.id}").text
    sent = flagged_referral
    page = as_coordinator.get(f"/referrals/{sent.id}").text
    assert "Red flag raised by the referrer's answers" in page
    assert "Act now: if anyone is in immediate danger" in page
    assert as_coordinator.get("/screening/").text.count(">Red flag</strong>") == 1
    mine = client.get(f"/referrals/{sent.id}").text  # the referrer sees it on the referral too
    assert "Red flag:" in mine and "raised by the referrer" not in mine


def _born(years: int, days: int = 30) -> tuple[str, str, str]:
    born = utcnow().date() - timedelta(days=years * 365 + years // 4 + days)
    return (str(born.day), str(born.month), str(born.year))


@pytest.mark.parametrize(
    ("age", "tool"), [(16, "dash-young"), (17, "dash-young"), (18, "dash-24"), (19, "dash-24")]
)
def test_the_young_peoples_version_is_used_for_a_victim_aged_16_or_17(client_as, age, tool):
    client = client_as("advocate")
    referral = factories.make_referral(
        client.user, dob=_born(age), key_worker="Sam Keyworker" if age in (16, 17) else ""
    )
    page = client.get(f"/referrals/{referral.id}/steps/checklist").text
    young = tool == "dash-young"
    assert ("young person" in page) is young
    assert ("The victim is aged 16 or 17, so this is the Young people" in page) is young
    services.submit(referral, actor=client.user, now=utcnow())
    db.session.commit()
    assert referral.risk_tool_id == tool
    record = client.get(f"/referrals/{referral.id}").text
    assert ("Young people&#39;s risk checklist" in record) is young


def test_a_referral_on_the_us_style_tool_reaches_high_danger_by_one_answer(client_as):
    marac = factories.make_marac(
        name="Lakeside High-Risk Team", code="LH", risk_tool_id="us-lethality-11"
    )
    client = client_as("advocate", marac=marac)
    referral = factories.make_referral(client.user, marac=marac, yes=0)
    us = current_app.extensions["risk_tools"]["us-lethality-11"]
    checklist = {q: ["yes" if q == "might_kill" else "no"] for q in us.question_ids}
    referral.draft = {**referral.draft, "checklist": checklist}
    db.session.commit()
    panel = client.get(f"/referrals/{referral.id}/steps/checklist").text
    assert "3. Do you think the abuser might try to kill you?" in panel
    assert "Level: <strong>High danger</strong>" in panel
    assert "Visible high risk" in panel
    services.submit(referral, actor=client.user, now=utcnow())
    db.session.commit()
    assert referral.meets_visible_high_risk and referral.score == 1
    record = client.get(f"/referrals/{referral.id}").text
    assert "1 &#39;yes&#39; answers of 11: high danger" in record


def test_a_coordinator_sees_a_referral_with_its_own_tool_after_the_marac_changes_tool(client_as):
    client = client_as("advocate")
    referral = factories.make_referral(client.user, status="submitted")
    referral.marac.risk_tool_id = "us-lethality-11"
    db.session.commit()
    page = client.get(f"/referrals/{referral.id}").text
    assert "Domestic abuse risk checklist (24 questions)" in page
    assert "14 &#39;yes&#39; answers of 24: high" in page
