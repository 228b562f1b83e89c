"""Where a notification leads: an endpoint and its ids, made into a URL only when opened.

Kept as an endpoint rather than a path, so a URL that changes never leaves a dead link, and
the arguments can only be ids, so a link never carries a case detail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from flask import url_for
from werkzeug.routing import BuildError

from conference.notifications.models import Notification

log = logging.getLogger(__name__)

#: Where a notification whose page no longer exists leads instead.
FALLBACK_ENDPOINT = "notifications.index"


@dataclass(frozen=True)
class Link:
    """An endpoint of this app and the ids it needs, e.g. Link("referrals.detail",
    {"referral_id": 12})."""

    endpoint: str
    args: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.endpoint or "/" in self.endpoint or ":" in self.endpoint:
            raise ValueError(f"A notification link names an endpoint, not {self.endpoint!r}")
        not_ids = sorted(
            name
            for name, value in self.args.items()
            if not name.endswith("_id") or type(value) is not int
        )
        if not_ids:
            raise ValueError(f"A notification link carries ids only, not {not_ids}")


def url_of(notification: Notification) -> str:
    """The URL of the page the notification leads to. Needs a request context."""
    try:
        return url_for(notification.endpoint, **notification.endpoint_args)
    except BuildError:
        # Stored before an endpoint was renamed or removed: the list is better than a 500.
        log.warning(
            "notification link no longer builds",
            extra={"notification_id": notification.id, "endpoint": notification.endpoint},
        )
        return url_for(FALLBACK_ENDPOINT)
