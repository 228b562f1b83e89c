"""Placing and lifting a legal hold."""

from __future__ import annotations

from wtforms import HiddenField

from conference.retention.models import REASON_LIMIT
from conference.web.forms import FlaskForm, long_text


class PlaceHoldForm(FlaskForm):
    reason = long_text(
        "Why the case must be kept",
        REASON_LIMIT,
        required="Enter why the case must be kept",
        hint="For example a court case, a review or a complaint still open. Say what it is "
        "about, not who: this reason is kept after the case is anonymised.",
    )


class LiftHoldForm(FlaskForm):
    #: The hold's version when the page was read: a lift on a stale copy is refused (409).
    version = HiddenField()
    reason = long_text(
        "Why the hold can end",
        REASON_LIMIT,
        required="Enter why the hold can end",
        hint="Once lifted, the case is anonymised or deleted at the next nightly run if its "
        "retention period has ended.",
    )
