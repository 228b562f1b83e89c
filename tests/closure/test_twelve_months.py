"""The coordinator's list of cases reaching 12 months since their last conference."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.conferences.choices import Section
from conference.extensions import db
from tests import factories
from tests.closure.conftest import heard_case

URL = "/cases/twelve-months"


@pytest.fixture
def aged(world):
    """Cases last heard 300, 340, 380 and 420 days ago (the usual 365-day repeat window)."""
    return {
        days: heard_case(world, days, given_name=name)
        for days, name in ((300, "Uma"), (340, "Vera"), (380, "Wren"), (420, "Xena"))
    }


def test_it_lists_cases_whose_flag_ends_within_a_month_either_side(world, aged, as_user):
    page = as_user(world.coordinator).get(URL)
    assert page.status_code == 200
    text = page.text
    assert aged[340].reference in text and aged[380].reference in text
    assert aged[300].reference not in text  # 65 days still to run
    assert aged[420].reference not in text  # ended 55 days ago
    assert world.cases[0].reference not in text  # heard this morning
    assert text.index(aged[380].reference) < text.index(aged[340].reference)  # oldest first
    assert "Wren Testwood" in text and "Vera Testwood" in text
    assert "Ended " in text  # Wren's flag is past


def test_it_shows_status_and_open_actions(world, as_user):
    heard_case(world, 350, case=world.cases[0])  # not its last: it was heard this morning
    old = heard_case(world, 350, given_name="Yola", actions=2)
    text = as_user(world.coordinator).get(URL).text
    assert world.cases[0].reference not in text
    row = text[text.index(old.reference) :]
    row = row[: row.index("</tr>")]
    assert "Open" in row and ">2</td>" in row


def test_the_12_month_notice_does_not_restart_the_count(world, as_user):
    case = heard_case(world, 380, given_name="Zia")
    heard_case(world, 10, case=case, section=Section.TWELVE_MONTHS)
    assert case.reference in as_user(world.coordinator).get(URL).text


def test_other_maracs_cases_are_not_listed(world, as_user):
    other = factories.meeting_world(cases=1)
    theirs = heard_case(other, 350, given_name="Abi")
    mine = heard_case(world, 350, given_name="Bel")
    text = as_user(world.coordinator).get(URL).text
    assert mine.reference in text and theirs.reference not in text


def test_the_list_view_is_audited(world, aged, as_user):
    as_user(world.coordinator).get(URL)
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.verb == "twelve_months.listed")
    )
    assert event.user_id == world.coordinator.id
    assert sorted(event.detail["ids"]) == sorted([aged[340].id, aged[380].id])


@pytest.mark.parametrize(
    ("role", "expected"), [("chair", 403), ("advocate", 403), ("agency_rep", 403), ("admin", 403)]
)
def test_only_coordinators_see_it(world, as_user, role, expected):
    user = factories.make_user(role, marac=None if role == "admin" else world.marac)
    assert as_user(user).get(URL).status_code == expected


def test_the_cases_list_links_to_it(world, as_user):
    assert f'href="{URL}"' in as_user(world.coordinator).get("/cases/").text


def test_the_page_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    client = as_user(world.coordinator)

    def page_queries() -> int:
        client.get(URL)
        with count_queries() as statements:
            assert client.get(URL).status_code == 200
        return len(statements)

    heard_case(world, 350, given_name="Cat")
    few = page_queries()
    for n in range(5):
        heard_case(world, 340 + n, given_name=f"Dee{n}", actions=3)
    assert page_queries() == few
