"""The form that moves a register entry on."""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField

from conference.escalation.choices import EntryStatus
from conference.escalation.lifecycle import ENTRY
from conference.escalation.models import NOTE_LIMIT, EscalationEntry
from conference.web.forms import Form, long_text, radios


class StatusForm(Form):
    status = radios("What is its status now?", [], "Choose its new status")
    note = long_text(
        "What was done",
        NOTE_LIMIT,
        required="Say in a note what was done",
        hint="For example, who at the agency it was raised with, and what they agreed. Read by "
        "the coordinators and the steering group: no names of victims or perpetrators.",
    )
    #: The version the coordinator's copy was read at: a stale copy is refused (409).
    version = HiddenField()


def status_form(entry: EscalationEntry, formdata: Any = None) -> StatusForm:
    """The form for entry, offering the statuses its table allows from where it stands."""
    form = StatusForm(formdata)
    allowed = {target for source, target in ENTRY.pairs() if source is entry.status}
    form.status.choices = [(s.value, s.label) for s in EntryStatus if s in allowed]
    if formdata is None:
        form.version.data = str(entry.version)
    return form
