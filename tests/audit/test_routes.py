"""The audit log viewer: who may see it, whose events they see, filters and pages."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Role, RoleGrant
from conference.audit import context as audit_context
from conference.audit import queries as audit_queries
from conference.audit.models import AuditEvent
from conference.extensions import db
from tests import factories
from tests.conftest import sign_in

BASE = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@dataclass
class Referral:
    """Stands in for any audited object: the audit trail only needs its class name and id."""

    id: int
    marac_id: int | None = None


@dataclass
class Meeting:
    id: int
    marac_id: int | None = None


def add_event(
    tag: str,
    *,
    verb: str = "case.viewed",
    actor=None,
    obj=None,
    marac=None,
    at: datetime = BASE,
    ip: str | None = None,
) -> None:
    """Record an event with the tag in its detail (listed_tags finds it on the page)."""
    origin = audit_context.Origin(ip=ip, source="web" if ip else "test")
    with audit_context.bound(origin):
        audit.record(
            actor, verb, obj, marac_id=marac.id if marac else None, detail={"tag": tag}, now=at
        )
    db.session.commit()


def listed_tags(resp) -> list[str]:
    """The tags of the events in the results table, in the order shown (the page reads an
    event out in words; each row names its event, whose detail holds the test's tag)."""
    parts = resp.text.split('id="audit-events"', 1)
    if len(parts) == 1:
        return []
    ids = [int(i) for i in re.findall(r'id="event-(\d+)"', parts[1].split("</table>", 1)[0])]
    tags = {e.id: e.detail.get("tag") for e in db.session.scalars(sa.select(AuditEvent))}
    return [tags[i] for i in ids if tags.get(i)]


def field_error(resp, field: str) -> str | None:
    """The error message shown beside a filter field, if any."""
    found = re.search(rf'<p id="{field}-error"[^>]*>([\s\S]*?)</p>', resp.text)
    if found is None:
        return None
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


# --- Who may look --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [
        ("admin", 200),
        ("coordinator", 200),
        ("chair", 403),
        ("advocate", 403),
        ("agency_rep", 403),
    ],
)
def test_audit_log_access(client_as, role, status):
    assert client_as(role).get("/audit/").status_code == status


def test_audit_log_sends_anonymous_visitors_to_sign_in(client):
    resp = client.get("/audit/")

    assert resp.status_code in (302, 303)
    assert resp.headers["Location"].startswith("/sign-in")


def test_a_refused_visitor_leaves_no_search_record(client_as):
    client_as("chair").get("/audit/")

    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.verb == "audit.searched"))
        == 0
    )


# --- Whose events ----------------------------------------------------------------------------


@pytest.fixture
def two_maracs_events(app):
    marac_a = factories.make_marac("Northbridge MARAC")
    marac_b = factories.make_marac("Southmoor MARAC")
    add_event("a1", marac=marac_a, at=BASE)
    add_event("a2", marac=marac_a, obj=Referral(3, marac_id=marac_a.id), at=BASE + timedelta(1))
    add_event("b1", marac=marac_b, at=BASE + timedelta(2))
    add_event("none1", at=BASE + timedelta(3))
    return marac_a, marac_b


def test_a_coordinator_sees_only_events_of_the_maracs_they_coordinate(client_as, two_maracs_events):
    marac_a, _ = two_maracs_events

    resp = client_as("coordinator", marac=marac_a).get("/audit/")

    assert resp.status_code == 200
    assert listed_tags(resp) == ["a2", "a1"]
    assert "2 events" in resp.text


def test_a_coordinator_of_one_marac_and_chair_of_another_sees_only_the_first(
    app, two_maracs_events
):
    marac_a, marac_b = two_maracs_events
    user = factories.make_user("coordinator", marac=marac_a)
    user.role_grants.append(RoleGrant(role=Role.CHAIR, marac=marac_b))
    db.session.commit()
    client = sign_in(app.test_client(), user)

    assert listed_tags(client.get("/audit/")) == ["a2", "a1"]


def test_a_coordinator_cannot_reach_other_events_through_filters(client_as, two_maracs_events):
    marac_a, marac_b = two_maracs_events
    add_event("b-closed", verb="case.closed", marac=marac_b, ip="192.0.2.99")
    add_event("none-closed", verb="case.closed", ip="192.0.2.99")
    client = client_as("coordinator", marac=marac_a)

    assert listed_tags(client.get("/audit/?verb=case.closed")) == []
    assert listed_tags(client.get("/audit/?ip=192.0.2.99")) == []
    assert listed_tags(client.get("/audit/?object_type=Referral")) == ["a2"]


def test_a_coordinator_sees_sign_ins_of_staff_in_their_marac_only(app, client_as):
    marac_a = factories.make_marac("Northbridge MARAC")
    marac_b = factories.make_marac("Southmoor MARAC")
    staff_a = factories.make_user("agency_rep", marac=marac_a)
    staff_b = factories.make_user("agency_rep", marac=marac_b)
    add_event("signin-a", verb="auth.login_succeeded", actor=staff_a)
    add_event("signin-b", verb="auth.login_succeeded", actor=staff_b)

    seen_by_a = listed_tags(client_as("coordinator", marac=marac_a).get("/audit/"))
    seen_by_b = listed_tags(client_as("coordinator", marac=marac_b).get("/audit/"))

    assert "signin-a" in seen_by_a and "signin-b" not in seen_by_a
    assert "signin-b" in seen_by_b and "signin-a" not in seen_by_b


def test_filter_choices_only_name_what_the_reader_may_see(client_as, two_maracs_events):
    marac_a, marac_b = two_maracs_events
    add_event("b-secret", verb="case.only_in_b", marac=marac_b)

    page = client_as("coordinator", marac=marac_a).get("/audit/").text

    assert "case.only_in_b" not in page


def test_an_admin_sees_every_event(client_as, two_maracs_events):
    resp = client_as("admin").get("/audit/")

    assert listed_tags(resp) == ["none1", "b1", "a2", "a1"]


# --- Filters --------------------------------------------------------------------------------


def test_filter_by_verb(client_as):
    add_event("v1", verb="case.viewed", at=BASE)
    add_event("v2", verb="case.updated", at=BASE + timedelta(minutes=1))
    add_event("v3", verb="case.viewed", at=BASE + timedelta(minutes=2))

    resp = client_as("admin").get("/audit/?verb=case.viewed")

    assert resp.status_code == 200
    assert listed_tags(resp) == ["v3", "v1"]


def test_filter_by_user_email_in_any_letter_case(client_as, app):
    alice = factories.make_user("advocate", email="alice@testshire.example")
    bob = factories.make_user("advocate", email="bob@testshire.example")
    add_event("alice1", actor=alice, at=BASE)
    add_event("bob1", actor=bob, at=BASE + timedelta(minutes=1))
    add_event("alice2", actor=alice, at=BASE + timedelta(minutes=2))
    add_event("nobody", at=BASE + timedelta(minutes=3))

    resp = client_as("admin").get("/audit/", query_string={"user_email": "Alice@Testshire.example"})

    assert resp.status_code == 200
    assert listed_tags(resp) == ["alice2", "alice1"]
    assert "alice@testshire.example" in resp.text


def test_filter_by_object_type_and_id(client_as):
    add_event("ref7", obj=Referral(7), at=BASE)
    add_event("ref8", obj=Referral(8), at=BASE + timedelta(minutes=1))
    add_event("meet7", obj=Meeting(7), at=BASE + timedelta(minutes=2))
    add_event("ref7-again", obj=Referral(7), at=BASE + timedelta(minutes=3))
    client = client_as("admin")

    by_type = client.get("/audit/?object_type=Referral")
    by_both = client.get("/audit/?object_type=Referral&object_id=7")
    by_id = client.get("/audit/?object_id=7")

    assert listed_tags(by_type) == ["ref7-again", "ref8", "ref7"]
    assert listed_tags(by_both) == ["ref7-again", "ref7"]
    assert listed_tags(by_id) == ["ref7-again", "meet7", "ref7"]


def test_filter_by_date_range_includes_both_days(client_as):
    add_event("d1", at=datetime(2026, 3, 4, 23, 59, tzinfo=UTC))
    add_event("d2", at=datetime(2026, 3, 5, 0, 0, tzinfo=UTC))
    add_event("d3", at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    add_event("d4", at=datetime(2026, 3, 15, 23, 59, tzinfo=UTC))
    add_event("d5", at=datetime(2026, 3, 16, 0, 0, tzinfo=UTC))
    client = client_as("admin")

    both = client.get("/audit/?on_or_after=2026-03-05&on_or_before=2026-03-15")
    from_only = client.get("/audit/?on_or_after=2026-03-10")
    to_only = client.get("/audit/?on_or_before=2026-03-10")
    one_day = client.get("/audit/?on_or_after=2026-03-10&on_or_before=2026-03-10")

    assert listed_tags(both) == ["d4", "d3", "d2"]
    assert listed_tags(from_only) == ["d5", "d4", "d3"]
    assert listed_tags(to_only) == ["d3", "d2", "d1"]
    assert listed_tags(one_day) == ["d3"]


def test_date_filters_are_uk_days_in_summer_time(client_as):
    # 30 June 23:30 UTC is 1 July 00:30 in the UK (BST), so it belongs to 1 July.
    add_event("late-30-june", at=datetime(2026, 6, 30, 22, 30, tzinfo=UTC))
    add_event("early-1-july", at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))
    client = client_as("admin")

    assert listed_tags(client.get("/audit/?on_or_before=2026-06-30")) == ["late-30-june"]
    assert listed_tags(client.get("/audit/?on_or_after=2026-07-01")) == ["early-1-july"]


def test_filter_by_ip_address(client_as):
    add_event("from-10", ip="192.0.2.10", at=BASE)
    add_event("from-11", ip="192.0.2.11", at=BASE + timedelta(minutes=1))
    add_event("from-v6", ip="2001:db8::1", at=BASE + timedelta(minutes=2))
    add_event("job", at=BASE + timedelta(minutes=3))
    client = client_as("admin")

    assert listed_tags(client.get("/audit/?ip=192.0.2.10")) == ["from-10"]
    assert listed_tags(client.get("/audit/?ip=2001:db8::1")) == ["from-v6"]


def test_filters_combine(client_as):
    alice = factories.make_user("advocate", email="alice@testshire.example")
    add_event("match", verb="case.viewed", actor=alice, ip="192.0.2.10", at=BASE)
    add_event("wrong-verb", verb="case.updated", actor=alice, ip="192.0.2.10", at=BASE)
    add_event("wrong-ip", verb="case.viewed", actor=alice, ip="192.0.2.11", at=BASE)
    add_event("no-user", verb="case.viewed", ip="192.0.2.10", at=BASE)

    resp = client_as("admin").get(
        "/audit/",
        query_string={"verb": "case.viewed", "user_email": alice.email, "ip": "192.0.2.10"},
    )

    assert listed_tags(resp) == ["match"]


def test_a_to_date_before_the_from_date_is_refused(client_as):
    add_event("e1")

    resp = client_as("admin").get("/audit/?on_or_after=2026-03-10&on_or_before=2026-03-09")

    assert resp.status_code == 422
    assert field_error(resp, "on_or_before") == (
        "Error: The 'to' date must be the same as or after the 'from' date"
    )


def test_an_unknown_user_email_is_refused(client_as):
    resp = client_as("admin").get("/audit/?user_email=nobody@testshire.example")

    assert resp.status_code == 422
    assert field_error(resp, "user_email") == "Error: No user has this email address"


@pytest.mark.parametrize(
    "field, value",
    [
        ("on_or_after", "yesterday"),
        ("on_or_before", "2026-02-30"),
        ("on_or_after", "10/03/2026"),
    ],
)
def test_a_garbage_date_is_refused(client_as, field, value):
    resp = client_as("admin").get("/audit/", query_string={field: value})

    assert resp.status_code == 422
    assert "There is a problem" in resp.text
    assert (field_error(resp, field) or "").startswith("Error: Enter a real date for")


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("user_email", "not-an-email", "Enter an email address like name@example.org"),
        ("ip", "999.1.1.1", "Enter an IP address like 192.0.2.10"),
        ("object_id", "0", "Enter a whole number, 1 or more"),
    ],
)
def test_other_invalid_filters_are_refused_with_their_message(client_as, field, value, message):
    resp = client_as("admin").get("/audit/", query_string={field: value})

    assert resp.status_code == 422
    assert field_error(resp, field) == f"Error: {message}"


# --- Pages ----------------------------------------------------------------------------------


@pytest.fixture
def coordinator_with_events(app, client_as):
    """A coordinator's client, and n events in their MARAC, one minute apart, tagged e01..."""
    marac = factories.make_marac()
    client = client_as("coordinator", marac=marac)

    def add(n: int, start: int = 1) -> None:
        for i in range(start, start + n):
            actor = factories.make_user("advocate", marac=marac, password=None)
            add_event(f"e{i:02d}", actor=actor, marac=marac, at=BASE + timedelta(minutes=i))

    return client, add


def test_events_are_split_into_pages_newest_first(app, coordinator_with_events):
    app.config["AUDIT_PAGE_SIZE"] = 5
    client, add = coordinator_with_events
    add(12)

    # Filtered to the events added, since the coordinator's own searches are listed too.
    first = client.get("/audit/?verb=case.viewed")
    second = client.get("/audit/?verb=case.viewed&page=2")
    third = client.get("/audit/?verb=case.viewed&page=3")

    assert "12 events, page 1 of 3" in first.text
    assert listed_tags(first) == ["e12", "e11", "e10", "e09", "e08"]
    assert "12 events, page 2 of 3" in second.text
    assert listed_tags(second) == ["e07", "e06", "e05", "e04", "e03"]
    assert listed_tags(third) == ["e02", "e01"]
    assert 'href="/audit/?page=3&amp;verb=case.viewed"' in second.text
    assert 'href="/audit/?page=1&amp;verb=case.viewed"' in second.text


def test_past_the_count_limit_the_log_says_more_and_pages_through_those_counted(
    app, coordinator_with_events, monkeypatch
):
    monkeypatch.setattr(audit_queries, "COUNT_LIMIT", 10)
    app.config["AUDIT_PAGE_SIZE"] = 5
    client, add = coordinator_with_events
    add(12)

    first = client.get("/audit/?verb=case.viewed")
    beyond = client.get("/audit/?verb=case.viewed&page=3")

    assert "More than 10 events, page 1 of the first 2" in first.text
    assert "Narrow the filters" in first.text
    assert listed_tags(first) == ["e12", "e11", "e10", "e09", "e08"]
    assert "page 2 of the first 2" in beyond.text  # as far as was counted
    assert listed_tags(beyond) == ["e07", "e06", "e05", "e04", "e03"]
    narrowed = client.get(
        f"/audit/?verb=case.viewed&on_or_before={(BASE + timedelta(days=1)).date().isoformat()}"
        "&page=1"
    )
    assert narrowed.status_code == 200


def test_the_log_costs_the_same_queries_however_many_events(
    app, coordinator_with_events, count_queries
):
    client, add = coordinator_with_events
    add(3)
    client.get("/audit/?verb=case.viewed")  # the session's first touch written
    with count_queries() as few:
        client.get("/audit/?verb=case.viewed")
    add(40, start=4)
    with count_queries() as many:
        client.get("/audit/?verb=case.viewed")
    assert len(many) == len(few)


def test_a_page_past_the_end_shows_the_last_page(app, coordinator_with_events):
    app.config["AUDIT_PAGE_SIZE"] = 5
    client, add = coordinator_with_events
    add(7)

    resp = client.get("/audit/?verb=case.viewed&page=999")

    assert "7 events, page 2 of 2" in resp.text
    assert listed_tags(resp) == ["e02", "e01"]


def test_page_links_keep_the_filters(app, coordinator_with_events):
    app.config["AUDIT_PAGE_SIZE"] = 5
    client, add = coordinator_with_events
    add(12)

    resp = client.get("/audit/?verb=case.viewed&page=2")

    links = [html.unescape(h) for h in re.findall(r'href="(/audit/\?[^"]*)"', resp.text)]
    assert "/audit/?page=3&verb=case.viewed" in links
    assert "/audit/?page=1&verb=case.viewed" in links


def test_page_query_count_does_not_grow_with_the_number_of_events(
    app, coordinator_with_events, count_queries
):
    app.config["AUDIT_PAGE_SIZE"] = 100
    client, add = coordinator_with_events
    add(10)
    client.get("/audit/")  # warm up: the first request of a session can do extra work

    with count_queries() as few:
        resp = client.get("/audit/")
    assert len(listed_tags(resp)) == 10

    add(50, start=11)
    with count_queries() as many:
        resp = client.get("/audit/")
    assert len(listed_tags(resp)) == 60

    # Fails when rendering the page loads each event (or its user) again, one by one.
    assert len(many) == len(few), f"{len(few)} queries for 10 events, {len(many)} for 60"


# --- The viewer is itself audited -------------------------------------------------------------


def test_viewing_the_audit_log_is_recorded(client_as):
    client = client_as("coordinator")

    resp = client.get("/audit/?verb=case.viewed&ip=192.0.2.10&page=2")

    assert resp.status_code == 200
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.verb == "audit.searched"))
    assert event.user_id == client.user.id
    assert sorted(event.detail["filters"]) == ["ip", "verb"]
    assert event.detail["page"] == 1  # nothing matched, so page 2 was shown as page 1
    assert event.origin == "web"
    assert event.ip == "127.0.0.1"
    assert event.request_id == resp.headers["X-Request-Id"]
    assert event.marac_id is None


def test_every_view_of_the_audit_log_is_recorded(client_as):
    client = client_as("admin")

    client.get("/audit/")
    client.get("/audit/?page=2")

    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.verb == "audit.searched"))
        == 2
    )


def test_dates_typed_as_day_month_and_year_filter_and_the_next_page_keeps_them(client_as, app):
    app.config["AUDIT_PAGE_SIZE"] = 1
    add_event("d1", at=datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    add_event("d2", at=datetime(2026, 3, 5, 12, 0, tzinfo=UTC))
    add_event("d3", at=datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    client = client_as("admin")

    typed = [("on_or_after", "5"), ("on_or_after", "3"), ("on_or_after", "2026")]
    typed += [("on_or_before", "6"), ("on_or_before", "3"), ("on_or_before", "2026")]
    first = client.get("/audit/", query_string=typed)

    assert listed_tags(first) == ["d3"]
    assert 'id="on_or_after-day"' in first.text and 'value="2026"' in first.text
    assert "on_or_after=2026-03-05" in html.unescape(first.text)
    assert listed_tags(
        client.get("/audit/?on_or_after=2026-03-05&on_or_before=2026-03-06&page=2")
    ) == ["d2"]


def test_a_date_missing_its_year_is_refused_beside_the_field(client_as):
    resp = client_as("admin").get(
        "/audit/", query_string=[("on_or_after", "5"), ("on_or_after", "3"), ("on_or_after", "")]
    )

    assert resp.status_code == 422
    assert (field_error(resp, "on_or_after") or "").startswith("Error: Enter a real date for")


def test_events_read_as_sentences_without_codes_or_lists_of_ids(client_as):
    audit.record(
        None, "reports.viewed", now=BASE, detail={"start": "2026-07-01", "end": "2026-09-30"}
    )
    audit.record(None, "actions.tracked", now=BASE, detail={"case_ids": [11, 39, 94]})
    audit.record(
        None, "escalation.status_changed", now=BASE, detail={"from": "open", "to": "resolved"}
    )
    db.session.commit()

    page = client_as("admin").get("/audit/").text
    table = page.split('id="audit-events"', 1)[1].split("</table>", 1)[0]

    assert "Viewed the data return" in table and "1 July 2026 to 30 September 2026" in table
    assert "Viewed the action tracker" in table and "3 cases shown" in table
    assert "from open to resolved" in table
    for code in ("reports.viewed", "actions.tracked", "case_ids", "[11, 39, 94]", "start:"):
        assert code not in table
    choices = page.split('id="verb"', 1)[1].split("</select>", 1)[0]
    assert ">Viewed the data return<" in choices and ">reports.viewed<" not in choices
