"""Words that fit every victim: the pronouns of the gender the referral recorded, or neutral ones.

Texts about one victim are written with placeholders (``"{Their} views"``, ``"date you told
{them}"``, ``"{they} {are} frightened"``) and filled with ``Pronouns.fit``; templates read the
same words from ``victim_words(...)`` (conference.web.jinja). A woman is "she", a man "he";
anyone else, and anyone whose gender was not recorded, is "they".
"""

from __future__ import annotations

from dataclasses import dataclass, fields


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
        """The text with its placeholders filled: "{Their} views" -> "Her views"."""
        return text.format_map(self.mapping())


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
