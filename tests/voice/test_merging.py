"""A stale save of her voice merges its texts: only the texts this advocate changed are written,
a text both changed is set side by side to choose, and whether, when or how contact was made
differing is refused whole. Only texts the viewer may read are merged or carried in the page."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.voice import routes as voice_routes
from conference.voice.models import VictimVoice
from tests.conftest import HTMX
from tests.voice.test_routes import _conclude, _made, _told


def _voice() -> VictimVoice:
    db.session.expire_all()
    return db.session.scalars(sa.select(VictimVoice)).one()


def _copy(voice: VictimVoice, world, **changes) -> dict:
    """The form as read at the voice's version, with the texts it started from, and changes."""
    texts = ("views", "wishes", "fears", "consent_to_share", "no_contact_reason", "safe_contact")
    saved = {name: getattr(voice, name) or "" for name in texts}
    return {
        **_made(world),
        **saved,
        "version": str(voice.version),
        **{f"{name}.base": value for name, value in saved.items()},
        **changes,
    }


def _started(world, as_user, items):
    one, other = as_user(world.advocate), as_user(world.advocate)  # two windows, or two people
    url = f"/voice/items/{items[0].id}"
    assert one.post(url, data=_made(world)).status_code == 303
    return one, other, url, _voice()


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_save_of_her_voice_writes_only_what_changed(world, as_user, items, headers):
    one, other, url, voice = _started(world, as_user, items)
    page = other.get(url).text
    assert 'name="fears.base"' in page and 'name="safe_contact.base"' in page
    his, hers = _copy(voice, world, fears="That he will follow her"), _copy(voice, world)
    assert one.post(url, data=his).status_code == 303
    merged = other.post(url, data={**hers, "wishes": "A new school"}, headers=headers)
    assert merged.status_code == (200 if headers else 303)
    saved = _voice()
    assert (saved.fears, saved.wishes) == ("That he will follow her", "A new school")
    said = merged.text if headers else other.get(url).text
    assert "their changes to her fears were kept alongside yours" in said


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "Hers, first"), ("mine", "Mine")])
def test_a_text_both_changed_is_shown_side_by_side_and_the_choice_saves(
    world, as_user, items, keep, expected
):
    one, other, url, voice = _started(world, as_user, items)
    his, hers = _copy(voice, world, views="Hers, first", fears="Dark"), _copy(voice, world)
    assert one.post(url, data=his).status_code == 303
    clash = other.post(url, data={**hers, "views": "Mine"})
    assert clash.status_code == 409
    box = clash.text[clash.text.index('id="views-clash"') :]
    assert "Hers, first" in box and "Mine" in box
    saved = _voice()
    again = _copy(saved, world, views="Mine", fears="Dark", **{"views.clash": "1"})
    again["views.base"] = "Hers, first"
    unchosen = other.post(url, data=again)
    assert unchosen.status_code == 422 and "Choose whether to keep" in unchosen.text
    chosen = other.post(url, data={**again, "views.keep": keep})
    assert chosen.status_code == 303
    assert (_voice().views, _voice().fears) == (expected, "Dark")


def test_contact_made_both_changed_is_refused_whole_with_the_typing_kept(world, as_user, items):
    one, other, url, voice = _started(world, as_user, items)
    his, hers = _copy(voice, world, contact_method="in_person"), _copy(voice, world)
    assert one.post(url, data=his).status_code == 303
    stale = other.post(url, data={**hers, "views": "Typed here"}, headers=HTMX)
    assert stale.status_code == 409 and "Typed here" in stale.text
    assert _voice().contact_method.value == "in_person"


def test_two_first_saves_never_fail(world, as_user, items):
    one, other = as_user(world.advocate), as_user(world.advocate)
    url = f"/voice/items/{items[0].id}"
    blank = {f"{name}.base": "" for name in ("views", "wishes", "fears", "safe_contact")}
    assert one.post(url, data={**_made(world), **blank}).status_code == 303
    late = other.post(url, data={**_made(world, views="Other words"), **blank})
    assert late.status_code == 409 and "Other words" in late.text  # no record was read: whole
    assert _voice().views == "She thinks he will find the new flat."


def test_a_viewer_who_may_not_see_her_safe_contact_never_gets_it_as_a_base(
    world, as_user, items, monkeypatch
):
    one, _, url, _ = _started(world, as_user, items)
    monkeypatch.setattr(voice_routes, "sees_safe_contact", lambda user, case: False)
    page = one.get(url).text
    assert 'name="views.base"' in page
    assert 'name="safe_contact.base"' not in page
    assert 'value="Mobile after 6pm; no messages."' not in page


def _told_copy(voice: VictimVoice, world, **changes) -> dict:
    """The outcome form as read at the voice's version, with its texts' bases, and changes."""
    saved = {
        "feels_safer": voice.feels_safer or "",
        "not_told_reason": voice.outcome_not_told_reason or "",
        "notes": voice.outcome_notes or "",
    }
    values = {**saved, **{f"{name}.base": value for name, value in saved.items()}, **changes}
    return _told(world, version=str(voice.version), **values)


def _told_once(world, as_user, items):
    one, other, url, _ = _started(world, as_user, items)
    _conclude(world, items[0])
    first = one.post(f"{url}/outcome", data=_told(world, version="1", notes="Relieved"))
    assert first.status_code == 303
    return one, other, f"{url}/outcome", _voice()


def test_a_stale_outcome_writes_only_what_changed(world, as_user, items):
    one, other, url, voice = _told_once(world, as_user, items)
    his, hers = _told_copy(voice, world, notes="Relieved; moving soon"), _told_copy(voice, world)
    assert one.post(url, data=his).status_code == 303
    merged = other.post(url, data={**hers, "outcome-feels_safer": "Yes, a little"})
    assert merged.status_code == 303
    saved = _voice()
    assert (saved.outcome_notes, saved.feels_safer) == ("Relieved; moving soon", "Yes, a little")


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "His notes"), ("mine", "Her notes")])
def test_outcome_notes_both_changed_are_shown_side_by_side_and_the_choice_saves(
    world, as_user, items, keep, expected
):
    one, other, url, voice = _told_once(world, as_user, items)
    his, hers = _told_copy(voice, world, notes="His notes"), _told_copy(voice, world)
    assert one.post(url, data=his).status_code == 303
    clash = other.post(url, data={**hers, "outcome-notes": "Her notes"})
    assert clash.status_code == 409
    box = clash.text[clash.text.index('id="outcome-notes-clash"') :]
    assert "His notes" in box and "Her notes" in box
    again = _told_copy(_voice(), world, notes="Her notes", **{"notes.clash": "1"})
    unchosen = other.post(url, data=again)
    assert unchosen.status_code == 422 and "Choose whether to keep" in unchosen.text
    chosen = other.post(url, data={**again, "outcome-notes.keep": keep})
    assert chosen.status_code == 303
    assert _voice().outcome_notes == expected
