"""The data return pages: who may see them, the exports and their audit, and bad input."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa

from conference import create_app
from conference.accounts.models import Role, RoleGrant
from conference.actions.choices import ActionStatus
from conference.audit.models import AuditEvent
from conference.config import ConfigError
from conference.db import utcnow
from conference.extensions import db
from conference.referrals.choices import Ethnicity, Gender
from conference.referrals.services import today_in
from conference.reports.periods import last_full_quarter
from tests import factories
from tests.conftest import sign_in
from tests.reports.conftest import action, at, build_record, discussed, research

Q3 = "marac={marac}&quarter=2026-Q3"


@pytest.fixture
def coordinator(app, record):
    return sign_in(app.test_client(), record.coordinator)


def events(verb: str) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == verb)))


def test_the_coordinator_sees_the_return_with_charts_beside_the_tables(coordinator, record):
    page = coordinator.get("/reports/return?" + Q3.format(marac=record.marac.id))
    assert page.status_code == 200
    html = page.text
    assert "July to September 2026" in html
    for key in (
        "conferences",
        "repeats",
        "referrers",
        "consent",
        "equality",
        "volume",
        "research",
        "completion",
        "overdue",
        "voice",
        "minutes",
        "waits",
        "wait_spread",
    ):
        assert f'data-table="{key}"' in html and f'data-chart="{key}"' in html, key
    assert "Victim A" not in html and record.cases["a"].reference not in html
    assert events("reports.viewed")[0].detail == {"start": "2026-07-01", "end": "2026-09-30"}


def test_the_last_full_quarter_is_shown_unless_asked(coordinator, record):
    html = coordinator.get("/reports/return").text
    expected = last_full_quarter(today_in(record.marac, utcnow()))
    assert f'<h2 class="govuk-heading-l" id="period">{expected.label}</h2>' in html
    assert "(so far)" in html  # the running quarter can be chosen too


def test_csv_export_hides_small_counts_and_is_audited(coordinator, record):
    response = coordinator.get("/reports/return/referrers.csv?" + Q3.format(marac=record.marac.id))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["OFFICIAL-SENSITIVE"]
    assert rows[1] == ["Referring agency", "Count", "Percentage of cases discussed (%)"]
    police = next(row for row in rows if row[0] == record.agencies["police"].name)
    assert police[1:] == ["fewer than 5", "not shown"]
    never = next(row for row in rows if row[0] == record.agencies["childrens_services"].name)
    assert never[1:] == ["0", "0.0"]
    [event] = events("reports.exported")
    assert event.detail == {"start": "2026-07-01", "end": "2026-09-30", "table": "referrers"}
    assert event.marac_id == record.marac.id


def test_the_count_shared_without_consent_is_exported_and_audited(coordinator, record):
    response = coordinator.get("/reports/return/consent.csv?" + Q3.format(marac=record.marac.id))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    assert [row[0] for row in rows[2:]] == [
        "Shared with their consent",
        "Shared without their consent",
        "Consent not recorded",
    ]
    # The hand-worked record says nothing about consent: all six not recorded.
    assert rows[2][1:] == ["0", "0.0"] and rows[4][1:] == ["6", "100.0"]
    [event] = events("reports.exported")
    assert event.detail["table"] == "consent"


def test_the_minimum_is_configurable(app, record):
    app.config["DATA_RETURN_MINIMUM"] = 3
    client = sign_in(app.test_client(), record.coordinator)
    text = client.get("/reports/return/referrers.csv?" + Q3.format(marac=record.marac.id)).text
    police = next(
        r for r in csv.reader(io.StringIO(text)) if r[0] == record.agencies["police"].name
    )
    assert police[1:] == ["3", "50.0"]


def test_print_page_hides_small_counts_and_is_audited(coordinator, record):
    page = coordinator.get("/reports/return/print?" + Q3.format(marac=record.marac.id))
    assert page.status_code == 200
    assert "fewer than 5" in page.text and 'data-chart="equality"' in page.text
    assert len(events("reports.printed")) == 1
    # August alone: two cases. Neither the count nor the rates that would give it back show.
    august = "quarter=other&start=1&start=8&start=2026&end=31&end=8&end=2026"
    html = coordinator.get(f"/reports/return/print?marac={record.marac.id}&{august}").text
    figures = html.split('class="app-key-figures"', 1)[1].split("</dl>", 1)[0]
    assert "fewer than 5" in figures and "not shown" in figures
    assert ">2<" not in figures and "recommended" not in figures


def test_unknown_table_is_not_found(coordinator, record):
    url = "/reports/return/nothing.csv?" + Q3.format(marac=record.marac.id)
    assert coordinator.get(url).status_code == 404
    assert events("reports.exported") == []


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("quarter=other", "start", "Enter the first day the return covers"),
        ("quarter=other&start=31&start=2&start=2026&end=1&end=3&end=2026", "start",
         "From must be a real date"),
        ("quarter=other&start=1&start=3&start=2026&end=1&end=2&end=2026", "end",
         "The last day must be the same as or after the first day"),
        ("quarter=other&start=1&start=3&start=2099&end=1&end=4&end=2099", "start",
         "The first day must be today or in the past"),
        ("quarter=other&start=1&start=1&start=2001&end=1&end=1&end=2026", "end",
         "A return can cover at most five years"),
        ("quarter=2026-Q9", "quarter", "Choose a quarter from the list"),
        ("quarter=2100-Q4", "quarter", "Choose a quarter that has begun"),
    ],
)  # fmt: skip
def test_bad_periods_say_what_is_wrong_by_the_field(coordinator, record, query, field, message):
    page = coordinator.get(f"/reports/return?marac={record.marac.id}&{query}")
    assert page.status_code == 400
    assert message in page.text and "There is a problem" in page.text
    assert f'href="#{field}' in page.text
    assert 'data-table="' not in page.text
    # What was typed stays in the boxes.
    if "start=31" in query:
        assert 'value="31"' in page.text


def test_other_dates_give_their_own_return(coordinator, record):
    query = "quarter=other&start=1&start=7&start=2026&end=31&end=7&end=2026"
    page = coordinator.get(f"/reports/return?marac={record.marac.id}&{query}")
    assert page.status_code == 200
    assert "1 July 2026 to 31 July 2026" in page.text
    link = f"/reports/return/conferences.csv?marac={record.marac.id}&{query}"
    rows = list(csv.reader(io.StringIO(coordinator.get(link).text)))
    assert [row[0] for row in rows[2:]] == ["1 July 2026", "9 July 2026", "All conferences"]


@pytest.mark.parametrize("role", [Role.CHAIR, Role.ADVOCATE, Role.AGENCY_REP, Role.ADMIN])
def test_only_coordinators_see_the_return(app, record, role):
    user = factories.make_user(role, marac=record.marac if role is not Role.ADMIN else None)
    client = sign_in(app.test_client(), user)
    for url in ("/reports/return", "/reports/return/print", "/reports/return/volume.csv"):
        assert client.get(url + "?quarter=2026-Q3").status_code == 403, url
    assert events("reports.exported") == []


def test_an_administrator_holding_the_coordinator_role_sees_it(app, record):
    admin = factories.make_user(Role.ADMIN)
    db.session.add(RoleGrant(user_id=admin.id, marac_id=record.marac.id, role=Role.COORDINATOR))
    db.session.commit()
    client = sign_in(app.test_client(), admin)
    assert client.get("/reports/return?quarter=2026-Q3").status_code == 200


def test_a_coordinator_cannot_ask_for_another_marac(app, record):
    other = build_record()
    client = sign_in(app.test_client(), other.coordinator)
    for url in ("/reports/return", "/reports/return/print", "/reports/return/volume.csv"):
        found = client.get(f"{url}?marac={record.marac.id}&quarter=2026-Q3")
        assert found.status_code == 404, url
        assert record.marac.name not in found.text
    assert client.get(f"/reports/return?marac={other.marac.id}").status_code == 200


def test_queries_per_report_stay_constant(app, record, count_queries):
    client = sign_in(app.test_client(), record.coordinator)
    url = "/reports/return?" + Q3.format(marac=record.marac.id)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for n in range(12):
        key = f"extra{n}"
        discussed(
            record,
            key,
            "august",
            "health",
            n % 2 == 0,
            n % 3,
            date(2026, 8, 1),
            Gender.FEMALE,
            Ethnicity.ASIAN,
            None,
            None,
            None,
            False,
            True,
            n % 2 == 0,
        )
        research(record, key, "police", before=True)
        action(record, key, "housing", date(2026, 9, 1), ActionStatus.DONE, at(date(2026, 9, 2)))
        action(record, key, "health", date(2026, 9, 3), ActionStatus.OPEN, None)
    db.session.commit()
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)


@pytest.mark.parametrize("minimum", [0, -3, "5", 2.5, True, 101])
def test_the_app_refuses_to_start_with_a_minimum_that_would_hide_nothing_or_fail(minimum):
    settings = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}
    with pytest.raises(ConfigError, match="DATA_RETURN_MINIMUM"):
        create_app("testing", {**settings, "DATA_RETURN_MINIMUM": minimum})
    assert create_app("testing", {**settings, "DATA_RETURN_MINIMUM": 10})
