"""The referral form's steps and its draft: what was typed, kept exactly as typed.

A draft is a dict of step name -> field name -> the values sent for it (a list, as a form sends
them). Keeping the raw values means an invalid date or an over-long text is kept too, shown back
with its message, and never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from conference.pronouns import THEY, Pronouns, pronouns_for
from conference.referrals import forms
from conference.referrals.births import BirthDate
from conference.referrals.checklists import RiskTool
from conference.text import CONTROL_CHARACTER

#: Longest single value kept in a draft: above every field's limit, so an over-long text is
#: still kept to be shortened, but no one can store megabytes.
MAX_VALUE_LENGTH = 8_000
#: Most characters one step keeps in all; the longest honest step is a small fraction of this.
MAX_STEP_LENGTH = 60_000
#: A date is sent as three boxes; nothing else sends more than one value.
MAX_VALUES_PER_KEY = 3

Draft = dict[str, dict[str, list[str]]]

ENTRY_NUMBER = re.compile(r"[0-9]{1,2}")


@dataclass(frozen=True)
class Step:
    name: str
    title: str
    form: Callable[[RiskTool], type[forms.StepForm]]
    #: For lists of people or incidents: the FieldList's name, and the entry field whose
    #: (empty) value stands for a new blank entry.
    repeating: str | None = None
    blank_field: str = "given_name"


STEPS = (
    Step("victim", "About the victim", lambda tool: forms.VictimForm),
    Step("contact", "Contact and safety", lambda tool: forms.ContactForm),
    Step(
        "perpetrators",
        "Perpetrators",
        lambda tool: forms.PerpetratorsForm,
        repeating="perpetrators",
    ),
    Step("children", "Children in the household", lambda tool: forms.ChildrenForm, "children"),
    Step("checklist", "Risk checklist", forms.checklist_form_class),
    Step(
        "criteria",
        "Incidents and professional judgement",
        lambda tool: forms.CriteriaForm,
        repeating="incidents",
        blank_field="summary",
    ),
    Step("consent", "Consent and what has happened", lambda tool: forms.ConsentForm),
    Step("young_person", "A victim aged 16 or 17", lambda tool: forms.YoungPersonForm),
)
STEP_BY_NAME = {step.name: step for step in STEPS}


def steps_for(draft: Draft, today: date) -> tuple[Step, ...]:
    """The steps this draft needs: the 16-17 step only for a victim of that age."""
    return tuple(s for s in STEPS if s.name != "young_person" or is_aged_16_17(draft, today))


class KeptValues(MultiDict[str, str]):
    """A step's values as a draft keeps them: a date's boxes day, month, year, whatever order
    a browser showed them in (the routes turn what was sent into this order: forms.as_kept)."""

    kept_in_order = True


def step_values(draft: Draft, step: str) -> KeptValues:
    """The saved values of one step, as a form would send them."""
    saved = draft.get(step, {})
    return KeptValues([(key, value) for key, values in saved.items() for value in values])


def form_for(
    step: Step, tool: RiskTool, values: Mapping[str, Any], today: date, pronouns: Pronouns = THEY
) -> Any:
    """The step's form with values, speaking of the victim by pronouns."""
    return step.form(tool)(formdata=values, today=today).for_victim(pronouns)


def form_from_draft(draft: Draft, step: Step, tool: RiskTool, today: date) -> Any:
    return form_for(step, tool, step_values(draft, step.name), today, pronouns_of(draft))


def pronouns_of(draft: Draft | None) -> Pronouns:
    """The pronouns for the victim as the draft's victim step gives their gender."""
    typed = ((draft or {}).get("victim") or {}).get("gender") or [""]
    return pronouns_for(typed[0])


def with_step(draft: Draft, step: Step, tool: RiskTool, sent: MultiDict[str, str]) -> Draft:
    """The draft with one step's values replaced by those sent (dates already in the order
    kept: day, month, year): only the step's own fields, list entries numbered within the
    list's limit, and every value within bounds."""
    accepts = _key_matcher(step, tool)
    kept: dict[str, list[str]] = {}
    total = 0
    for key in sent:
        if not accepts(key):
            continue
        values = [str(v)[:MAX_VALUE_LENGTH] for v in sent.getlist(key)[:MAX_VALUES_PER_KEY]]
        total += sum(len(v) for v in values)
        if total > MAX_STEP_LENGTH:
            break
        kept[key] = values
    return {**draft, step.name: kept}


def _key_matcher(step: Step, tool: RiskTool) -> Callable[[str], bool]:
    """Whether a sent key belongs to the step: a field's name, or `list-N-field` within limits."""
    form_class = step.form(tool)
    simple = _field_names(form_class) - {step.repeating}
    if not step.repeating:
        return simple.__contains__
    listed = getattr(form_class, step.repeating)
    entry_class = listed.args[0].args[0]
    limit = listed.kwargs["max_entries"]
    pattern = re.compile(
        rf"{step.repeating}-([0-9]{{1,2}})-({'|'.join(sorted(_field_names(entry_class)))})"
    )

    def accepts(key: str) -> bool:
        if key in simple:
            return True
        match = pattern.fullmatch(key)
        return match is not None and int(match.group(1)) < limit

    return accepts


def _field_names(form_class: type) -> set[str]:
    return {name for name in dir(form_class) if _is_field(getattr(form_class, name, None))}


def _is_field(value: Any) -> bool:
    return hasattr(value, "field_class")


def add_entry(draft: Draft, step: Step) -> Draft:
    """The draft with a blank entry added to the step's list (of perpetrators, children...)."""
    saved = dict(draft.get(step.name, {}))
    prefix = f"{step.repeating}-"
    saved[f"{prefix}{_entry_count(saved, prefix)}-{step.blank_field}"] = [""]
    return {**draft, step.name: saved}


def remove_entry(draft: Draft, step: Step, index: int) -> Draft:
    """The draft without entry index of the step's list; later entries move up one."""
    saved = draft.get(step.name, {})
    prefix = f"{step.repeating}-"
    renumbered: dict[str, list[str]] = {}
    for key, values in saved.items():
        if not key.startswith(prefix):
            renumbered[key] = values
            continue
        number, _, rest = key[len(prefix) :].partition("-")
        if not ENTRY_NUMBER.fullmatch(number) or int(number) == index:
            continue
        new = int(number) - 1 if int(number) > index else int(number)
        renumbered[f"{prefix}{new}-{rest}"] = values
    return {**draft, step.name: renumbered}


def drop_blank_entries(draft: Draft, step: Step) -> Draft:
    """The draft without list entries where nothing at all was typed."""
    if not step.repeating:
        return draft
    saved = draft.get(step.name, {})
    prefix = f"{step.repeating}-"
    for index in reversed(range(_entry_count(saved, prefix))):
        values = [
            v
            for key, vs in saved.items()
            if key.startswith(f"{prefix}{index}-") and not key.endswith("-csrf_token")
            for v in vs
        ]
        if not any(v.strip() for v in values):
            draft = remove_entry(draft, step, index)
            saved = draft.get(step.name, {})
    return draft


def _entry_count(saved: Mapping[str, Any], prefix: str) -> int:
    numbers = {
        int(key[len(prefix) :].split("-", 1)[0])
        for key in saved
        if key.startswith(prefix) and ENTRY_NUMBER.fullmatch(key[len(prefix) :].split("-", 1)[0])
    }
    return max(numbers) + 1 if numbers else 0


def parsed(draft: Draft, step_name: str, tool: RiskTool, today: date) -> dict[str, Any]:
    """What the step's fields hold once parsed; a value that does not parse reads as empty."""
    form = form_from_draft(draft, STEP_BY_NAME[step_name], tool, today)
    return form.data


def victim_identity(draft: Draft, tool: RiskTool, today: date) -> tuple[list[str], BirthDate]:
    """Her names (full name and aliases) and date of birth, as far as typed so far."""
    form = form_from_draft(draft, STEP_BY_NAME["victim"], tool, today)
    victim = form.data
    full = f"{victim.get('given_name') or ''} {victim.get('family_name') or ''}".strip()
    aliases = [a.strip() for a in (victim.get("aliases") or "").splitlines() if a.strip()]
    # A name with a control character is refused beside its field; never looked up with it.
    names = [n for n in [full, *aliases] if n and not CONTROL_CHARACTER.search(n)]
    return names, form.birth()


def referrer_reference(draft: Draft, today: date) -> str:
    """The referrer's own reference as typed, once it is a valid one; empty until then."""
    form = forms.VictimForm(formdata=step_values(draft, "victim"), today=today)
    return form.reference.data or "" if form.reference.validate(form) else ""


def is_aged_16_17(draft: Draft, today: date) -> bool:
    """Whether the victim is 16 or 17 by what is known of her date of birth: an approximate
    one counts by the age it gives; none known, not."""
    birth = forms.VictimForm(formdata=step_values(draft, "victim"), today=today).birth()
    return bool(birth.may_be_aged(16, 17, today))


CHECKLIST_ANSWERS = ("yes", "no", "not_known")


def checklist_answers(draft: Draft, tool: RiskTool) -> dict[str, str]:
    """The tool's questions answered in the draft so far: question id -> yes / no / not_known.
    Every question of the tool is read; scoring leaves out a closed module's answers."""
    saved = draft.get("checklist", {})
    found = {q.id: (saved.get(q.id) or [""])[0] for q in tool.all_questions}
    return {q: a for q, a in found.items() if a in CHECKLIST_ANSWERS}


def answers(form: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Each answered field of a step's form as (label, text), list entries numbered: what a
    saved step says, to show beside what was typed."""
    shown: list[tuple[str, str]] = []
    for field in form:
        if field.type in ("CSRFTokenField", "HiddenField", "SubmitField"):
            continue
        label = f"{prefix}{field.label.text}"
        if field.type == "FieldList":
            for number, entry in enumerate(field.entries, 1):
                shown += answers(entry.form, f"{label} {number}: ")
        elif field.type == "FormField":
            shown += answers(field.form, f"{label}: ")
        elif text := _answer_text(field):
            shown.append((label, text))
    return shown


def _answer_text(field: Any) -> str:
    raw = [str(v).strip() for v in field.raw_data or [] if str(v).strip()]
    choices = getattr(field, "choices", None)
    if choices and raw:
        pairs = [c if isinstance(c, tuple) else (c.value, c.label) for c in choices]
        labels = {str(value): str(label) for value, label, *_ in pairs}
        return ", ".join(labels.get(v, v) for v in raw)
    if field.type == "BooleanField":
        return "Yes" if field.data else ""
    separator = "/" if len(raw) == 3 and all(v.isdigit() for v in raw) else ", "
    return separator.join(raw)
