"""The forms of a transfer: sending it, and declining it."""

from __future__ import annotations

from typing import Any

from conference.referrals.models import REASON_LIMIT
from conference.transfers.choices import ActionFate
from conference.transfers.services import Fate
from conference.web.forms import Form, InPracticeWords, long_text, radios
from conference.web.requests import parse_id


class TransferForm(InPracticeWords, Form):
    to_marac_id = radios(
        "Which {meeting} is the victim moving to?", [], "Choose the receiving {meeting}"
    )
    reason = long_text(
        "Why is the case being transferred?",
        REASON_LIMIT,
        required="Say why the case is being transferred",
        hint="Shown to the coordinators of both {meetings} only.",
    )


def transfer_form(maracs: list[Any], formdata: Any = None) -> TransferForm:
    form = TransferForm(formdata)
    form.to_marac_id.choices = [(str(m.id), m.name) for m in maracs]
    return form


class DeclineForm(InPracticeWords, Form):
    reason = long_text(
        "Why are you declining the transfer?",
        REASON_LIMIT,
        required="Say why you are declining the transfer",
        hint="The sending {meeting}'s coordinators read it.",
    )


def fates_from(formdata: Any, action_ids: list[int]) -> dict[int, Fate]:
    """Each open action's decision, from fields action-<id>-fate, -agency and -reason."""
    fates = {}
    for action_id in action_ids:
        prefix = f"action-{action_id}"
        raw = (formdata.get(f"{prefix}-fate") or "").strip()
        fate = ActionFate(raw) if raw in {f.value for f in ActionFate} else None
        agency = (formdata.get(f"{prefix}-agency") or "").strip()
        fates[action_id] = Fate(
            fate,
            parse_id(agency),
            formdata.get(f"{prefix}-reason") or "",
        )
    return fates
