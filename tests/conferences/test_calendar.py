"""Calendar files and the private feed: the ICS text, who may download, and feed addresses."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from conference.audit.models import AuditEvent
from conference.conferences import calendar, display, listing, planning
from conference.conferences.models import CalendarFeed, Conference
from conference.db import utcnow
from conference.extensions import db
from tests import factories

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def planned(marac) -> list[Conference]:
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.marac_id == marac.id)
            .order_by(Conference.starts_at)
        )
    )


def unfold(text: str) -> list[str]:
    """The content lines of an ICS text, with folded lines joined again."""
    assert text.endswith("\r\n")
    return text.replace("\r\n ", "").split("\r\n")[:-1]


def events(text: str) -> list[dict[str, str]]:
    """Each VEVENT as a dict of its properties (parameters kept in the name)."""
    found: list[dict[str, str]] = []
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            found.append({})
        elif found and line != "END:VEVENT" and ":" in line:
            name, value = line.split(":", 1)
            found[-1].setdefault(name, value)
    return found


def feed_path(page_text: str) -> str:
    base = re.escape(current_app.config["BASE_URL"])
    match = re.search(rf'value="{base}(/calendar/feed/[A-Za-z0-9_-]+\.ics)"', page_text)
    assert match, "the page shows the subscription address"
    return match.group(1)


@pytest.fixture
def marac(app):
    marac = factories.make_marac(name="Northbridge MARAC", code="NB")
    factories.make_rule(marac, now=NOW)  # second Tuesdays at 10:00: 8 Dec, 12 Jan, 9 Feb...
    return marac


# The ICS text ---------------------------------------------------------------------------------


def test_the_calendar_has_the_header_and_one_event_per_conference(marac):
    conferences = planned(marac)
    text = calendar.ics_for(conferences, now=NOW, name="Northbridge MARAC")
    lines = unfold(text)
    assert lines[:6] == [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//conference//MARAC schedule//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Northbridge MARAC",
    ]
    assert lines[-1] == "END:VCALENDAR"
    assert "\n" not in text.replace("\r\n", "")
    found = events(text)
    assert len(found) == len(conferences) == 6
    first = found[0]
    assert first["UID"] == f"conference-{conferences[0].id}@conference"
    assert first["DTSTAMP"] == "20261121T120000Z"
    assert first["DTSTART"] == "20261208T100000Z"
    assert first["DTEND"] == "20261208T140000Z"  # four hours
    assert first["SEQUENCE"] == "0"
    assert first["SUMMARY"] == "Northbridge MARAC conference"
    assert first["LOCATION"] == "Civic Centre\\, Room 4"
    assert first["STATUS"] == "CONFIRMED"
    assert first["DESCRIPTION"] == "Case details are in the app only."
    assert "URL" not in first


def test_times_are_utc_across_the_clock_change(marac):
    """10:00 in London is 10:00Z in March (GMT) and 09:00Z in April (BST)."""
    by_day = {display.local_day(c): c for c in planned(marac)}
    march, april = by_day[date(2027, 3, 9)], by_day[date(2027, 4, 13)]
    found = events(calendar.ics_for([march, april], now=NOW, name="x"))
    assert [e["DTSTART"] for e in found] == ["20270309T100000Z", "20270413T090000Z"]
    assert [e["DTEND"] for e in found] == ["20270309T140000Z", "20270413T130000Z"]


def test_text_is_escaped_and_long_lines_are_folded_at_75_octets(marac):
    conference = planned(marac)[0]
    conference.place = "Room 4; Floor 2, Civic Centre\\Annexe\nRing the bell " + "é" * 80
    conference.video_link = "https://meet.example/" + "a" * 120
    text = calendar.ics_for([conference], now=NOW, name="Café, Tea; More")
    for line in text.split("\r\n"):
        assert len(line.encode()) <= 75
    text.encode().decode("utf-8")  # no character was split across a fold
    event = events(text)[0]
    assert event["LOCATION"] == (
        "Room 4\\; Floor 2\\, Civic Centre\\\\Annexe\\nRing the bell "
        + "é" * 80
        + " (or online: https://meet.example/"
        + "a" * 120
        + ")"
    )
    assert event["URL"] == "https://meet.example/" + "a" * 120
    assert event["DESCRIPTION"] == (
        "Join online: https://meet.example/" + "a" * 120 + "\\nCase details are in the app only."
    )
    assert "X-WR-CALNAME:Café\\, Tea\\; More" in unfold(text)


def test_fold_keeps_short_lines_and_marks_continuations_with_a_space():
    assert calendar.fold("SUMMARY:short") == "SUMMARY:short"
    folded = calendar.fold("X:" + "b" * 200)
    pieces = folded.split("\r\n")
    assert [len(p) for p in pieces] == [75, 75, 54]
    assert all(p.startswith(" ") for p in pieces[1:])


def test_a_cancelled_conference_is_sent_as_cancelled_with_a_higher_sequence(marac):
    conference = planned(marac)[0]
    coordinator = factories.coordinator_of(marac)
    planning.cancel(conference, actor=coordinator, reason="Venue flooded", now=NOW)
    event = events(calendar.ics_for([conference], now=NOW, name="x"))[0]
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == "1"
    assert "flooded" not in calendar.ics_for([conference], now=NOW, name="x")


def test_no_case_data_reaches_the_calendar(app, marac, client_as):
    case = factories.accepted_case(marac, now=NOW, given_name="Zelda", family_name="Quarrington")
    placement = listing.place_case(case, actor=None, now=NOW)
    db.session.commit()
    december = planned(marac)[0]
    assert placement.conference.id == december.id
    client = client_as("coordinator", marac=marac)
    download = client.get(f"/conferences/{december.id}/calendar.ics").text
    subscribed = client.post("/calendar/feed")
    feed = app.test_client().get(feed_path(subscribed.text)).text
    for text in (download, feed):
        assert f"conference-{december.id}@conference" in text
        for secret in ("Zelda", "Quarrington", case.reference):
            assert secret not in text


# Downloading one conference -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["coordinator", "chair", "advocate", "agency_rep"])
def test_anyone_with_a_role_in_the_marac_downloads_a_conference(marac, client_as, role):
    december = planned(marac)[0]
    resp = client_as(role, marac=marac).get(f"/conferences/{december.id}/calendar.ics")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="marac-conference-2026-12-08.ics"'
    )
    assert len(events(resp.text)) == 1


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_users_of_other_maracs_get_not_found(marac, client_as, role):
    december = planned(marac)[0]
    client = client_as(role, marac=factories.make_marac() if role != "admin" else None)
    assert client.get(f"/conferences/{december.id}/calendar.ics").status_code == 404
    assert client.get("/conferences/999999/calendar.ics").status_code == 404


def test_downloading_needs_sign_in(marac, client):
    resp = client.get(f"/conferences/{planned(marac)[0].id}/calendar.ics")
    assert resp.status_code in (302, 303) and resp.headers["Location"].startswith("/sign-in")


# The feed -------------------------------------------------------------------------------------


def test_the_calendar_page_is_for_users_with_a_role_in_a_marac(marac, client_as):
    page = client_as("advocate", marac=marac).get("/calendar")
    assert page.status_code == 200
    assert "Add the conference schedule to your calendar" in page.text
    assert "You do not have a calendar address" in page.text
    assert client_as("admin").get("/calendar").status_code == 403
    assert client_as(None).post("/calendar/feed").status_code == 403


def test_issuing_shows_the_address_once_and_keeps_only_its_hash(app, marac, client_as):
    client = client_as("chair", marac=marac)
    page = client.post("/calendar/feed")
    assert page.status_code == 200 and "keep it private" in page.text
    path = feed_path(page.text)
    token = path.removeprefix("/calendar/feed/").removesuffix(".ics")
    assert len(token) >= 43
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == client.user.id))
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = client.get("/calendar")
    assert token not in again.text and "Make a new address" in again.text
    verbs = db.session.scalars(sa.select(AuditEvent.verb).where(AuditEvent.user_id == feed.user_id))
    assert "calendar.feed_issued" in list(verbs)


def test_the_feed_works_without_signing_in_and_notes_its_use(app, marac, client_as):
    client = client_as("agency_rep", marac=marac)
    path = feed_path(client.post("/calendar/feed").text)
    resp = app.test_client().get(path)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert [e["UID"] for e in events(resp.text)] == [
        f"conference-{c.id}@conference" for c in planned(marac)
    ]
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == client.user.id))
    assert feed.last_used_at is not None
    assert "Not yet" not in client.get("/calendar").text


def test_a_replaced_address_stops_working(app, marac, client_as):
    client = client_as("coordinator", marac=marac)
    old = feed_path(client.post("/calendar/feed").text)
    new = feed_path(client.post("/calendar/feed").text)
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 1


def test_a_stopped_address_stops_working(app, marac, client_as):
    client = client_as("coordinator", marac=marac)
    path = feed_path(client.post("/calendar/feed").text)
    resp = client.post("/calendar/feed/stop")
    assert resp.status_code == 303 and resp.headers["Location"] == "/calendar"
    page = client.get("/calendar").text
    assert "Your calendar address has stopped working" in page
    assert "You do not have a calendar address" in page
    assert app.test_client().get(path).status_code == 404
    verbs = set(db.session.scalars(sa.select(AuditEvent.verb)))
    assert {"calendar.feed_issued", "calendar.feed_stopped"} <= verbs


def test_unknown_overlong_and_deactivated_addresses_give_not_found(app, marac, client_as):
    anonymous = app.test_client()
    assert anonymous.get("/calendar/feed/not-a-real-token.ics").status_code == 404
    assert anonymous.get(f"/calendar/feed/{'a' * 101}.ics").status_code == 404
    client = client_as("coordinator", marac=marac)
    path = feed_path(client.post("/calendar/feed").text)
    client.user.is_active_account = False
    db.session.commit()
    assert anonymous.get(path).status_code == 404


def test_the_feed_holds_only_the_users_maracs_from_sixty_days_ago(app, marac, client_as):
    now = utcnow()
    mine = factories.make_marac()
    other = factories.make_marac()
    before = now - timedelta(days=120)
    too_old = factories.make_conference(mine, (now - timedelta(days=70)).date(), now=before)
    recent = factories.make_conference(mine, (now - timedelta(days=30)).date(), now=before)
    ahead = factories.make_conference(mine, (now + timedelta(days=20)).date(), now=now)
    cancelled = factories.make_conference(mine, (now + timedelta(days=10)).date(), now=now)
    planning.cancel(cancelled, actor=factories.coordinator_of(mine), reason="Clash", now=now)
    db.session.commit()
    theirs = factories.make_conference(other, (now + timedelta(days=15)).date(), now=now)
    client = client_as("advocate", marac=mine)
    found = events(app.test_client().get(feed_path(client.post("/calendar/feed").text)).text)
    uids = [e["UID"] for e in found]
    assert uids == [f"conference-{c.id}@conference" for c in (recent, cancelled, ahead)]
    assert [e["STATUS"] for e in found] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert f"conference-{too_old.id}@" not in str(uids)
    assert f"conference-{theirs.id}@" not in str(uids)


def test_the_feed_runs_a_constant_number_of_queries(app, client_as, count_queries):
    now = utcnow()
    marac = factories.make_marac()
    client = client_as("coordinator", marac=marac)
    path = feed_path(client.post("/calendar/feed").text)
    anonymous = app.test_client()

    def queries_with(total: int) -> int:
        while len(planned(marac)) < total:
            day = (now + timedelta(days=7 * (len(planned(marac)) + 1))).date()
            factories.make_conference(marac, day, now=now)
        with count_queries() as statements:
            resp = anonymous.get(path)
        assert len(events(resp.text)) == total
        return len(statements)

    assert queries_with(2) == queries_with(8)
