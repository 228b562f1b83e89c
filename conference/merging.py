"""Three-way merge of a record's text fields: what a save made on a stale copy may still write.

A form carries the values its user started from (the base). When someone else saved the
record meanwhile, each field is settled on its own: a field only this user changed takes their
text, a field only the other person changed keeps theirs, a field both changed alike is simply
that text, and a field both changed differently is a clash, for the user to settle by seeing
both side by side. Nothing here knows of requests or of any record: plain values in, plain
values out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Clash:
    """A field both people changed, differently: their saved text and this user's."""

    theirs: str
    mine: str


@dataclass(frozen=True)
class Merge:
    """The outcome of a merge, field by field."""

    #: What to save for every field: the settled value of each field that does not clash (and,
    #: for a clash, the other person's saved text: nothing of theirs is replaced unasked).
    values: dict[str, str]
    #: Fields only this user changed: their text goes on top of the saved record.
    mine: tuple[str, ...] = ()
    #: Fields only the other person changed: their text is kept.
    theirs: tuple[str, ...] = ()
    #: Fields both changed differently, in the order the fields were given.
    clashes: dict[str, Clash] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """Nothing to settle: the merged values may be saved as they are."""
        return not self.clashes


def _text(value: str | None) -> str:
    return (value or "").strip()


def _same(one: str, other: str) -> bool:
    """Equal texts, whichever line endings a browser sent them with."""
    return one.replace("\r\n", "\n") == other.replace("\r\n", "\n")


def merge(
    fields: Iterable[str],
    *,
    base: Mapping[str, str | None] | None,
    mine: Mapping[str, str | None],
    theirs: Mapping[str, str | None],
) -> Merge:
    """Merge this user's values (mine) into what is saved now (theirs), field by field, given
    the values both started from (base). Texts are compared trimmed, as they are saved.

    A field whose base is unknown (no base at all, or None for it) cannot tell who changed it:
    it clashes whenever the two texts differ.
    """
    values: dict[str, str] = {}
    only_mine: list[str] = []
    only_theirs: list[str] = []
    clashes: dict[str, Clash] = {}
    for name in fields:
        my_text, their_text = _text(mine.get(name)), _text(theirs.get(name))
        started = None if base is None or base.get(name) is None else _text(base.get(name))
        values[name] = their_text
        if _same(my_text, their_text):
            continue
        if started is not None and _same(my_text, started):
            only_theirs.append(name)
        elif started is not None and _same(their_text, started):
            values[name] = my_text
            only_mine.append(name)
        else:
            clashes[name] = Clash(theirs=their_text, mine=my_text)
    return Merge(values, tuple(only_mine), tuple(only_theirs), clashes)
