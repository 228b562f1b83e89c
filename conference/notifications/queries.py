"""Reading a user's notifications, and the email outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination

from conference.db import one_page
from conference.extensions import db
from conference.notifications.models import Notification, OutboundEmail

PAGE_SIZE = 50


def unread_count(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.recipient_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def page_for(user_id: int, *, page: int, unread_only: bool = False) -> Pagination:
    """A page of the user's notifications (only the unread ones if asked), newest first, with
    their count: the user's own rows, found by the recipient's index."""
    query = sa.select(Notification).where(Notification.recipient_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return one_page(query, page=page, per_page=PAGE_SIZE)


def unread_for(user_id: int) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.recipient_id == user_id, Notification.read_at.is_(None)
            )
        )
    )


def outbox_page(page: int, per_page: int) -> Pagination:
    """A page of the email outbox, newest first (for administrators)."""
    return one_page(
        sa.select(OutboundEmail).order_by(OutboundEmail.created_at.desc(), OutboundEmail.id.desc()),
        page=page,
        per_page=per_page,
    )
