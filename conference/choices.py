"""Closed lists stored by value, each member carrying the words a practitioner reads."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from wtforms.fields.choices import SelectChoice

_LABELS: dict[StrEnum, str] = {}


def add_labels(labels: Mapping[StrEnum, str]) -> None:
    """Give enum members their labels; each domain's choices module calls this once."""
    _LABELS.update(labels)


class Labelled(StrEnum):
    """A StrEnum whose members carry a label for forms and pages."""

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(member.value, member.label) for member in cls]
