"""The escalation register's pages: who may read and work them, status changes with notes,
two coordinators' saves (409, both versions), and queries that do not grow with the entries."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit.models import AuditEvent
from conference.escalation.choices import EntryStatus
from conference.escalation.models import EntryAction, EntryChange, EscalationEntry
from conference.extensions import db
from tests import factories

DUE = date(2027, 3, 10)


def make_entry(marac, agency, *, status=EntryStatus.OPEN, actions=1, reference="NB-2027-0001"):
    """An entry with actions, without the ladder: each action made on a case of marac."""
    entry = EscalationEntry(
        marac_id=marac.id, agency_id=agency.id, status=status, opened_on=date(2027, 4, 7)
    )
    db.session.add(entry)
    db.session.flush()
    db.session.add(EntryChange(entry_id=entry.id, to_status=EntryStatus.OPEN))
    for _ in range(actions):
        action_id = _action(marac, agency)
        db.session.add(
            EntryAction(
                entry_id=entry.id,
                action_id=action_id,
                case_reference=reference,
                due_on=DUE,
                registered_on=date(2027, 4, 7),
            )
        )
    db.session.commit()
    return entry


def _action(marac, agency) -> int:
    from types import SimpleNamespace

    world = SimpleNamespace(
        marac=marac, police=agency, chair=factories.make_user(Role.CHAIR, marac=marac)
    )
    case = factories.accepted_case(marac)
    return factories.past_action(world, case, due_on=DUE).id


@pytest.fixture
def register(app):
    marac = factories.make_marac()
    police = factories.make_agency(maracs=[marac])
    entry = make_entry(marac, police)
    return entry, marac, police


READERS = [
    ("coordinator", 200, 200, 303),
    ("steering", 200, 200, 403),
    ("chair", 403, 404, 404),
    ("advocate", 403, 404, 404),
    ("agency_rep", 403, 404, 404),
    ("admin", 403, 404, 404),
    ("other_coordinator", 403, 404, 404),
]


@pytest.mark.parametrize(("role", "index", "page", "change"), READERS)
def test_each_role_allowed_or_refused_on_each_page(client_as, register, role, index, page, change):
    entry, marac, _ = register
    if role == "other_coordinator":
        client = client_as("coordinator")  # of another MARAC: its register is empty to them
        index = 200
    elif role == "admin":
        client = client_as("admin")
    else:
        client = client_as(role, marac=marac)
    assert client.get("/escalations/").status_code == index
    assert client.get(f"/escalations/{entry.id}").status_code == page
    resp = client.post(
        f"/escalations/{entry.id}",
        data={"status": "raised", "note": "Raised with the head of service", "version": "1"},
    )
    assert resp.status_code == change
    db.session.expire_all()
    expected = EntryStatus.RAISED if change == 303 else EntryStatus.OPEN
    assert db.session.get(EscalationEntry, entry.id).status is expected


def test_the_steering_group_reads_the_register_without_a_case_reference(client_as, register):
    entry, marac, _ = register
    client = client_as("steering", marac=marac)
    before = db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))
    index = client.get("/escalations/").text
    page = client.get(f"/escalations/{entry.id}").text
    for text in (index, page):
        assert "NB-2027-0001" not in text and "/cases/" not in text
    assert f'id="entry-{entry.id}"' in index and "without case references" in index
    assert 'id="status-form"' not in page  # reads, never works it
    # Nothing naming a case was shown, so no case-listing event was written.
    verbs = db.session.scalars(sa.select(AuditEvent.verb).order_by(AuditEvent.id).offset(before))
    assert not [v for v in verbs if v.startswith("escalation")]
    # The coordinator's own reading names the cases, and is kept.
    coordinator = client_as("coordinator", marac=marac)
    assert "NB-2027-0001" in coordinator.get("/escalations/").text


def test_another_marac_s_coordinator_sees_none_of_its_entries(client_as, register):
    entry, *_ = register
    page = client_as("coordinator").get("/escalations/").text
    assert f"entry-{entry.id}" not in page and "No entries" in page


def test_the_register_filters_by_status(client_as, register):
    entry, marac, police = register
    resolved = make_entry(marac, police, status=EntryStatus.RESOLVED, reference="NB-2027-0002")
    client = client_as("coordinator", marac=marac)
    everything = client.get("/escalations/").text
    assert f'id="entry-{entry.id}"' in everything and f'id="entry-{resolved.id}"' in everything
    assert "Open (1)" in everything and "Resolved (1)" in everything
    only = client.get("/escalations/?status=resolved").text
    assert f'id="entry-{resolved.id}"' in only and f'id="entry-{entry.id}"' not in only
    assert "NB-2027-0002" in only
    # A status that is not one is no filter.
    assert f'id="entry-{entry.id}"' in client.get("/escalations/?status=bogus").text


def test_a_coordinator_works_an_entry_through_its_statuses(as_user, register):
    entry, marac, _ = register
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac, name="Cora Ordinator")
    client = as_user(coordinator)
    steps = [
        ("raised", "Emailed the head of service"),
        ("resolved", "All three actions now done"),
        ("open", "One action fell back"),
        ("closed", "Agency declined; steering group told"),
    ]
    for version, (status, note) in enumerate(steps, start=1):
        resp = client.post(
            f"/escalations/{entry.id}", data={"status": status, "note": note, "version": version}
        )
        assert resp.status_code == 303, resp.text
    db.session.expire_all()
    changes = db.session.scalars(
        sa.select(EntryChange).where(EntryChange.entry_id == entry.id).order_by(EntryChange.id)
    ).all()
    assert [(c.from_status, c.to_status, c.note, c.by_id) for c in changes[1:]] == [
        (EntryStatus.OPEN, EntryStatus.RAISED, steps[0][1], coordinator.id),
        (EntryStatus.RAISED, EntryStatus.RESOLVED, steps[1][1], coordinator.id),
        (EntryStatus.RESOLVED, EntryStatus.OPEN, steps[2][1], coordinator.id),
        (EntryStatus.OPEN, EntryStatus.CLOSED, steps[3][1], coordinator.id),
    ]
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.verb == "escalation.status_changed")
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.user_id, e.detail) for e in events] == [
        (coordinator.id, {"from": "open", "to": "raised"}),
        (coordinator.id, {"from": "raised", "to": "resolved"}),
        (coordinator.id, {"from": "resolved", "to": "open"}),
        (coordinator.id, {"from": "open", "to": "closed"}),
    ]
    page = client.get(f"/escalations/{entry.id}").text
    assert "Closed without resolution" in page and "Cora Ordinator" in page
    assert "Agency declined; steering group told" in page


def test_a_move_needs_a_note_and_one_the_table_allows(client_as, register):
    entry, marac, _ = register
    client = client_as("coordinator", marac=marac)
    resp = client.post(f"/escalations/{entry.id}", data={"status": "raised", "version": "1"})
    assert resp.status_code == 422 and "Say in a note what was done" in resp.text
    # Open to open is no move: the form does not offer it.
    resp = client.post(
        f"/escalations/{entry.id}", data={"status": "open", "note": "x", "version": "1"}
    )
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(EscalationEntry, entry.id).status is EntryStatus.OPEN


def test_two_coordinators_never_overwrite_each_other(as_user, register):
    entry, marac, _ = register
    first = as_user(factories.make_user(Role.COORDINATOR, marac=marac, name="First Coord"))
    second = as_user(factories.make_user(Role.COORDINATOR, marac=marac))
    # Both read version 1; the first saves.
    assert 'value="1"' in second.get(f"/escalations/{entry.id}").text
    saved = first.post(
        f"/escalations/{entry.id}",
        data={"status": "raised", "note": "Phoned the duty inspector", "version": "1"},
    )
    assert saved.status_code == 303
    late = second.post(
        f"/escalations/{entry.id}",
        data={"status": "resolved", "note": "Done, per the agency", "version": "1"},
    )
    assert late.status_code == 409
    assert "Someone else changed this entry first" in late.text
    assert "Phoned the duty inspector" in late.text and "First Coord" in late.text
    assert "Done, per the agency" in late.text  # theirs, kept to save again
    assert 'name="version" type="hidden" value="2"' in late.text or 'value="2"' in late.text
    db.session.expire_all()
    stored = db.session.get(EscalationEntry, entry.id)
    assert (stored.status, stored.note, stored.version) == (
        EntryStatus.RAISED,
        "Phoned the duty inspector",
        2,
    )
    # Saved again on the fresh copy, it goes through.
    again = second.post(
        f"/escalations/{entry.id}",
        data={"status": "resolved", "note": "Done, per the agency", "version": "2"},
    )
    assert again.status_code == 303


def test_the_pages_take_the_same_queries_however_many_entries(as_user, register, count_queries):
    entry, marac, police = register
    client = as_user(factories.make_user(Role.COORDINATOR, marac=marac))

    def counted(path: str) -> int:
        with count_queries() as statements:
            assert client.get(path).status_code == 200
        return len(statements)

    client.get("/escalations/")  # warm up
    few_index, few_entry = counted("/escalations/"), counted(f"/escalations/{entry.id}")
    housing = factories.make_agency(maracs=[marac])
    for n in range(4):
        make_entry(marac, housing if n % 2 else police, actions=3, reference=f"NB-2027-01{n}")
    bigger = make_entry(marac, police, actions=5)
    assert counted("/escalations/") == few_index
    assert counted(f"/escalations/{bigger.id}") == few_entry
