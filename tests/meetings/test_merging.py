"""A stale save of the console's record merges: only the fields this user changed are written,
and a field both changed is shown side by side for the user to choose. Every save is kept as a
revision, listed for whoever runs the meeting."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.extensions import db
from conference.meetings.console import record_of
from conference.meetings.models import Revision
from tests import factories
from tests.conftest import HTMX
from tests.meetings.test_console import _first_open, _url
from tests.page_forms import form_data


def _started(world, as_user):
    """The chair and the coordinator, each with the console open on a record saved once."""
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = _url(world, f"/items/{item.id}/record")
    first = chair.post(
        action,
        data={"version": "", "information_shared": "Police: two call-outs", "decisions": ""},
    )
    assert first.status_code == 303
    return chair, coordinator, item, action


def _page(client, world):
    page = client.get(_url(world))
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_save_writes_only_what_she_changed_and_keeps_theirs(world, as_user, headers):
    chair, coordinator, item, action = _started(world, as_user)
    his, hers = _page(chair, world), _page(coordinator, world)
    saved = chair.post(action, data=form_data(his, action, risk_to_victim="Threats to kill"))
    assert saved.status_code == 303
    merged = coordinator.post(
        action, data=form_data(hers, action, decisions="Refer to housing"), headers=headers
    )
    assert merged.status_code == (200 if headers else 303)
    record = record_of(item)
    assert record.risk_to_victim == "Threats to kill"  # his, kept
    assert record.decisions == "Refer to housing"  # hers, written on top
    assert record.information_shared == "Police: two call-outs"
    said = merged.text if headers else coordinator.get(_url(world)).text
    assert "their changes to Risks to the victim were kept alongside yours" in said
    latest = db.session.scalars(sa.select(Revision).order_by(Revision.id.desc())).first()
    assert latest.merged and latest.actor_id == world.coordinator.id
    assert latest.changes == {"decisions": ["", "Refer to housing"]}


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "His words"), ("mine", "Her words")])
def test_a_field_both_changed_is_shown_side_by_side_and_her_choice_saves(
    world, as_user, keep, expected
):
    chair, coordinator, item, action = _started(world, as_user)
    his, hers = _page(chair, world), _page(coordinator, world)
    assert chair.post(action, data=form_data(his, action, decisions="His words")).status_code == 303
    typed = form_data(hers, action, decisions="Her words", risk_to_staff="Dog at the address")
    clash = coordinator.post(action, data=typed)
    assert clash.status_code == 409
    assert "<html" in clash.text
    assert "Decisions: you both changed this" in clash.text
    assert "His words" in clash.text and "Her words" in clash.text
    assert "Keep theirs" in clash.text and "Keep yours" in clash.text
    record = record_of(item)
    assert record.decisions == "His words" and record.risk_to_staff == ""  # nothing saved yet
    # Saved without a choice: asked again, the two texts still side by side.
    shown = form_data(clash.text, action)
    assert shown["decisions"] == "Her words" and shown["risk_to_staff"] == "Dog at the address"
    unchosen = coordinator.post(action, data=shown)
    assert unchosen.status_code == 422
    assert "Choose whether to keep their text or yours" in unchosen.text
    assert "His words" in unchosen.text and "Her words" in unchosen.text
    # Her choice saves, with the field only she changed.
    chosen = coordinator.post(action, data={**shown, "decisions.keep": keep})
    assert chosen.status_code == 303
    db.session.refresh(record)
    assert record.decisions == expected
    assert record.risk_to_staff == "Dog at the address"


def test_two_first_saves_at_once_merge_or_clash_never_fail(world, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = _url(world, f"/items/{item.id}/record")
    his, hers = _page(chair, world), _page(coordinator, world)
    first = chair.post(action, data=form_data(his, action, risk_to_victim="His risk"))
    assert first.status_code == 303
    second = coordinator.post(action, data=form_data(hers, action, decisions="Her decision"))
    assert second.status_code == 303
    third = as_user(world.coordinator).post(
        action, data=form_data(hers, action, risk_to_victim="Her risk"), headers=HTMX
    )
    assert third.status_code == 409
    assert "His risk" in third.text and "Her risk" in third.text
    record = record_of(item)
    assert (record.risk_to_victim, record.decisions) == ("His risk", "Her decision")


def test_every_save_is_listed_with_who_when_before_and_after(world, as_user):
    chair, coordinator, item, action = _started(world, as_user)
    hers = _page(coordinator, world)
    data = form_data(hers, action, information_shared="Health: seen at the surgery")
    assert coordinator.post(action, data=data).status_code == 303
    page = coordinator.get(f"/conferences/{world.conference.id}/revisions")
    assert page.status_code == 200
    body = page.text
    assert f"The record of case {item.case.reference}" in body
    assert "Chay Ring" in body and "Cora Ordinator" in body
    assert "Police: two call-outs" in body  # the text her save replaced, still readable
    assert "Health: seen at the surgery" in body
    assert body.index("Health: seen at the surgery") < body.index("Chay Ring")  # newest first
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "meeting.revisions_viewed")
    ).one()
    assert event.user_id == world.coordinator.id
    assert event.detail["case_ids"] == [item.case_id]
    assert "Every revision" in _page(coordinator, world)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("chair", 200),
        ("coordinator", 200),
        ("police_rep", 404),
        ("advocate", 404),
        ("other_chair", 404),
        ("other_coordinator", 404),
    ],
)
def test_the_revisions_are_for_whoever_runs_the_meeting(world, as_user, who, status):
    from conference.accounts.models import Role

    factories.open_meeting(world)
    if who == "other_chair":  # a chair of the same MARAC who does not chair this meeting
        user = factories.make_user(Role.CHAIR, marac=world.marac)
    elif who == "other_coordinator":  # a coordinator of another MARAC
        user = factories.make_user(Role.COORDINATOR)
    else:
        user = getattr(world, who)
    response = as_user(user).get(f"/conferences/{world.conference.id}/revisions")
    assert response.status_code == status


def test_two_first_saves_landing_together_give_one_save_and_one_merge_to_confirm(
    world, as_user, monkeypatch
):
    """Both read no record; his insert lands between her read and her write."""
    from conference.meetings import console

    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = _url(world, f"/items/{item.id}/record")
    hers = _page(coordinator, world)
    assert chair.post(action, data={"version": "", "risk_to_victim": "His risk"}).status_code == 303
    monkeypatch.setattr(console, "record_of", lambda item: None)  # her read came first
    landed = coordinator.post(action, data=form_data(hers, action, decisions="Her decision"))
    monkeypatch.undo()
    assert landed.status_code == 409
    assert "Someone else saved this at the same moment" in landed.text
    assert record_of(item).decisions == ""
    shown = form_data(landed.text, action)
    assert shown["risk_to_victim"] == "His risk" and shown["decisions"] == "Her decision"
    assert coordinator.post(action, data=shown).status_code == 303
    record = record_of(item)
    assert (record.risk_to_victim, record.decisions) == ("His risk", "Her decision")


def _autosave(client, action, item, **fields):
    """One save as the chair types, made on the record as saved now."""
    from conference.meetings.choices import RECORD_FIELDS

    record = record_of(item)
    saved = {name: getattr(record, name) if record else "" for name in RECORD_FIELDS}
    base = {f"{name}.base": text for name, text in saved.items()}
    data = {"version": str(record.version) if record else "", **saved, **fields, **base}
    saved = client.post(action, data=data, headers={**HTMX, "X-Autosave": "1"})
    assert saved.status_code == 200, saved.text
    return saved


def _revisions(item):
    return db.session.scalars(
        sa.select(Revision).where(Revision.agenda_item_id == item.id).order_by(Revision.id)
    ).all()


def test_saves_as_she_types_make_one_revision_from_her_first_words_to_her_last(world, as_user):
    chair = as_user(world.chair)
    item = _first_open(world, chair)
    action = _url(world, f"/items/{item.id}/record")
    _autosave(chair, action, item, risk_to_victim="Thr")
    _autosave(chair, action, item, risk_to_victim="Threats to", decisions="Refer")
    _autosave(chair, action, item, risk_to_victim="Threats to kill", decisions="Refer")
    (revision,) = _revisions(item)
    assert revision.changes == {
        "risk_to_victim": ["", "Threats to kill"],
        "decisions": ["", "Refer"],
    }
    assert revision.version == record_of(item).version
    # Typing a field back to what it was leaves nothing to show for it.
    _autosave(chair, action, item, decisions="")
    (revision,) = _revisions(item)
    assert revision.changes == {"risk_to_victim": ["", "Threats to kill"]}
    page = chair.get(f"/conferences/{world.conference.id}/revisions").text
    assert page.count("Threats to kill") == 1


def test_someone_elses_save_a_merged_save_and_a_pause_each_keep_their_own_revision(
    world, as_user, monkeypatch
):
    from datetime import timedelta

    from conference.meetings import console

    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = _first_open(world, chair)
    action = _url(world, f"/items/{item.id}/record")
    _autosave(chair, action, item, risk_to_victim="Threats")
    _autosave(coordinator, action, item, decisions="Refer to housing")
    _autosave(chair, action, item, risk_to_victim="Threats to kill")
    assert [r.actor_id for r in _revisions(item)] == [world.chair.id, world.coordinator.id] + [
        world.chair.id
    ]
    # Her save on a stale copy merges with his: it stands apart, and so does her next one.
    hers = form_data(_page(coordinator, world), action, risk_to_staff="Dog at the address")
    _autosave(chair, action, item, risk_to_victim="Threats to kill her")
    merged = coordinator.post(action, data=hers, headers={**HTMX, "X-Autosave": "1"})
    assert merged.status_code == 200
    _autosave(coordinator, action, item, risk_to_staff="Dog at the address, chained")
    kept = _revisions(item)
    assert [(r.actor_id, r.merged) for r in kept[-2:]] == [
        (world.coordinator.id, True),
        (world.coordinator.id, False),
    ]
    # After a pause longer than the window, a save of her own starts a new revision.
    monkeypatch.setattr(console, "COALESCE_WITHIN", timedelta(seconds=-1))
    _autosave(coordinator, action, item, risk_to_staff="Dog at the address, chained up")
    assert len(_revisions(item)) == len(kept) + 1
