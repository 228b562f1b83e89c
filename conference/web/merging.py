"""Forms that merge: a versioned record's form carries the text it started from, so that a save
made on a stale copy writes only what this user changed (see conference.merging).

Beside each merged field the page sends ``<field>.base``, the saved text the copy was read
from (templates/_macros/merging.html). When both people changed a field, the answer shows the
two texts side by side with ``<field>.clash`` and a choice ``<field>.keep`` (theirs or mine);
the next save reads that choice here. Works the same with and without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from conference.merging import Clash, Merge, merge

KEEP_THEIRS, KEEP_MINE = "theirs", "mine"
CHOOSE = "Choose whether to keep their text or yours"


class Merges:
    """For a Form of a versioned record whose text fields (``merged_fields``) merge.

    The page carries the saved text of every merged field (hidden, but in the page): name only
    fields the viewer may read, as the form itself shows them. A field some viewers may not see
    (such as her safe contact details on her voice) must not be a merged field for them.
    """

    #: The fields that merge, each a text field of the form.
    merged_fields: tuple[str, ...] = ()
    #: field -> the saved text the user's copy started from (None for a field it did not
    #: carry). None on a fresh form, whose own data is what is saved.
    base: dict[str, str | None] | None = None
    #: field -> both texts, for each field shown side by side.
    clashes: dict[str, Clash]
    #: field -> "theirs" or "mine", for each clash the user settled.
    choices: dict[str, str]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clashes, self.choices = {}, {}

    def __getitem__(self, name: str) -> Any:  # the form's fields, as wtforms gives them
        return super().__getitem__(name)  # type: ignore[misc]


@dataclass(frozen=True)
class Posted:
    """What a post of a merging form says beside its fields."""

    #: field -> the text the copy started from; None when the form carried none at all.
    base: dict[str, str | None] | None
    #: Fields whose clash the user settled by keeping the other person's text.
    keep: frozenset[str]
    #: Every clash shown was settled.
    settled: bool


def read_posted(form: Merges, data: Mapping[str, Any]) -> Posted:
    """Read the base and the choices a post carries; call it after form.validate().

    A clash shown again without a choice is put beside its field (CHOOSE). Every clash shown
    stays on the form, so a page shown again (422) still sets the two texts side by side.
    """
    base: dict[str, str | None] = {}
    keep: set[str] = set()
    settled = True
    for name in form.merged_fields:
        field = form[name]
        started = data.get(f"{field.name}.base")
        base[name] = str(started) if started is not None else None
        if data.get(f"{field.name}.clash") is None:
            continue
        form.clashes[name] = Clash(theirs=base[name] or "", mine=field.data or "")
        choice = data.get(f"{field.name}.keep")
        if choice in (KEEP_THEIRS, KEEP_MINE):
            form.choices[name] = str(choice)
            if choice == KEEP_THEIRS:
                keep.add(name)
        else:
            settled = False
            field.errors = [*field.errors, CHOOSE]
    form.base = base
    carried = any(value is not None for value in base.values())
    return Posted(base if carried else None, frozenset(keep), settled)


def typed(form: Merges) -> dict[str, str]:
    """The text of each merged field as posted."""
    return {name: form[name].data or "" for name in form.merged_fields}


def show_merge(
    form: Merges, saved: Mapping[str, str], version: int | None, posted: Posted
) -> Merge:
    """After a save refused on a stale copy (409): set the form on what is saved now.

    The next save is made at the saved version, from the saved text: fields only the other
    person changed now hold theirs, fields only this user changed keep the typing, and each
    field both changed keeps the typing beside theirs, to choose between. Returns the merge.
    """
    mine = {
        name: saved.get(name, "") if name in posted.keep else form[name].data or ""
        for name in form.merged_fields
    }
    merged = merge(form.merged_fields, base=posted.base, mine=mine, theirs=saved)
    for name in form.merged_fields:
        if name not in merged.clashes:
            form[name].data = merged.values[name]
    form.version.data = "" if version is None else str(version)  # type: ignore[attr-defined]
    form.base = {name: saved.get(name, "") for name in form.merged_fields}
    form.clashes, form.choices = dict(merged.clashes), {}
    return merged


def kept_message(merged: Merge | None, labels: Mapping[str, str]) -> str:
    """The sentence after a saved merge naming the other person's changes kept, else ''."""
    if merged is None:
        return ""
    if not merged.theirs:
        return " Someone else saved it while you were typing: nothing they changed was lost."
    parts = ", ".join(labels.get(name, name) for name in merged.theirs)
    return (
        " Someone else saved it while you were typing: their changes to "
        f"{parts} were kept alongside yours."
    )
