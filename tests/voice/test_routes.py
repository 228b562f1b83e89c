"""The advocate's pages: who may open them, saving her voice in place, refusals that keep the
typing, the meeting closing the form, stale saves, and telling her the outcome."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.conferences.choices import ConferenceStatus, ItemStatus
from conference.conferences.display import local_day
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.services import today_in
from conference.voice.choices import OutcomeResult
from conference.voice.models import VictimVoice
from conference.voice.services import NOTHING_BEFORE
from tests import factories
from tests.conftest import HTMX
from tests.test_security import csrf_app  # noqa: F401  (the fixture)


def _voices() -> list[VictimVoice]:
    return list(db.session.scalars(sa.select(VictimVoice).order_by(VictimVoice.id)))


def _day(world, days: int = 0) -> list[str]:
    """A date as the three boxes of a date input, counted from today in the MARAC."""
    day = today_in(world.marac, utcnow()) + timedelta(days=days)
    return [str(day.day), str(day.month), str(day.year)]


def _made(world, **values) -> dict:
    """A complete 'contact made' form."""
    return {
        "version": "",
        "contact_made": "yes",
        "contacted_on": _day(world, -1),
        "contact_method": "phone",
        "views": "She thinks he will find the new flat.",
        "wishes": "She wants the locks changed.",
        "fears": "",
        "consent_to_share": "Everything except her new workplace.",
        "safe_contact": "Mobile after 6pm; no messages.",
        **values,
    }


def _told(world, days: int = 0, **values) -> dict:
    form = {
        "outcome-result": "told",
        "outcome-told_on": _day(world, days),
        "outcome-told_how": "in_person",
    }
    return {"outcome-version": "", **form, **{f"outcome-{k}": v for k, v in values.items()}}


def _conclude(world, item, status: ItemStatus = ItemStatus.DISCUSSED) -> None:
    world.conference.status = ConferenceStatus.CONCLUDED
    item.status = status
    if status is ItemStatus.DEFERRED:
        item.defer_reason = "Her IDVA had not reached her."
    db.session.commit()


def _verbs() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.verb).order_by(AuditEvent.id)))


# Who may open the pages ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["coordinator", "chair", "police_rep"])
def test_only_advocates_have_the_list(world, as_user, who):
    assert as_user(getattr(world, who)).get("/voice/").status_code == 403


def test_the_list_shows_her_cases_by_conference_and_is_audited(world, as_user, items):
    page = as_user(world.advocate).get("/voice/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for item in items:
        assert item.case.reference in text and f'href="/voice/items/{item.id}"' in text
    assert "Nell Testwood" in text and "Orla Testwood" in text
    assert text.count("Not recorded") == 3
    assert 'href="/voice/"' in text  # the menu
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "voice.listed"))
    assert sorted(event.detail["ids"]) == sorted(i.case_id for i in items)


def test_the_list_leaves_out_old_cancelled_and_other_advocates_cases(world, as_user, items):
    other = factories.make_user("advocate", marac=world.marac)
    items[0].case.advocate_id = other.id
    db.session.commit()
    text = as_user(world.advocate).get("/voice/").get_data(as_text=True)
    assert items[0].case.reference not in text and items[1].case.reference in text
    world.conference.status = ConferenceStatus.MINUTES_FINAL
    world.conference.starts_at = utcnow() - timedelta(days=61)
    db.session.commit()
    assert items[1].case.reference not in as_user(world.advocate).get("/voice/").text
    world.conference.starts_at = utcnow() - timedelta(days=59)
    db.session.commit()
    assert "Outcome to tell her" in as_user(world.advocate).get("/voice/").text


@pytest.mark.parametrize("who", ["coordinator", "chair", "police_rep", "other_advocate"])
def test_nobody_but_her_advocate_opens_or_saves_her_voice(world, as_user, items, who):
    user = (
        factories.make_user("advocate", marac=world.marac)
        if who == "other_advocate"
        else getattr(world, who)
    )
    client = as_user(user)
    url = f"/voice/items/{items[0].id}"
    assert client.get(url).status_code == 404
    assert client.post(url, data=_made(world)).status_code == 404
    assert client.post(f"{url}/outcome", data=_told(world)).status_code == 404
    assert _voices() == []


def test_an_advocate_who_lost_the_role_is_refused(world, as_user, items):
    world.advocate.role_grants = []
    db.session.commit()
    client = as_user(world.advocate)
    assert client.get("/voice/").status_code == 403
    assert client.get(f"/voice/items/{items[0].id}").status_code == 404


# Before the meeting ----------------------------------------------------------------------------


def test_the_page_shows_the_case_and_is_audited(world, as_user, items):
    response = as_user(world.advocate).get(f"/voice/items/{items[0].id}")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"Her voice: case {items[0].case.reference}" in text and "Nell Testwood" in text
    assert "Seen only by you and the coordinator" in text
    assert "Not recorded" in text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "voice.viewed"))
    assert event.detail == {"case_ids": [items[0].case_id]}


def test_saving_in_place_with_htmx(world, as_user, items):
    item = items[0]
    response = as_user(world.advocate).post(
        f"/voice/items/{item.id}", data=_made(world), headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.startswith(f'<div id="voice-before-{item.id}">')
    assert "Saved." in body and "Recorded" in body and 'id="flash" hx-swap-oob="true"' in body
    assert 'name="version" type="hidden" value="1"' in body
    [voice] = _voices()
    assert (voice.agenda_item_id, voice.contact_made, voice.contact_method.value) == (
        item.id,
        True,
        "phone",
    )
    assert voice.views == "She thinks he will find the new flat."
    assert voice.safe_contact == "Mobile after 6pm; no messages."
    assert voice.updated_by_id == world.advocate.id
    assert "voice.saved" in _verbs()
    assert "Recorded" in as_user(world.advocate).get("/voice/").text


def test_saving_without_javascript_goes_back_to_the_page(world, as_user, items):
    client = as_user(world.advocate)
    response = client.post(f"/voice/items/{items[1].id}", data=_made(world))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/voice/items/{items[1].id}#voice-before-{items[1].id}"
    )
    page = client.get(f"/voice/items/{items[1].id}").get_data(as_text=True)
    assert f"Her voice on case {items[1].case.reference} is saved." in page
    assert "She wants the locks changed." in page


def test_contact_made_needs_a_date_a_way_and_what_she_said_and_the_typing_is_kept(
    world, as_user, items
):
    data = _made(
        world,
        contacted_on=["", "", ""],
        contact_method="",
        views="",
        wishes="",
        consent_to_share="Only the safety plan.",
    )
    response = as_user(world.advocate).post(f"/voice/items/{items[0].id}", data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter the date you made contact" in body
    assert "Select how you made contact" in body
    assert "Enter at least one of her views, wishes or fears" in body
    assert "Only the safety plan." in body and "Mobile after 6pm; no messages." in body
    assert 'value="yes" checked' in body
    assert _voices() == []


def test_without_javascript_a_refusal_is_the_whole_page_with_the_typing(world, as_user, items):
    data = _made(world, contacted_on=_day(world, 1))
    response = as_user(world.advocate).post(f"/voice/items/{items[0].id}", data=data)
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "<html" in text and "<title>Error: " in text
    assert "The date of contact must be today or in the past" in text
    assert "She thinks he will find the new flat." in text
    assert _voices() == []


def test_a_bad_date_says_so_beside_the_field(world, as_user, items):
    data = _made(world, contacted_on=["31", "2", "2026"])
    response = as_user(world.advocate).post(f"/voice/items/{items[0].id}", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "Date of contact must be a real date" in response.get_data(as_text=True)


def test_no_contact_needs_a_reason_and_drops_the_contact_details(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    data = _made(world, contact_made="no", contacted_on=["99", "", ""])
    response = client.post(url, data=data, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Enter why contact was not made" in body
    assert "Date of contact" in body and "must include a day" not in body  # not asked for
    data["no_contact_reason"] = "No safe number: the refuge is passing on a message."
    assert client.post(url, data=data, headers=HTMX).status_code == 200
    [voice] = _voices()
    assert (voice.contact_made, voice.contacted_on, voice.contact_method) == (False, None, None)
    assert voice.no_contact_reason.startswith("No safe number")


def test_choosing_neither_yes_nor_no_is_refused(world, as_user, items):
    data = _made(world, contact_made="")
    response = as_user(world.advocate).post(f"/voice/items/{items[0].id}", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "Select yes if you made contact with her" in response.get_data(as_text=True)


def test_too_long_is_refused_beside_the_field(world, as_user, items):
    data = _made(world, safe_contact="x" * 1001)
    response = as_user(world.advocate).post(f"/voice/items/{items[0].id}", data=data, headers=HTMX)
    assert response.status_code == 422
    assert "Must be 1000 characters or fewer" in response.get_data(as_text=True)


def test_once_the_meeting_starts_her_voice_is_read_only(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    client.post(url, data=_made(world))
    world.conference.status = ConferenceStatus.IN_PROGRESS
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "The meeting has started, so her voice can no longer be changed here" in page
    assert f'id="voice-{items[0].id}"' in page and "She wants the locks changed." in page
    assert "Mobile after 6pm" in page  # her advocate sees how to reach her safely
    assert f'action="{url}"' not in page
    late = _made(world, version="1", views="Changed", contact_method="")  # incomplete, too
    response = client.post(url, data=late, headers=HTMX)
    assert response.status_code == 409
    assert "The meeting has started, so her voice can no longer be changed" in response.text
    assert "What you typed (not saved)" in response.text and "Changed" in response.text
    assert _voices()[0].views == "She thinks he will find the new flat."


def test_a_stale_save_is_refused_keeping_the_typing_and_can_then_be_made(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    client.post(url, data=_made(world))  # saved from another window: version 1
    stale = _made(world, version="", views="Typed in the first window")
    response = client.post(url, data=stale, headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "was saved somewhere else" in body and "not saved yet" in body
    assert "Typed in the first window" in body
    assert "The record saved now" in body and "She thinks he will find the new flat." in body
    assert 'name="version" type="hidden" value="1"' in body
    assert _voices()[0].views == "She thinks he will find the new flat."
    again = client.post(url, data={**stale, "version": "1"}, headers=HTMX)
    assert again.status_code == 200
    assert _voices()[0].views == "Typed in the first window" and _voices()[0].version == 2


def test_without_javascript_a_stale_save_is_a_409_page(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    client.post(url, data=_made(world))
    response = client.post(
        url, data=_made(world, version="7", views="Typed in the other window", fears="Kept fear")
    )
    assert response.status_code == 409 and "<html" in response.text
    assert "Kept fear" in response.text and "Typed in the other window" in response.text
    # The record as saved is shown beside it.
    assert "The record saved now" in response.text
    assert "She thinks he will find the new flat." in response.text
    assert _voices()[0].views == "She thinks he will find the new flat."


# After the meeting -----------------------------------------------------------------------------


def test_the_outcome_waits_for_the_meeting(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    assert "Once the meeting has discussed or deferred her case" in client.get(url).text
    response = client.post(f"{url}/outcome", data=_told(world), headers=HTMX)
    assert response.status_code == 409
    assert "The meeting has not dealt with this case yet" in response.text
    empty = client.post(f"{url}/outcome", data={"outcome-version": ""}, headers=HTMX)
    assert empty.status_code == 409
    assert _voices() == []


def test_recording_when_she_was_told(world, as_user, items):
    client = as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    client.post(url, data=_made(world))
    _conclude(world, items[0])
    page = client.get(url).get_data(as_text=True)
    assert "Telling her the outcome" in page and "Outcome to tell her" in page
    assert 'name="outcome-version" type="hidden" value="1"' in page
    response = client.post(
        f"{url}/outcome", data=_told(world, version="1", notes="She was relieved."), headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith(f'<div id="voice-outcome-{items[0].id}">')
    assert "Saved." in body and "Outcome told" in body
    [voice] = _voices()
    assert voice.outcome_told_on == today_in(world.marac, utcnow())
    assert (voice.outcome_told_how.value, voice.outcome_notes) == ("in_person", "She was relieved.")
    assert voice.views == "She thinks he will find the new flat."  # the voice itself is kept
    assert "voice.outcome_saved" in _verbs()
    assert "Outcome told" in client.get("/voice/").text


def test_the_outcome_date_is_between_the_meeting_and_today(world, as_user, items):
    client = as_user(world.advocate)
    _conclude(world, items[1], ItemStatus.DEFERRED)
    url = f"/voice/items/{items[1].id}/outcome"
    # Counted from the meeting's own day: the cached world may have been built before midnight.
    eve = local_day(world.conference) - timedelta(days=1)
    told_eve = {"outcome-told_on": [str(eve.day), str(eve.month), str(eve.year)]}
    before = client.post(url, data={**_told(world, notes="Kept note"), **told_eve}, headers=HTMX)
    assert before.status_code == 422
    assert "The date you told her must be on or after the meeting" in before.text
    assert "Kept note" in before.text
    ahead = client.post(url, data=_told(world, 1), headers=HTMX)
    assert ahead.status_code == 422
    assert "The date you told her must be today or in the past" in ahead.text
    missing = client.post(url, data={"outcome-version": ""}, headers=HTMX)
    assert "Choose whether you told her, it was not safe, or you could not reach her" in (
        missing.text
    )
    told = client.post(url, data={"outcome-version": "", "outcome-result": "told"}, headers=HTMX)
    assert "Enter the date you told her the outcome" in told.text
    assert "Select how you told her" in told.text
    assert _voices() == []


def test_the_outcome_can_be_recorded_when_nothing_was_before(world, as_user, items):
    client = as_user(world.advocate)
    _conclude(world, items[2])
    response = client.post(f"/voice/items/{items[2].id}/outcome", data=_told(world))
    assert response.status_code == 303
    [voice] = _voices()
    assert (voice.contact_made, voice.no_contact_reason) == (False, NOTHING_BEFORE)
    page = client.get(f"/voice/items/{items[2].id}").get_data(as_text=True)
    assert f"What came of telling her the outcome on case {items[2].case.reference} is saved." in (
        page
    )
    assert NOTHING_BEFORE in page


# The query count -------------------------------------------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries(world, as_user, items, count_queries):
    from conference.conferences import listing

    advocate = as_user(world.advocate)
    advocate.post(f"/voice/items/{items[0].id}", data=_made(world))

    def list_queries() -> int:
        advocate.get("/voice/")
        with count_queries() as statements:
            assert advocate.get("/voice/").status_code == 200
        return len(statements)

    few = list_queries()
    for n in range(4):
        case = factories.accepted_case(world.marac, given_name=f"More{n}", children=n % 2)
        case.advocate_id = world.advocate.id
        target = world.conference if n % 2 else world.following
        listing.add_case(target, case, actor=None, now=utcnow(), reason="Escalated")
    db.session.commit()
    advocate.post(f"/voice/items/{items[1].id}", data=_made(world))
    assert list_queries() == few
    assert advocate.get("/voice/").text.count("More") >= 4


def _sign_in_with_csrf(client, user, at: str = "/sign-in") -> str:
    from tests.test_security import csrf_token_from

    page = client.get(at)
    response = client.post(
        "/sign-in",
        data={"email": user.email, "password": factories.PASSWORD},
        headers={"X-CSRFToken": csrf_token_from(page.text)},
    )
    return response.headers["Location"]


def test_typing_sent_after_the_session_ended_comes_back_unsaved(csrf_app):  # noqa: F811
    from conference.accounts.models import WebSession
    from conference.conferences.queries import agenda_items
    from tests.test_security import csrf_token_from

    world = factories.meeting_world()
    url = f"/voice/items/{agenda_items(world.conference.id)[0].id}"
    client = csrf_app.test_client()
    _sign_in_with_csrf(client, world.advocate)
    token = csrf_token_from(client.get(url).text)
    db.session.execute(sa.delete(WebSession))  # the session ends while she types
    db.session.commit()
    response = client.post(
        url,
        data={"contact_made": "yes", "views": "She wants to stay near her mother."},
        headers={"X-CSRFToken": token, "Sec-Fetch-Site": "same-origin"},
    )
    at = response.headers["Location"]
    assert response.status_code == 303 and at.startswith("/sign-in")
    assert _sign_in_with_csrf(client, world.advocate, at) == url
    text = client.get(url).text
    assert "She wants to stay near her mother." in text and "Not saved yet." in text
    assert _voices() == []


def test_not_safe_to_contact_her_needs_why_and_ends_the_reminders(world, as_user, items):
    client = as_user(world.advocate)
    _conclude(world, items[0])
    url = f"/voice/items/{items[0].id}/outcome"
    data = {"outcome-version": "", "outcome-result": "not_safe", "outcome-notes": "Kept"}
    refused = client.post(url, data=data, headers=HTMX)
    assert refused.status_code == 422
    assert "Say why it is not safe to contact her" in refused.text and "Kept" in refused.text
    data["outcome-not_told_reason"] = "He is staying at the address this week."
    assert client.post(url, data=data).status_code == 303
    [voice] = _voices()
    assert voice.outcome_result is OutcomeResult.NOT_SAFE and voice.outcome_told_on is None
    page = client.get(f"/voice/items/{items[0].id}").text
    assert "Not safe to contact her" in page and "He is staying at the address" in page


def test_could_not_reach_her_needs_the_tries(world, as_user, items):
    client = as_user(world.advocate)
    _conclude(world, items[0])
    url = f"/voice/items/{items[0].id}/outcome"
    data = {"outcome-version": "", "outcome-result": "not_reached", "outcome-attempts": "0"}
    refused = client.post(url, data=data, headers=HTMX)
    assert refused.status_code == 422
    assert "Enter how many times you tried to reach her, from 1 to 99" in refused.text
    data["outcome-attempts"] = "3"
    assert client.post(url, data=data).status_code == 303
    [voice] = _voices()
    assert (voice.outcome_result, voice.outcome_attempts) == (OutcomeResult.NOT_REACHED, 3)


def test_told_her_keeps_whether_she_feels_safer_in_her_words(world, as_user, items):
    client = as_user(world.advocate)
    _conclude(world, items[0])
    url = f"/voice/items/{items[0].id}/outcome"
    words = "A bit safer now the order is served."
    assert client.post(url, data=_told(world, feels_safer=words)).status_code == 303
    [voice] = _voices()
    assert voice.outcome_result is OutcomeResult.TOLD and voice.feels_safer == words
    assert words in client.get(f"/voice/items/{items[0].id}").text
