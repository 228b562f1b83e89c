"""The system issues log's pages: who may read, log and work them; what the steering group
never sees; a stale save (409, both versions, nothing lost); and queries that do not grow."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.models import SystemIssue
from conference.system_issues.services import log_issue
from tests import factories

WORDS = "Housing options closes at four, so evening requests wait until the next day."


def make_issue(marac, case, coordinator, *, words=WORDS, status=IssueStatus.OPEN):
    issue = log_issue(
        marac,
        category=IssueCategory.RESOURCES,
        agency=None,
        description=words,
        owner="Head of housing options",
        review_on=date(2027, 3, 1),
        cases=[case],
        conference_id=None,
        actor=coordinator,
        now=utcnow(),
    )
    if status is IssueStatus.RESOLVED:
        issue.status, issue.outcome = status, "An out-of-hours line now takes them."
    db.session.commit()
    return issue


@pytest.fixture
def log(app):
    marac = factories.make_marac()
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    case = factories.accepted_case(marac, given_name="Imogen", family_name="Quarrington")
    return make_issue(marac, case, coordinator), marac, case, coordinator


ROLES = [
    # role, the log, an issue, logging a new one, working an issue
    ("coordinator", 200, 200, 200, 303),
    ("steering", 200, 200, 403, 303),
    ("chair", 200, 200, 403, 403),
    ("advocate", 403, 404, 403, 404),
    ("agency_rep", 403, 404, 403, 404),
    ("admin", 403, 404, 403, 404),
    ("other_steering", 200, 404, 403, 404),
]


@pytest.mark.parametrize(("role", "index", "page", "new", "change"), ROLES)
def test_each_role_allowed_or_refused_on_each_page(client_as, log, role, index, page, new, change):
    issue, marac, *_ = log
    if role == "other_steering":
        client = client_as("steering")  # of another MARAC: the log is theirs, empty
    elif role == "admin":
        client = client_as("admin")
    else:
        client = client_as(role, marac=marac)
    assert client.get("/system-issues/").status_code == index
    assert client.get(f"/system-issues/{issue.id}").status_code == page
    assert client.get("/system-issues/new").status_code == new
    resp = client.post(
        f"/system-issues/{issue.id}",
        data={
            "status": "resolved",
            "owner": "Head of housing options",
            "review_on": ["1", "3", "2027"],
            "note": "An out-of-hours line now takes them",
            "version": "1",
        },
    )
    assert resp.status_code == change
    db.session.expire_all()
    expected = IssueStatus.RESOLVED if change == 303 else IssueStatus.OPEN
    assert db.session.get(SystemIssue, issue.id).status is expected


def test_the_steering_group_and_the_chair_read_the_log_without_a_case(client_as, log):
    issue, marac, case, _ = log
    for role in ("steering", "chair"):
        client = client_as(role, marac=marac)
        before = db.session.scalar(sa.select(sa.func.max(AuditEvent.id)))
        for path in ("/system-issues/", f"/system-issues/{issue.id}"):
            text = client.get(path).text
            assert WORDS[:40] in text
            for secret in (case.reference, "Imogen", "Quarrington", f"/cases/{case.id}"):
                assert secret not in text, (role, path, secret)
        verbs = db.session.scalars(sa.select(AuditEvent.verb).where(AuditEvent.id > before))
        assert not [v for v in verbs if v.startswith("system_issue")]


def test_the_coordinator_sees_the_cases_and_the_reading_is_kept(client_as, log, as_user):
    issue, marac, case, coordinator = log
    client = as_user(coordinator)
    assert case.reference in client.get("/system-issues/").text
    page = client.get(f"/system-issues/{issue.id}").text
    assert f'href="/cases/{case.id}"' in page
    events = db.session.scalars(
        sa.select(AuditEvent.verb).where(AuditEvent.user_id == coordinator.id)
    ).all()
    assert "system_issues.listed" in events and "system_issue.listed" in events


def test_the_log_filters_by_status(as_user, log):
    issue, marac, case, coordinator = log
    resolved = make_issue(marac, case, coordinator, words="Interpreters booked too late.",
                          status=IssueStatus.RESOLVED)  # fmt: skip
    client = as_user(coordinator)
    both = client.get("/system-issues/").text
    assert f'id="issue-{issue.id}"' in both and f'id="issue-{resolved.id}"' in both
    assert "Open (1)" in both and "Resolved (1)" in both
    only = client.get("/system-issues/?status=resolved").text
    assert f'id="issue-{resolved.id}"' in only and f'id="issue-{issue.id}"' not in only
    assert f'id="issue-{issue.id}"' in client.get("/system-issues/?status=nonsense").text


def test_a_coordinator_logs_an_issue_from_a_case(as_user, log):
    _, marac, case, coordinator = log
    client = as_user(coordinator)
    form = client.get(f"/system-issues/new?case={case.id}").text
    assert f'value="{case.reference}"' in form
    resp = client.post(
        "/system-issues/new",
        data={
            "marac_id": str(marac.id),
            "cases": case.reference,
            "category": "between_agencies",
            "agency_id": "",
            "description": "Bail conditions are not passed to the IDVA service.",
            "owner": "",
            "review_on": ["1", "2", "2027"],
        },
    )
    assert resp.status_code == 303
    issue = db.session.scalar(sa.select(SystemIssue).order_by(SystemIssue.id.desc()))
    assert resp.headers["Location"].endswith(f"/system-issues/{issue.id}")
    assert issue.category is IssueCategory.BETWEEN_AGENCIES and issue.review_on == date(2027, 2, 1)
    assert [c.case_id for c in issue.cases] == [case.id]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cases": "NB-1999-0001"}, "has the reference NB-1999-0001"),
        ({"description": "Imogen was not called back"}, "“Imogen” is the name of someone"),
        ({"description": ""}, "Describe the issue"),
        ({"category": "weather"}, "Not a valid choice"),
        ({"review_on": ["1", "1", "2020"]}, "today or later"),
        ({"review_on": ["1", "1", "2099"]}, "within 2 years"),
        ({"category": "agency_practice"}, "whose practice it is about"),
    ],
)
def test_a_bad_new_issue_is_refused_beside_the_field_keeping_what_was_typed(
    as_user, log, changes, message
):
    _, marac, case, coordinator = log
    data = {
        "marac_id": str(marac.id),
        "cases": case.reference,
        "category": "resources",
        "agency_id": "",
        "description": "Refuge places run out each winter and nobody plans for it.",
        "owner": "Commissioning lead",
        "review_on": ["1", "2", "2027"],
        **changes,
    }
    count = db.session.scalar(sa.select(sa.func.count(SystemIssue.id)))
    resp = as_user(coordinator).post("/system-issues/new", data=data)
    assert resp.status_code == 422
    assert message in resp.text
    assert "Commissioning lead" in resp.text  # what was typed is kept
    assert message in resp.text.split('class="govuk-error-summary"')[-1]  # beside the field
    assert db.session.scalar(sa.select(sa.func.count(SystemIssue.id))) == count


def test_two_people_saving_the_same_issue_get_both_versions(as_user, client_as, log):
    issue, marac, _, coordinator = log
    steering = client_as("steering", marac=marac)
    form = {
        "status": "open",
        "owner": "Head of housing options",
        "review_on": ["1", "4", "2027"],
        "version": "1",
    }
    first = as_user(coordinator).post(
        f"/system-issues/{issue.id}", data={**form, "note": "Raised with the housing director"}
    )
    assert first.status_code == 303
    second = steering.post(
        f"/system-issues/{issue.id}",
        data={**form, "status": "resolved", "note": "Out-of-hours line agreed at the board"},
    )
    assert second.status_code == 409
    assert "Someone else changed this issue first" in second.text
    assert "Raised with the housing director" in second.text  # theirs
    assert "Out-of-hours line agreed at the board" in second.text  # yours, kept in the form
    assert 'name="version" type="hidden" value="2"' in second.text
    db.session.expire_all()
    assert db.session.get(SystemIssue, issue.id).status is IssueStatus.OPEN


def test_the_log_runs_a_fixed_number_of_queries_as_issues_grow(as_user, log, count_queries):
    _, marac, case, coordinator = log
    client = as_user(coordinator)
    client.get("/system-issues/")
    with count_queries() as before:
        client.get("/system-issues/")
    for n in range(4):
        make_issue(marac, factories.accepted_case(marac), coordinator, words=f"Gap number {n}.")
    with count_queries() as after:
        client.get("/system-issues/")
    assert len(after) == len(before)


def test_the_form_names_its_groups_of_choices(as_user, log):
    issue, marac, case, coordinator = log
    page = as_user(coordinator).get(f"/system-issues/{issue.id}").text
    assert re.search(r"govuk-fieldset__legend[^>]*>\s*Where does it stand\?", page)
    new = as_user(coordinator).get("/system-issues/new").text
    assert re.search(r"govuk-fieldset__legend[^>]*>\s*What kind of issue is it\?", new)
