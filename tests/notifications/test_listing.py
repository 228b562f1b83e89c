"""The notifications page shows a page at a time with its count, and the unread ones alone if
asked; its queries stay the same however many a user has."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.models import Notification
from conference.notifications.queries import PAGE_SIZE
from tests import factories


def _notify(user, n: int, *, start: int = 0, unread_every: int = 3) -> None:
    now = utcnow()
    for i in range(start, start + n):
        db.session.add(
            Notification(
                recipient_id=user.id,
                kind="referral.accepted",
                key=f"listing-{user.id}-{i}",
                reference=f"R{i:05d}",
                endpoint="dashboard.index",
                created_at=now - timedelta(minutes=i),
                read_at=None if i % unread_every == 0 else now,
            )
        )
    db.session.commit()


def _shown(page: str) -> list[str]:
    return re.findall(r"R[0-9]{5}", page)


def test_notifications_page_with_their_count_and_the_unread_alone(app, as_user):
    user = factories.make_user("advocate")
    _notify(user, 2 * PAGE_SIZE + 10)
    client = as_user(user)
    first = client.get("/notifications/").text
    assert len(_shown(first)) == PAGE_SIZE and _shown(first)[0] == "R00000"  # newest first
    assert f"{2 * PAGE_SIZE + 10} notifications, 37 unread" in first
    assert 'href="/notifications/?page=2"' in first
    last = client.get("/notifications/?page=3").text
    assert _shown(last) == [f"R{i:05d}" for i in range(2 * PAGE_SIZE, 2 * PAGE_SIZE + 10)]
    # Past the last page, no rows and no error; nonsense is the first.
    beyond = client.get("/notifications/?page=99")
    assert beyond.status_code == 200 and not _shown(beyond.text)
    assert "No notifications on this page" in beyond.text
    assert _shown(client.get("/notifications/?page=x").text) == _shown(first)
    unread = client.get("/notifications/?unread=1").text
    assert _shown(unread) == [f"R{i:05d}" for i in range(0, 2 * PAGE_SIZE + 10, 3)]
    assert "37 unread." in unread and "Mark all as read" in unread
    # The listing's audit event names what was shown, not every notification.
    listed = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.verb == "notifications.listed")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert listed.detail["count"] == 37


def test_the_notifications_page_runs_the_same_queries_for_many(app, as_user, count_queries):
    user = factories.make_user("advocate")
    client = as_user(user)
    _notify(user, 5)
    client.get("/notifications/")
    with count_queries() as few:
        small = client.get("/notifications/").text
    _notify(user, 3 * PAGE_SIZE, start=5)
    with count_queries() as many:
        large = client.get("/notifications/").text
    assert len(few) == len(many)
    assert len(_shown(large)) == PAGE_SIZE
    assert len(large) < len(small) + PAGE_SIZE * 600  # a page's rows, whatever the total
