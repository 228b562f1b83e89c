"""Putting notifications in the outbox. They say what happened, never to whom or why."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from conference import audit
from conference.errors import InvalidTransition
from conference.extensions import db
from conference.notifications.links import Link
from conference.notifications.models import Notification, OutboundEmail
from conference.profiles import Words, install_profile

#: The words for each kind. Only a reference fills them: no names, no case details.
MESSAGES = {
    "referral.submitted": "A new referral is waiting for screening: {reference}",
    "referral.answered": "The referrer answered your request on referral {reference}",
    "referral.accepted": "Your referral {reference} was accepted",
    "referral.declined": "Your referral {reference} was declined",
    "referral.more_info_requested": "More information is needed on your referral {reference}",
    "referral.withdrawn": "Referral {reference} was withdrawn",
    "referral.repeat_notice": "A repeat-incident notice is waiting for screening: {reference}",
    "case.advocate_assigned": "You are now the advocate for case {reference}",
    "agenda.published": "The agenda for the {reference} conference is published: research is open",
    "agenda.changed": "The agenda for the {reference} conference has changed",
    "conference.changed": "The {reference} conference has moved or changed place",
    "conference.cancelled": "The {reference} conference is cancelled",
    "research.reminder": "Your agency's research for the {reference} conference is not complete",
    "voice.feedback_due": "Tell the victim the outcome of the {reference} conference: it is due",
    "minutes.reminder": "The minutes of the {reference} conference are not final yet",
    "minutes.final": "The minutes of the {reference} conference are final",
    "action.due_soon": "An action your agency owns on case {reference} is due within three days",
    "action.overdue": "An action your agency owns on case {reference} is overdue",
    "action.escalated": "An action on case {reference} is seven days or more overdue",
    "action.contact_told": "An action your agency owns on case {reference} is long overdue: "
    "you are your agency's named point of contact",
    "transfer.requested": "Another {meeting} asks you to take case {reference}: it waits for you",
    "transfer.accepted": "The transfer of case {reference} was accepted",
    "transfer.declined": "The transfer of case {reference} was declined",
    "transfer.withdrawn": "The transfer of case {reference} was withdrawn",
}


def message_for(notification: Notification, words: Words | None = None) -> str:
    """The notification's text, in the words of the reader's practice (the install's when
    none is given)."""
    meeting = (words or install_profile().words).meeting
    return MESSAGES[notification.kind].format(reference=notification.reference, meeting=meeting)


def notify(
    recipient_ids: Iterable[int],
    kind: str,
    *,
    key: str,
    reference: str,
    link: Link,
    now: datetime,
) -> list[Notification]:
    """Queue one notification per recipient, once: a key already used is skipped.

    ``key`` names the event (e.g. "referral.accepted:12:40"); the recipient is added to it.
    Adds to the session; the caller commits. Raises ValueError for an unknown kind or page.
    """
    if kind not in MESSAGES:
        raise ValueError(f"unknown notification kind {kind!r}")
    if link.endpoint not in current_app.view_functions:
        raise ValueError(f"no page has the endpoint {link.endpoint!r}")
    wanted = {f"{key}:{recipient}": recipient for recipient in set(recipient_ids)}
    if not wanted:
        return []
    existing = set(
        db.session.scalars(sa.select(Notification.key).where(Notification.key.in_(wanted)))
    )
    added = [
        Notification(
            recipient_id=recipient,
            kind=kind,
            key=full_key,
            reference=reference,
            endpoint=link.endpoint,
            endpoint_args=dict(link.args),
            created_at=now,
        )
        for full_key, recipient in sorted(wanted.items())
        if full_key not in existing
    ]
    db.session.add_all(added)
    return added


def mark_read(notifications: Iterable[Notification], now: datetime) -> int:
    """Mark unread notifications read. Flushes; the caller commits."""
    count = 0
    for notification in notifications:
        if notification.read_at is None:
            notification.read_at = now
            count += 1
    db.session.flush()
    return count


def record_listed(actor: Any, notifications: Sequence[Notification], *, now: datetime) -> None:
    """Note that someone saw their notifications, which name case references. Flushes."""
    ids = [n.id for n in notifications]
    audit.record(actor, "notifications.listed", now=now, detail={"ids": ids, "count": len(ids)})


def resend(email: OutboundEmail, *, actor: Any, now: datetime) -> None:
    """An administrator's second try of an email that may have been sent or was refused for
    good: due again at once, with the same Message-ID. Raises InvalidTransition otherwise."""
    if email.sent_at is not None:
        raise InvalidTransition("This email was sent: there is nothing to resend")
    if email.maybe_sent_at is None and email.failed_at is None:
        raise InvalidTransition("This email is still being tried: wait for the next run")
    email.maybe_sent_at = email.failed_at = email.claimed_at = None
    email.next_attempt_at = now
    audit.record(actor, "email.resent", email, now=now)
    db.session.flush()
