"""Without an SMTP server, emails stay in the outbox, which only administrators can read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference.extensions import db
from conference.notifications.links import Link
from conference.notifications.models import EmailTransport, OutboundEmail
from conference.notifications.services import notify
from tests import factories
from tests.notifications.conftest import run_send_emails

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OUTBOX = "/notifications/outbox"


def _notify(user, kind: str, *, at: datetime = T0) -> None:
    notify([user.id], kind, key=f"{kind}:{at.isoformat()}", reference="NB-26-0077",
           link=Link("notifications.index"), now=at)  # fmt: skip
    db.session.commit()


def test_without_smtp_host_the_email_is_kept_in_the_outbox(app, client_as):
    assert app.config["MAIL_SMTP_HOST"] == ""
    rep = factories.make_user("agency_rep")
    _notify(rep, "research.reminder")
    counts = run_send_emails(T0)
    assert (counts["emails_composed"], counts["emails_sent"], counts["emails_failed"]) == (1, 1, 0)
    assert run_send_emails(T0 + timedelta(minutes=5))["emails_sent"] == 0
    [mail] = db.session.scalars(sa.select(OutboundEmail)).all()
    assert mail.transport is EmailTransport.OUTBOX and mail.sent_at == T0

    page = client_as("admin").get(OUTBOX)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert rep.email in text
    assert "MARAC conference: 1 thing needs your attention" in text
    assert "research for 1 conference is not complete" in text
    assert "Kept here" in text and "NB-26-0077" not in text


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("coordinator", 403), ("agency_rep", 403), ("chair", 403), ("advocate", 403)],
)
def test_only_administrators_read_the_outbox(client_as, role, status):
    assert client_as(role).get(OUTBOX).status_code == status


def test_the_outbox_shows_pending_and_failed_emails_newest_first(app, client_as):
    user = factories.make_user("agency_rep")
    db.session.add_all(
        [
            OutboundEmail(
                recipient_id=user.id, to_address=user.email, subject="Older", body="b",
                created_at=T0, next_attempt_at=T0 + timedelta(minutes=15), attempts=2,
                last_error="ConnectionRefusedError: Connection refused",
            ),
            OutboundEmail(
                recipient_id=user.id, to_address=user.email, subject="Newer", body="b",
                created_at=T0 + timedelta(hours=1), next_attempt_at=T0,
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    text = client_as("admin").get(OUTBOX).get_data(as_text=True)
    assert text.index("Newer") < text.index("Older")
    assert "Pending" in text and "Attempts: 2" in text
    assert "ConnectionRefusedError: Connection refused" in text


def test_the_outbox_is_paginated(app, client_as):
    app.config["ADMIN_PAGE_SIZE"] = 2
    user = factories.make_user("agency_rep")
    for n in range(3):
        db.session.add(
            OutboundEmail(
                recipient_id=user.id, to_address=user.email, subject=f"Email number {n}",
                body="b", created_at=T0 + timedelta(minutes=n), next_attempt_at=T0,
            )
        )  # fmt: skip
    db.session.commit()
    admin = client_as("admin")
    first = admin.get(OUTBOX).get_data(as_text=True)
    assert "Email number 2" in first and "Email number 0" not in first and "page 1 of 2" in first
    assert f"{OUTBOX}?page=2" in first  # the pager links the next page
    second = admin.get(f"{OUTBOX}?page=2").get_data(as_text=True)
    assert "Email number 0" in second and "Email number 2" not in second


def test_administration_links_to_the_outbox(client_as):
    assert f'href="{OUTBOX}"' in client_as("admin").get("/admin/").get_data(as_text=True)


def test_emails_older_than_ninety_days_leave_the_outbox(app, client_as):
    """The forget-old-emails job deletes what the outbox no longer needs, sent or not, and
    keeps the rest; run again, it deletes nothing more."""
    from conference.scheduler.runner import run_job

    user = factories.make_user("agency_rep")
    for subject, age in (("Long gone", 91), ("Still kept", 89)):
        db.session.add(
            OutboundEmail(
                recipient_id=user.id, to_address=user.email, subject=subject, body="b",
                created_at=T0 - timedelta(days=age), next_attempt_at=T0,
                sent_at=T0 - timedelta(days=age),
            )
        )  # fmt: skip
    db.session.commit()
    assert run_job("forget-old-emails", now=T0).counts == {"emails_forgotten": 1}
    text = client_as("admin").get(OUTBOX).get_data(as_text=True)
    assert "Still kept" in text and "Long gone" not in text
    assert run_job("forget-old-emails", now=T0).counts == {"emails_forgotten": 0}
