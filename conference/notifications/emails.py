"""Composing notification emails: per person, how many things of each kind, and where to look.

An email can be read by anyone who sees the inbox (a shared mailbox, a phone on a desk), so it
names no person, no case or referral reference, no date or place of a conference: only counts of
kinds of thing, in the wording below, and a link to sign in.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from conference.accounts.models import User
from conference.db import affected_rows
from conference.errors import Conflict
from conference.extensions import db
from conference.notifications.models import Notification, OutboundEmail
from conference.profiles import install_profile

#: For each kind: the line for one, and the line for several ({n}). Order here is order in
#: the email. Every kind in services.MESSAGES needs a wording (a test checks).
WORDING: dict[str, tuple[str, str]] = {
    "action.contact_told": (
        "1 action your agency owns is long overdue",
        "{n} actions your agency owns are long overdue",
    ),
    "action.escalated": (
        "1 action is seven days or more overdue",
        "{n} actions are seven days or more overdue",
    ),
    "action.overdue": (
        "1 action your agency owns is overdue",
        "{n} actions your agency owns are overdue",
    ),
    "action.due_soon": (
        "1 action your agency owns is due within three days",
        "{n} actions your agency owns are due within three days",
    ),
    "referral.submitted": (
        "1 referral is waiting for screening",
        "{n} referrals are waiting for screening",
    ),
    "referral.answered": (
        "1 referrer has answered your request for more information",
        "{n} referrers have answered your requests for more information",
    ),
    "referral.more_info_requested": (
        "1 of your referrals needs more information",
        "{n} of your referrals need more information",
    ),
    "referral.accepted": (
        "1 of your referrals was accepted",
        "{n} of your referrals were accepted",
    ),
    "referral.declined": (
        "1 of your referrals was declined",
        "{n} of your referrals were declined",
    ),
    "referral.repeat_notice": (
        "1 repeat-incident notice is waiting for screening",
        "{n} repeat-incident notices are waiting for screening",
    ),
    "referral.withdrawn": (
        "1 referral was withdrawn",
        "{n} referrals were withdrawn",
    ),
    "case.advocate_assigned": (
        "You are the advocate for 1 more case",
        "You are the advocate for {n} more cases",
    ),
    "voice.feedback_due": (
        "1 victim is due to be told the outcome of a conference",
        "{n} victims are due to be told the outcome of a conference",
    ),
    "research.reminder": (
        "Your agency's research for 1 conference is not complete",
        "Your agency's research for {n} conferences is not complete",
    ),
    "agenda.published": (
        "1 conference agenda is published and research is open",
        "{n} conference agendas are published and research is open",
    ),
    "agenda.changed": (
        "1 conference agenda has changed",
        "{n} conference agendas have changed",
    ),
    "conference.changed": (
        "1 conference has moved or changed place",
        "{n} conferences have moved or changed place",
    ),
    "conference.cancelled": (
        "1 conference is cancelled",
        "{n} conferences are cancelled",
    ),
    "minutes.reminder": (
        "The minutes of 1 conference are not final yet",
        "The minutes of {n} conferences are not final yet",
    ),
    "minutes.final": (
        "The minutes of 1 conference are final",
        "The minutes of {n} conferences are final",
    ),
    "transfer.requested": (
        "1 case transfer from another MARAC waits for your decision",
        "{n} case transfers from other MARACs wait for your decision",
    ),
    "transfer.accepted": (
        "1 case transfer you sent was accepted",
        "{n} case transfers you sent were accepted",
    ),
    "transfer.declined": (
        "1 case transfer you sent was declined",
        "{n} case transfers you sent were declined",
    ),
    "transfer.withdrawn": (
        "1 case transfer to your MARAC was withdrawn",
        "{n} case transfers to your MARAC were withdrawn",
    ),
}
#: A kind added without wording still gets counted, rather than stopping every email.
OTHER = ("1 other notification", "{n} other notifications")

#: Older unread notifications are not emailed: no flood on the first run, nor for someone
#: whose account comes back after a long absence. The app still shows them.
EMAIL_WITHIN = timedelta(days=7)
NOTIFICATIONS_PATH = "/notifications/"
#: Where an agency's representatives see the actions their agency owns.
OUR_ACTIONS_PATH = "/actions/"
#: The kind a point of contact is told of.
CONTACT_TOLD = "action.contact_told"


def line_for(kind: str, count: int) -> str:
    one, many = WORDING.get(kind, OTHER)
    return one if count == 1 else many.format(n=count)


def subject_for(total: int, app_name: str) -> str:
    things = "1 thing needs" if total == 1 else f"{total} things need"
    return f"{app_name}: {things} your attention"


def body_for(counts: Counter[str], *, app_name: str, base_url: str) -> str:
    """The email text: one line per kind, in WORDING order, then the sign-in link."""
    order = list(WORDING)
    kinds = sorted(counts, key=lambda k: (order.index(k) if k in order else len(order), k))
    lines = "\n".join(f"- {line_for(kind, counts[kind])}" for kind in kinds)
    link = base_url.rstrip("/") + NOTIFICATIONS_PATH
    return (
        f"Hello,\n\nThere is something new for you in {app_name}:\n\n{lines}\n\n"
        f"Sign in to see your notifications: {link}\n\n"
        "For everyone's safety this email gives no details. Please do not forward it.\n"
        "This is an automatic message; replies are not read.\n"
    )


def compose_for_contact(address: str, count: int, now: datetime) -> OutboundEmail:
    """Put an email in the outbox for an agency's named point of contact who has no account:
    how many of the agency's actions are long overdue, and where its people see them.

    Counts and a link only. Adds to the session; the caller commits.
    """
    config = current_app.config
    app_name, base_url = config["APP_NAME"], config["BASE_URL"]
    link = base_url.rstrip("/") + OUR_ACTIONS_PATH
    email = OutboundEmail(
        recipient_id=None,
        to_address=address,
        subject=f"{app_name}: your agency's overdue actions",
        body=(
            f"Hello,\n\nYou are your agency's named point of contact for {app_name}.\n\n"
            f"- {line_for(CONTACT_TOLD, count)}\n\n"
            f"The {install_profile().words.meeting}'s coordinators will be in touch. Your "
            "agency's representatives see "
            f"these actions when they sign in: {link}\n\n"
            "For everyone's safety this email gives no details. Please do not forward it.\n"
            "This is an automatic message; replies are not read.\n"
        ),
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(email)
    return email


def compose_pending(now: datetime) -> list[OutboundEmail]:
    """Put one email per person in the outbox for their unread, not yet emailed notifications.

    Only active accounts with an address. The notifications are marked emailed in the same
    transaction. Flushes; the caller commits. Raises Conflict if another run took them first.
    """
    rows = db.session.execute(
        sa.select(Notification.id, Notification.kind, User.id, User.email)
        .join(User, User.id == Notification.recipient_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.read_at.is_(None),
            Notification.created_at > now - EMAIL_WITHIN,
            Notification.created_at <= now,
            User.is_active_account.is_(True),
            User.email != "",
        )
        .order_by(User.id, Notification.id)
    ).all()
    per_user: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
    for notification_id, kind, user_id, address in rows:
        per_user[(user_id, address)].append((notification_id, kind))
    config = current_app.config
    app_name, base_url = config["APP_NAME"], config["BASE_URL"]
    emails = []
    for (user_id, address), items in per_user.items():
        counts = Counter(kind for _, kind in items)
        emails.append(
            OutboundEmail(
                recipient_id=user_id,
                to_address=address,
                subject=subject_for(len(items), app_name),
                body=body_for(counts, app_name=app_name, base_url=base_url),
                created_at=now,
                next_attempt_at=now,
            )
        )
        _mark_emailed([notification_id for notification_id, _ in items], now)
    db.session.add_all(emails)
    db.session.flush()
    return emails


def _mark_emailed(ids: list[int], now: datetime) -> None:
    # Only rows still unmarked: if another run marked any first, this run must not send them.
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(emailed_at=now)
    )
    if affected_rows(result) != len(ids):
        raise Conflict("Another run emailed some of these notifications first.")
