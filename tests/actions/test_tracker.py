"""The coordinator's tracker: every action of the MARAC, counts per agency, an audited CSV."""

from __future__ import annotations

import csv
import gc
import io
import re
import tracemalloc
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference import spreadsheets
from conference.accounts.models import Role
from conference.actions import tracker
from conference.actions.choices import ActionStatus
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import CaseStatus
from conference.spreadsheets import safe_cell
from tests import factories


def build_world():
    world = factories.meeting_world(cases=2)
    today = utcnow().date()
    first, second = world.cases
    world.late = factories.past_action(
        world, first, due_on=today - timedelta(days=3), description="Fit a panic alarm"
    )
    world.very_late = factories.past_action(
        world, second, due_on=today - timedelta(days=9), description="=HYPERLINK(evil)"
    )
    world.health_soon = factories.past_action(
        world, second, due_on=today + timedelta(days=2), description="Book a GP review"
    )
    world.health_soon.owner_agency_id = world.health.id
    world.done = factories.past_action(
        world, first, due_on=today, status=ActionStatus.DONE, description="Already done"
    )
    db.session.commit()
    return world


@pytest.fixture
def world(cached_world):
    return cached_world(f"{__name__}.world", build_world)


def counts(page: str, agency_name: str) -> tuple[int, int, int]:
    """The open, overdue and 7-days-overdue figures in the agency's row of the counts table."""
    row = page.split(f'data-agency="{agency_name}"', 1)[1].split("</tr>", 1)[0]
    figures = []
    for kind in ("open", "overdue", "escalated"):
        cell = row.split(f'data-count="{kind}">', 1)[1].split("</td>", 1)[0]
        shown = re.sub(
            r"<[^>]+>", "", re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", cell)
        )
        figures.append(int(shown.strip()))
    return tuple(figures)  # type: ignore[return-value]


def test_the_coordinator_sees_every_agencys_open_actions_and_counts(app, world, as_user):
    page = as_user(world.coordinator).get("/actions/tracker").text
    for wanted in ("Fit a panic alarm", "Book a GP review", "HYPERLINK"):
        assert wanted in page
    assert "Already done" not in page  # open ones unless asked
    assert "3 actions." in page
    assert counts(page, world.police.name) == (2, 2, 1)
    assert counts(page, world.health.name) == (1, 0, 0)
    assert "9 days overdue" in page and "3 days overdue" in page
    assert world.cases[0].reference in page and "Nell" in page


def test_filters_by_agency_status_overdue_and_conference(app, world, as_user):
    coordinator = as_user(world.coordinator)
    health = coordinator.get(f"/actions/tracker?agency={world.health.id}").text
    assert "Book a GP review" in health and "Fit a panic alarm" not in health
    closed = coordinator.get("/actions/tracker?status=closed").text
    assert "Already done" in closed and "Fit a panic alarm" not in closed
    overdue = coordinator.get("/actions/tracker?overdue=1").text
    assert "Fit a panic alarm" in overdue and "Book a GP review" not in overdue
    week = coordinator.get("/actions/tracker?overdue=7").text
    assert "HYPERLINK" in week and "Fit a panic alarm" not in week
    everything = coordinator.get("/actions/tracker?status=all").text
    assert "4 actions." in everything
    elsewhere = coordinator.get(f"/actions/tracker?conference={world.following.id}").text
    # A conference that agreed no action is not a choice: the filter falls back to any.
    assert "3 actions." in elsewhere
    here = coordinator.get(f"/actions/tracker?conference={world.past_conference.id}").text
    assert "3 actions." in here
    nonsense = coordinator.get("/actions/tracker?agency=x&status=zzz&overdue=3&page=-4")
    assert nonsense.status_code == 200 and "3 actions." in nonsense.text


def test_the_count_falls_when_the_owner_reports_an_overdue_action_done(app, world, as_user):
    coordinator = as_user(world.coordinator)
    assert counts(coordinator.get("/actions/tracker").text, world.police.name) == (2, 2, 1)
    prefix = f"action-{world.late.id}"
    response = as_user(world.police_rep).post(
        f"/actions/{world.late.id}/status",
        data={
            f"{prefix}-version": str(world.late.version),
            f"{prefix}-status": "done",
            f"{prefix}-note": "Alarm fitted on Tuesday",
        },
    )
    assert response.status_code == 303
    page = coordinator.get("/actions/tracker").text
    assert counts(page, world.police.name) == (1, 1, 1)
    done = coordinator.get("/actions/tracker?status=done").text
    assert "Alarm fitted on Tuesday" in done and world.police_rep.name in done


@pytest.mark.parametrize("who", ["chair", "advocate", "police_rep", "health_rep"])
def test_the_tracker_and_its_export_are_for_coordinators_only(app, world, who, as_user):
    user = as_user(getattr(world, who))
    assert user.get("/actions/tracker").status_code == 403
    assert user.get("/actions/tracker.csv").status_code == 403


def test_a_coordinator_of_another_marac_sees_none_of_these(app, world, as_user):
    other = factories.make_user(Role.COORDINATOR, marac=factories.make_marac())
    db.session.commit()
    outsider = as_user(other)
    page = outsider.get("/actions/tracker?status=all").text
    assert "Fit a panic alarm" not in page and "0 actions." in page
    rows = list(csv.reader(io.StringIO(outsider.get("/actions/tracker.csv?status=all").text)))
    assert rows == [["OFFICIAL-SENSITIVE"], rows[1]]  # the marking and the header only


def test_the_csv_export_carries_no_names_nor_free_text_and_is_audited(app, world, as_user):
    response = as_user(world.coordinator).get(f"/actions/tracker.csv?agency={world.police.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.text)))
    marking, header, body = rows[0], rows[1], rows[2:]
    assert marking == ["OFFICIAL-SENSITIVE"]  # the install's protective marking, first
    assert header[:2] == ["Case", "Action number"] and len(body) == 2
    by_action = {row[1]: row for row in body}
    late = by_action[str(world.late.id)]
    assert late[0] == world.cases[0].reference
    assert late[header.index("Owner agency")] == world.police.name
    assert late[header.index("Days overdue")] == "3"
    assert late[header.index("Status")] == "Open"
    # Descriptions, notes and people's names stay in the app.
    for text in ("Fit a panic alarm", "HYPERLINK", "Nell", "Orla", world.chair.name):
        assert text not in response.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "actions.exported"))
    assert event is not None and event.user_id == world.coordinator.id
    assert event.detail["rows"] == 2
    assert sorted(event.detail["case_ids"]) == sorted(c.id for c in world.cases)
    assert event.detail["filters"] == {"agency": str(world.police.id)}


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_made_text():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell("-2") == "'-2"
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)"
    assert safe_cell("NB-2026-0001") == "NB-2026-0001"


@pytest.mark.parametrize(
    "query",
    [
        "agency=%C2%B3",
        "agency=99999999999999999999999&conference=-1",
        "_method=POST&_anchor=x&_external=1",
        "page=99999999999999999999&status=%00",
        "overdue=99999999999999999999",
    ],
)
def test_odd_filters_show_everything_open_never_an_error(app, world, query, as_user):
    coordinator = as_user(world.coordinator)
    page = coordinator.get(f"/actions/tracker?{query}")
    assert page.status_code == 200 and "3 actions" in page.text
    assert "_anchor" not in page.text and "_method" not in page.text
    assert coordinator.get(f"/actions/tracker.csv?{query}").status_code == 200


def test_done_and_overdue_together_match_nothing(app, world, as_user):
    page = as_user(world.coordinator).get("/actions/tracker?status=done&overdue=1").text
    assert "No actions match these filters." in page
    in_progress = as_user(world.coordinator).get("/actions/tracker?status=open&overdue=7")
    assert "HYPERLINK" in in_progress.text and "Fit a panic alarm" not in in_progress.text


def test_a_case_closed_early_leaves_the_counts_but_stays_listed_marked(app, world, as_user):
    world.cases[1].status = CaseStatus.CLOSED  # closed with a reason, actions still open
    db.session.commit()
    coordinator = as_user(world.coordinator)
    page = coordinator.get("/actions/tracker").text
    # Nobody chases them, but they wait for their agency's report, marked.
    assert counts(page, world.police.name) == (1, 1, 0)
    assert f'data-agency="{world.health.name}"' not in page
    row = page.split(f'id="tracked-{world.very_late.id}"')[1].split("</tr>")[0]
    assert "HYPERLINK" in row and "Case closed" in row
    assert "Book a GP review" in page
    assert "HYPERLINK" in as_user(world.police_rep).get("/actions/").text


def test_viewing_the_tracker_is_audited_with_the_cases_shown(app, world, as_user):
    as_user(world.coordinator).get("/actions/tracker")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "actions.tracked"))
    assert event is not None and sorted(event.detail["case_ids"]) == sorted(
        c.id for c in world.cases
    )


def test_long_lists_come_a_page_at_a_time(app, world, as_user):
    app.config["ADMIN_PAGE_SIZE"] = 2
    coordinator = as_user(world.coordinator)
    first = coordinator.get("/actions/tracker").text
    assert "3 actions, page 1 of 2." in first and "page=2" in first
    second = coordinator.get("/actions/tracker?page=2").text
    assert "Book a GP review" in second and "HYPERLINK" not in second


def test_queries_stay_constant_as_actions_grow(app, world, count_queries, as_user):
    coordinator = as_user(world.coordinator)

    def measure() -> int:
        with count_queries() as statements:
            assert coordinator.get("/actions/tracker?status=all").status_code == 200
        return len(statements)

    measure()  # the first request also refreshes the sign-in session
    few = measure()
    today = utcnow().date()
    for n in range(12):
        action = factories.past_action(
            world, world.cases[n % 2], due_on=today - timedelta(days=n), description=f"Task {n}"
        )
        action.owner_agency_id = [world.police.id, world.health.id, world.housing.id][n % 3]
        factories.make_user(Role.AGENCY_REP, marac=world.marac, agency=world.housing)
    db.session.commit()
    assert measure() == few


def _copies_of(action_id: int, count: int) -> None:
    """count more actions like this one, added in bulk (ids and due dates their own)."""
    table = Action.__table__
    row = dict(db.session.execute(sa.select(table).where(table.c.id == action_id)).one()._mapping)
    row.pop("id")
    due = row["due_on"]
    db.session.execute(
        sa.insert(table), [{**row, "due_on": due + timedelta(days=n % 40)} for n in range(count)]
    )
    db.session.commit()


def _peak_while_streaming(client, url: str) -> tuple[int, int]:
    """The rows of the CSV and the memory its making took at most (bytes, tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        rows = sum(chunk.count(b"\n") for chunk in response.response)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return rows, peak


def test_the_csv_export_streams_in_batches_with_flat_memory(app, world, as_user, monkeypatch):
    # Many batches and chunks, with due dates shared across batches.
    monkeypatch.setattr(tracker, "BATCH", 20)
    monkeypatch.setattr(spreadsheets, "CHUNK_CHARACTERS", 2048)
    coordinator = as_user(world.coordinator)
    url = "/actions/tracker.csv?status=all"
    _copies_of(world.late.id, 60)
    _peak_while_streaming(coordinator, url)  # the statements compiled and cached once
    small_rows, small_peak = _peak_while_streaming(coordinator, url)

    _copies_of(world.late.id, 600)
    large_rows, large_peak = _peak_while_streaming(coordinator, url)

    assert large_rows - small_rows == 600  # every action once, none lost at a batch's edge
    ids = [row[1] for row in list(csv.reader(io.StringIO(coordinator.get(url).text)))[2:]]
    assert len(ids) == len(set(ids)) == large_rows - 2  # after the marking and the header
    # Ten times the actions, about the same memory: nothing gathers every row.
    assert large_peak < 2 * small_peak, (small_peak, large_peak)


def test_the_agency_filter_offers_the_agencies_sitting_and_any_that_left_owning_open_actions(
    app, world
):
    from conference.actions.tracker import agencies_with_actions

    marac = world.cases[0].marac
    gone_open = factories.make_agency("Departed Open Service")
    gone_done = factories.make_agency("Departed Done Service")
    world.late.owner_agency_id = gone_open.id
    world.done.owner_agency_id = gone_done.id
    db.session.commit()
    offered = {a.name for a in agencies_with_actions([marac.id])}
    assert {a.name for a in marac.agencies} <= offered
    assert "Departed Open Service" in offered
    assert "Departed Done Service" not in offered  # only finished actions: not offered...
    # ...but a link that asks for it (kept from before it left) still filters to it.
    asked = {a.name for a in agencies_with_actions([marac.id], gone_done.id)}
    assert "Departed Done Service" in asked
    elsewhere = factories.make_agency("Never Here Service")
    assert "Never Here Service" not in {
        a.name for a in agencies_with_actions([marac.id], elsewhere.id)
    }
