"""Logging and working a system issue: its rules, its history, and words that name nobody."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from conference.accounts.models import Role
from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.system_issues import services
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.models import IssueChange
from conference.system_issues.services import IssueConflict, log_issue, names_in, update_issue
from tests import factories

REVIEW = date(2027, 3, 1)
WORDS = "Research requests to the health trust go unanswered when the named nurse is away."


@pytest.fixture
def setting(app):
    marac = factories.make_marac()
    health = factories.make_agency(maracs=[marac])
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    case = factories.accepted_case(
        marac,
        given_name="Imogen",
        family_name="Quarrington",
        children=1,
        perpetrators=[
            {"given_name": "Desmond", "family_name": "Ashby", "aliases": "Dez"},
            {"given_name": "Ross", "family_name": "McAllister"},
        ],
    )
    return marac, health, coordinator, case


def log(setting, **changes):
    marac, health, coordinator, case = setting
    values = {
        "category": IssueCategory.AGENCY_PRACTICE,
        "agency": health,
        "description": WORDS,
        "owner": "Named nurse lead, health trust",
        "review_on": REVIEW,
        "cases": [case],
        "conference_id": None,
        "actor": coordinator,
        "now": utcnow(),
        **changes,
    }
    issue = log_issue(marac, **values)
    db.session.commit()
    return issue


def test_an_issue_is_logged_with_its_cases_history_and_an_audit_event_without_its_words(setting):
    issue = log(setting)
    assert issue.status is IssueStatus.OPEN and issue.version == 1
    assert [c.case_reference for c in issue.cases] == [setting[3].reference]
    changes = db.session.scalars(sa.select(IssueChange).where(IssueChange.issue_id == issue.id))
    assert [(c.from_status, c.to_status, c.owner) for c in changes] == [
        (None, IssueStatus.OPEN, "Named nurse lead, health trust")
    ]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "system_issue.raised"))
    assert event.detail == {"category": "agency_practice", "cases": 1, "at_meeting": None}
    assert "nurse" not in str(event.detail)


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("Imogen was not told the outcome", "Imogen"),
        ("The Quarrington household had no visit", "Quarrington"),
        ("Mr ASHBY was bailed without conditions", "Ashby"),
        ("The McAllister case", "McAllister"),
        ("Police held Dez overnight only", "Dez"),
        ("Child1 was not seen at school", "Child1"),
    ],
)
def test_words_naming_anyone_in_the_case_are_refused_beside_the_field(setting, words, named):
    with pytest.raises(ValidationFailed, match=named) as refused:
        log(setting, description=words)
    assert refused.value.field == "description"
    db.session.rollback()
    with pytest.raises(ValidationFailed, match=named):
        log(setting, owner=words[:100])


def test_a_name_that_is_also_a_common_word_is_refused_only_as_a_name():
    # "Rose" is a name; "rose" (the risk rose) is not one.
    assert names_in("The risk rose after the move", ["Rose Hill"]) is None
    assert names_in("Rose was not told", ["Rose Hill"]) == "Rose"
    # Words of fewer than three letters cannot be told from ordinary words.
    assert names_in("Jo and Li were not seen", ["Jo Li"]) is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"cases": []}, "cases", "at least one case"),
        ({"description": "   "}, "description", "Describe the issue"),
        ({"description": "x" * 2001}, "description", "2000 characters"),
        ({"agency": None}, "agency_id", "whose practice"),
    ],
)
def test_what_an_issue_needs(setting, changes, field, message):
    with pytest.raises(ValidationFailed, match=message) as refused:
        log(setting, **changes)
    assert refused.value.field == field


def test_a_case_or_an_agency_of_another_marac_is_refused(setting):
    elsewhere = factories.make_marac()
    with pytest.raises(ValidationFailed, match="Choose cases from the list") as refused:
        log(setting, cases=[factories.accepted_case(elsewhere)])
    assert refused.value.field == "cases"
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="Choose an agency from the list"):
        log(setting, agency=factories.make_agency(maracs=[elsewhere]))


def test_cases_are_found_by_reference_and_unknown_ones_named(setting):
    marac, _, _, case = setting
    other = factories.accepted_case(marac)
    found = services.cases_by_reference(marac, f"{case.reference.lower()}, {other.reference}")
    assert {c.id for c in found} == {case.id, other.id}
    with pytest.raises(ValidationFailed, match="XX-2026-9999") as refused:
        services.cases_by_reference(marac, f"{case.reference} XX-2026-9999")
    assert refused.value.field == "cases"


def test_the_steering_group_records_the_outcome_and_a_coordinator_reopens_it(setting):
    issue = log(setting)
    marac = setting[0]
    steering = factories.make_user(Role.STEERING, marac=marac)
    update_issue(
        issue,
        status=IssueStatus.RESOLVED,
        owner=issue.owner,
        review_on=issue.review_on,
        note="The trust named a deputy for research requests.",
        version=1,
        actor=steering,
        now=utcnow(),
    )
    db.session.commit()
    assert issue.status is IssueStatus.RESOLVED
    assert issue.outcome == "The trust named a deputy for research requests."
    update_issue(
        issue,
        status=IssueStatus.OPEN,
        owner="Head of safeguarding, health trust",
        review_on=date(2027, 6, 1),
        note="Requests unanswered again in May.",
        version=2,
        actor=setting[2],
        now=utcnow(),
    )
    db.session.commit()
    changes = list(
        db.session.scalars(
            sa.select(IssueChange).where(IssueChange.issue_id == issue.id).order_by(IssueChange.id)
        )
    )
    assert [(c.from_status, c.to_status, c.by_id) for c in changes] == [
        (None, IssueStatus.OPEN, setting[2].id),
        (IssueStatus.OPEN, IssueStatus.RESOLVED, steering.id),
        (IssueStatus.RESOLVED, IssueStatus.OPEN, setting[2].id),
    ]
    assert changes[-1].owner == "Head of safeguarding, health trust"


def test_resolving_needs_the_outcome_and_a_stale_copy_is_refused(setting):
    issue = log(setting)
    coordinator = setting[2]
    common = {"owner": issue.owner, "review_on": issue.review_on, "actor": coordinator}
    with pytest.raises(InvalidTransition, match="came of it"):
        update_issue(issue, status=IssueStatus.RESOLVED, note="", version=1, now=utcnow(), **common)
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="Change the owner"):
        update_issue(issue, status=IssueStatus.OPEN, note="", version=1, now=utcnow(), **common)
    db.session.rollback()
    with pytest.raises(IssueConflict):
        update_issue(issue, status=IssueStatus.OPEN, note="x", version=7, now=utcnow(), **common)


def test_the_chair_may_log_but_not_settle_an_issue(setting):
    issue = log(setting)
    chair = factories.make_user(Role.CHAIR, marac=setting[0])
    from conference.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        update_issue(
            issue,
            status=IssueStatus.RESOLVED,
            owner="",
            review_on=REVIEW,
            note="Done",
            version=1,
            actor=chair,
            now=utcnow(),
        )
