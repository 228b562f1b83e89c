"""What an agency can say about a case, and the risks it can flag."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class Outcome(Labelled):
    NOT_KNOWN = "not_known"
    KNOWN = "known"
    NOTHING_TO_ADD = "nothing_to_add"


class RiskFlag(Labelled):
    """Risks an agency's records show, flagged so the chair sees them at a glance."""

    WEAPONS = "weapons"
    THREATS_TO_KILL = "threats_to_kill"
    CHILD_PROTECTION = "child_protection"
    PREGNANCY = "pregnancy"
    MENTAL_HEALTH = "mental_health"
    SUBSTANCE_USE = "substance_use"
    BREACH_OF_ORDERS = "breach_of_orders"
    RECENT_RELEASE = "recent_release"
    STALKING = "stalking"


#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (Outcome.NOT_KNOWN, "Not known to us"),
    (Outcome.KNOWN, "Known to us: we will share information"),
    (Outcome.NOTHING_TO_ADD, "Known to us, nothing to add"),
    (RiskFlag.WEAPONS, "Access to weapons"),
    (RiskFlag.THREATS_TO_KILL, "Threats to kill"),
    (RiskFlag.CHILD_PROTECTION, "Child protection plan or concerns"),
    (RiskFlag.PREGNANCY, "Pregnancy or a new baby"),
    (RiskFlag.MENTAL_HEALTH, "Mental health concerns"),
    (RiskFlag.SUBSTANCE_USE, "Drug or alcohol misuse"),
    (RiskFlag.BREACH_OF_ORDERS, "Breach of bail, injunction or court order"),
    (RiskFlag.RECENT_RELEASE, "Perpetrator recently released or due for release"),
    (RiskFlag.STALKING, "Stalking or harassment"),
]
add_labels(LABELS)
