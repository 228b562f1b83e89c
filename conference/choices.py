"""Closed lists stored by value, each member carrying the words a practitioner reads."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from wtforms.fields.choices import SelectChoice

#: Keyed by (enum class, value): members of different enums with the same value (such as
#: "not_known") are equal as strings, so the member alone would not tell them apart.
_LABELS: dict[tuple[type, str], str] = {}


def add_labels(labels: Iterable[tuple[StrEnum, str]]) -> None:
    """Give enum members their labels; each domain's choices module calls this once."""
    _LABELS.update({(type(member), member.value): label for member, label in labels})


class Labelled(StrEnum):
    """A StrEnum whose members carry a label for forms and pages."""

    @property
    def label(self) -> str:
        return _LABELS[(type(self), self.value)]

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label) for member in cls]
