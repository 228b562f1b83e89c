"""The form for closing a case."""

from __future__ import annotations

from typing import Any

from conference.referrals.models import REASON_LIMIT
from conference.web.forms import Form, long_text


class CloseForm(Form):
    #: Optional here: whether it is needed depends on the case's open actions, which the
    #: service checks (and puts its refusal beside this field).
    reason = long_text(
        "Why are you closing the case?",
        REASON_LIMIT,
        hint="Needed while any action is still open, or if no conference heard the case. It is "
        "kept with the case and shown to whoever reviews it after a repeat referral.",
    )


def close_form(formdata: Any = None) -> CloseForm:
    """The form, prefixed: the case page holds other reason boxes."""
    return CloseForm(formdata, prefix="close")
