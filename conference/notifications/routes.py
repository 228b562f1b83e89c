"""The user's notifications: a list, opening one, marking them read; the email outbox."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts import permissions
from conference.db import utcnow
from conference.extensions import db
from conference.notifications import links, queries, services
from conference.notifications.models import Notification, OutboundEmail
from conference.web.auth import current_actor, requires

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The user's notifications a page at a time, newest first, unread ones marked; only the
    unread ones if asked (``unread=1``)."""
    actor = current_actor()
    unread_only = request.args.get("unread") == "1"
    listing = queries.page_for(
        actor.id, page=request.args.get("page", 1, type=int), unread_only=unread_only
    )
    notifications = list(listing.items)
    services.record_listed(actor, notifications, now=utcnow())
    return render_template(
        "notifications/index.html",
        notifications=notifications,
        listing=listing,
        unread=queries.unread_count(actor.id),
        unread_only=unread_only,
        message_for=services.message_for,
    )


@bp.post("/<int:notification_id>/open")
@login_required
def open_one(notification_id: int) -> ResponseReturnValue:
    """Mark one notification read and go to what it is about."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.recipient_id != current_actor().id:
        abort(404)
    services.mark_read([notification], utcnow())
    return redirect(links.url_of(notification), 303)


@bp.post("/read")
@login_required
def read_all() -> ResponseReturnValue:
    """Mark every notification read."""
    count = services.mark_read(queries.unread_for(current_actor().id), utcnow())
    flash(f"{count} notification{'s' if count != 1 else ''} marked as read.", "success")
    return redirect(url_for(".index"), 303)


@bp.post("/outbox/<int:email_id>/resend")
@requires(permissions.is_admin)
def resend(email_id: int) -> ResponseReturnValue:
    """Put an email that may have gone, or was refused for good, back in the queue."""
    email = db.get_or_404(OutboundEmail, email_id)
    services.resend(email, actor=current_actor(), now=utcnow())
    flash(f"Email {email.id} will be sent again by the next run (same Message-ID).", "success")
    return redirect(url_for(".outbox"), 303)


@bp.get("/outbox")
@requires(permissions.is_admin)
def outbox() -> ResponseReturnValue:
    """The emails composed for notifications, newest first, with how each delivery went."""
    emails = queries.outbox_page(
        request.args.get("page", 1, type=int), current_app.config["ADMIN_PAGE_SIZE"]
    )
    return render_template(
        "notifications/outbox.html",
        emails=emails,
        smtp_host=current_app.config.get("MAIL_SMTP_HOST") or "",
    )
