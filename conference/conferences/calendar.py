"""Calendar files (RFC 5545) of the conference schedule, and the private feed addresses.

An event holds the MARAC's name, the time and the place, and nothing else: calendar apps
sync to phones and third-party servers, so no case, name or reference ever goes in one.
Written by hand: the format needed here is small, and a library would be one more thing
that could leak fields we do not control.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import User
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import CalendarFeed, Conference
from conference.extensions import db

PRODID = "-//conference//MARAC schedule//EN"
CRLF = "\r\n"
#: RFC 5545 3.1: content lines are folded at 75 octets.
LINE_OCTETS = 75
APP_ONLY = "Case details are in the app only."
#: The feed shows recent conferences too, so a calendar keeps the ones just past.
FEED_DAYS_BACK = 60
#: Real tokens are 43 characters; anything much longer is refused before hashing.
TOKEN_MAX = 100


# Building the calendar ----------------------------------------------------------------------


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 3.3.11)."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, never splitting a UTF-8 character."""
    pieces: list[str] = []
    current, size, limit = "", 0, LINE_OCTETS
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append(current)
            # A continuation line starts with a space, which counts towards its 75 octets.
            current, size, limit = "", 0, LINE_OCTETS - 1
        current += char
        size += width
    pieces.append(current)
    return (CRLF + " ").join(pieces)


def utc_stamp(value: datetime) -> str:
    """A DATE-TIME in UTC form, e.g. 20261208T100000Z."""
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _web_link(value: str) -> str | None:
    """The link if it is a plain http(s) address; anything else stays out of URI fields."""
    link = value.strip()
    if link.startswith(("https://", "http://")) and not any(c.isspace() for c in link):
        return link
    return None


def _location(conference: Conference) -> str:
    place = conference.place.strip()
    link = conference.video_link.strip()
    if place and link:
        return f"{place} (or online: {link})"
    return place or link


def _description(conference: Conference) -> str:
    link = conference.video_link.strip()
    return f"Join online: {link}\n{APP_ONLY}" if link else APP_ONLY


def event_lines(conference: Conference, *, now: datetime) -> list[str]:
    """The unfolded content lines of one conference's VEVENT. Dates, place and link only."""
    ends_at = conference.starts_at + timedelta(minutes=conference.duration_minutes)
    cancelled = conference.status is ConferenceStatus.CANCELLED
    lines = [
        "BEGIN:VEVENT",
        # Stable across changes, so calendars update the event rather than add another.
        f"UID:conference-{conference.id}@conference",
        f"DTSTAMP:{utc_stamp(now)}",
        f"DTSTART:{utc_stamp(conference.starts_at)}",
        f"DTEND:{utc_stamp(ends_at)}",
        f"SEQUENCE:{conference.sequence}",
        f"SUMMARY:{escape_text(f'{conference.marac.name} conference')}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"DESCRIPTION:{escape_text(_description(conference))}",
    ]
    location = _location(conference)
    if location:
        lines.append(f"LOCATION:{escape_text(location)}")
    link = _web_link(conference.video_link)
    if link:
        lines.append(f"URL:{link}")
    if conference.updated_at is not None:
        lines.append(f"LAST-MODIFIED:{utc_stamp(conference.updated_at)}")
    lines.append("END:VEVENT")
    return lines


def ics_for(conferences: Iterable[Conference], *, now: datetime, name: str) -> str:
    """A whole VCALENDAR: CRLF line endings, folded lines, one VEVENT per conference."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        # Hints to subscribing apps: look for moves and cancellations every hour.
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for conference in conferences:
        lines.extend(event_lines(conference, now=now))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


# Feed addresses -----------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The user's current feed, if they have one."""
    return db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue_feed(user: User, *, now: datetime) -> str:
    """Give the user a new private feed address and return its token (shown once, kept hashed).

    Any earlier address stops working. Flushes; the caller commits.
    """
    token = secrets.token_urlsafe(32)
    feed = feed_of(user)
    replaced = feed is not None
    if feed is None:
        feed = CalendarFeed(user_id=user.id)
        db.session.add(feed)
    feed.token_hash = _token_hash(token)
    feed.created_at = now
    feed.last_used_at = None
    db.session.flush()
    audit.record(user, "calendar.feed_issued", feed, detail={"replaced": replaced}, now=now)
    return token


def stop_feed(user: User, *, now: datetime) -> bool:
    """Stop the user's feed address; False if they had none. Flushes; the caller commits."""
    feed = feed_of(user)
    if feed is None:
        return False
    audit.record(user, "calendar.feed_stopped", feed, now=now)
    db.session.delete(feed)
    db.session.flush()
    return True


def user_for_token(token: str, *, now: datetime) -> User | None:
    """The active user whose feed this token opens, or None. Notes the use. Flushes."""
    if not token or len(token) > TOKEN_MAX:
        return None
    wanted = _token_hash(token)
    # Looked up by hash, so lookup timing says nothing useful about the token itself.
    feed = db.session.scalar(sa.select(CalendarFeed).where(CalendarFeed.token_hash == wanted))
    if feed is None or not hmac.compare_digest(feed.token_hash, wanted):
        return None
    if not feed.user.is_active_account:
        return None
    feed.last_used_at = now
    db.session.flush()
    return feed.user
