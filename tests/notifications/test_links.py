"""Notification links are endpoints and ids, built when opened, so none of them can rot."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.accounts.models import User
from conference.conferences.choices import UPCOMING
from conference.conferences.models import Conference
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.links import Link, url_of
from conference.notifications.models import Notification
from conference.notifications.services import notify
from conference.scheduler.registry import JOBS
from tests import factories
from tests.conftest import sign_in

#: Jobs that only send or tidy: they store no notification.
QUIET_JOBS = {"send-emails", "purge-expired"}


def _demo_with_every_job_run() -> list[Notification]:
    now = utcnow()
    # Today's and a later run bring the reminder kinds the seed alone does not store.
    for at in (now, now + timedelta(days=3)):
        for name, job in JOBS.items():
            if name not in QUIET_JOBS:
                job.func(at)
        db.session.commit()
    return list(db.session.scalars(sa.select(Notification).order_by(Notification.id)))


def test_every_demo_notification_opens_for_its_recipient(app, demo):
    stored = _demo_with_every_job_run()
    endpoints = {n.endpoint for n in stored}
    assert endpoints >= {
        "referrals.detail",
        "referrals.case",
        "conferences.agenda_page",
        "actions.index",
        "minutes.page",
    }, endpoints
    adapter = app.url_map.bind("")
    clients = {}
    opened: set[tuple[int, str]] = set()
    for notification in stored:
        # Ids only: nothing of a case rides in a link.
        assert all(
            name.endswith("_id") and type(value) is int
            for name, value in notification.endpoint_args.items()
        ), notification.endpoint_args
        with app.test_request_context():
            link = url_of(notification)
        assert adapter.match(link) == (notification.endpoint, notification.endpoint_args)
        if notification.recipient_id not in clients:
            recipient = db.session.get(User, notification.recipient_id)
            clients[notification.recipient_id] = sign_in(app.test_client(), recipient)
        if (notification.recipient_id, link) in opened:
            continue
        opened.add((notification.recipient_id, link))
        response = clients[notification.recipient_id].get(link)
        if response.status_code == 404 and _meeting_has_begun(notification):
            continue  # once it starts, only those present see it: hidden by design, not rot
        assert response.status_code in (200, 303), (notification.kind, link, response.status_code)


def _meeting_has_begun(notification: Notification) -> bool:
    if notification.endpoint != "conferences.agenda_page":
        return False
    conference = db.session.get(Conference, notification.endpoint_args["conference_id"])
    return conference is not None and conference.status not in UPCOMING


def test_opening_a_notification_builds_its_link_from_the_endpoint(app):
    user = factories.make_user("advocate")
    [note] = notify(
        [user.id],
        "referral.accepted",
        key="k",
        reference="R-1",
        link=Link("referrals.detail", {"referral_id": 41}),
        now=utcnow(),
    )
    db.session.commit()
    response = sign_in(app.test_client(), user).post(f"/notifications/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/referrals/41"


def test_a_link_whose_page_is_gone_leads_to_the_notifications(app):
    user = factories.make_user("advocate")
    [note] = notify(
        [user.id], "referral.accepted", key="k", reference="R-1", link=Link("voice.index"),
        now=utcnow(),
    )  # fmt: skip
    note.endpoint = "referrals.renamed_since"
    db.session.commit()
    response = sign_in(app.test_client(), user).post(f"/notifications/{note.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications/"


@pytest.mark.parametrize(
    ("endpoint", "args"),
    [
        ("/referrals/1", {}),  # a path, not an endpoint
        ("https://elsewhere.example/", {}),
        ("referrals.detail", {"referral_id": "1"}),  # an id is a number
        ("referrals.case", {"case_id": 1, "victim": 2}),  # only ids
        ("referrals.case", {"name_id": True}),
    ],
)
def test_a_link_carries_an_endpoint_and_ids_only(endpoint, args):
    with pytest.raises(ValueError):
        Link(endpoint, args)


def test_a_link_to_no_page_is_refused_when_stored(app):
    with pytest.raises(ValueError, match="no page"):
        notify(
            [1], "referral.accepted", key="k", reference="", link=Link("referrals.nowhere"),
            now=utcnow(),
        )  # fmt: skip
