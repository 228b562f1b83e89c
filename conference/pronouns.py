"""Words that fit every victim: the pronouns of the gender the referral recorded, or neutral ones.

Texts about one victim are written with placeholders (``"{Their} views"``, ``"date you told
{them}"``, ``"{they} {are} frightened"``) and filled with ``Pronouns.fit``; templates read the
same words from ``victim_words(...)`` (conference.web.jinja). A woman is "she", a man "he";
anyone else, and anyone whose gender was not recorded, is "they".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any

#: A placeholder: one of the Pronouns' words in braces, lower-case or capitalised.
PLACEHOLDER = re.compile(r"\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class Pronouns:
    they: str
    them: str
    their: str
    theirs: str
    themself: str
    #: The verb forms that agree with "they" or with "she"/"he".
    are: str
    were: str
    have: str
    do: str
    #: The ending of a present-tense verb: "she trusts", "they trust".
    s: str

    @property
    def They(self) -> str:  # noqa: N802  (read in templates as victim_words(...).They)
        return self.they.capitalize()

    @property
    def Their(self) -> str:  # noqa: N802
        return self.their.capitalize()

    @property
    def Them(self) -> str:  # noqa: N802
        return self.them.capitalize()

    @property
    def Do(self) -> str:  # noqa: N802
        return self.do.capitalize()

    def mapping(self) -> dict[str, str]:
        """Every placeholder, lower-case and capitalised: for str.format_map."""
        words = {f.name: getattr(self, f.name) for f in fields(self)}
        return {**words, **{key.capitalize(): value.capitalize() for key, value in words.items()}}

    def fit(self, text: str) -> str:
        """The text with its placeholders filled: "{Their} views" -> "Her views". Braces that
        name no placeholder are left as they are."""
        words = self.mapping()
        return PLACEHOLDER.sub(lambda m: words.get(m.group(1), m.group(0)), text)


SHE = Pronouns("she", "her", "her", "hers", "herself", "is", "was", "has", "does", "s")
HE = Pronouns("he", "him", "his", "his", "himself", "is", "was", "has", "does", "s")
THEY = Pronouns("they", "them", "their", "theirs", "themself", "are", "were", "have", "do", "")

BY_GENDER = {"female": SHE, "male": HE}


def pronouns_for(gender: object) -> Pronouns:
    """The pronouns for a recorded gender (a Gender or its value); "they" for any other
    gender, and where none was recorded."""
    return BY_GENDER.get(str(getattr(gender, "value", gender or "")), THEY)


def fit(text: str, gender: object = None) -> str:
    """The text with its placeholders filled for the gender (neutral when none is given)."""
    return pronouns_for(gender).fit(text)


class FitsVictim:
    """A form about one victim, its labels, hints, choices and messages written with
    placeholders: each is filled with "they" when the form is made, and with the victim's own
    pronouns by ``for_victim``. Mixed in before the form class."""

    pronouns: Pronouns = THEY

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unfitted: dict[str, tuple[str, Any, Any]] = {
            field.name: (field.label.text, field.description, getattr(field, "choices", None))
            for field in self  # type: ignore[attr-defined]
        }
        self.for_victim(THEY)

    def for_victim(self, pronouns: Pronouns) -> Any:
        """Fill the form's words for this victim; returns the form."""
        self.pronouns = pronouns
        for field in self:  # type: ignore[attr-defined]
            label, description, choices = self._unfitted[field.name]
            field.label.text = pronouns.fit(label)
            if isinstance(description, str):
                field.description = pronouns.fit(description)
            if isinstance(choices, list):
                field.choices = [fill_choice(pronouns.fit, choice) for choice in choices]
        self.fit_errors()
        return self

    def fit_errors(self) -> None:
        """Fill the placeholders of the messages beside the fields."""
        for field in self:  # type: ignore[attr-defined]
            if isinstance(field.errors, list):
                field.errors = [
                    self.pronouns.fit(e) if isinstance(e, str) else e for e in field.errors
                ]


def fill_choice(fill: Callable[[str], str], choice: Any) -> Any:
    """A choice (a SelectChoice or a (value, label, ...) tuple) with its label filled."""
    label = getattr(choice, "label", None)
    if is_dataclass(choice) and not isinstance(choice, type) and isinstance(label, str):
        return replace(choice, label=fill(label))  # a SelectChoice
    if isinstance(choice, tuple) and len(choice) >= 2 and isinstance(choice[1], str):
        return (choice[0], fill(choice[1]), *choice[2:])
    return choice
