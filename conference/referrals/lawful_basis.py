"""Why a referral may be shared: her consent or the reason for sharing without it, who
authorised that, and the data protection law it rests on, in plain words.

The law (domain.md sections 3 and 6): sharing for a MARAC rests on UK GDPR Article 6(1)(e),
a task in the public interest, and, for special-category information, Article 9(2)(g) with the
Data Protection Act 2018, Schedule 1, paragraph 18 (safeguarding of children and of
individuals at risk). That condition allows sharing without consent when consent cannot be
given, cannot reasonably be obtained, or asking would put the protection at risk. Consent is
sought where it is safe; sharing without it is recorded with its reason and who decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from conference.pronouns import THEY, Pronouns
from conference.referrals.choices import Consent, WithoutConsent

#: What every MARAC referral rests on, whatever she said.
LAW = (
    "UK GDPR Article 6(1)(e): sharing is part of a task in the public interest, protecting "
    "people at high risk of serious harm.",
    "UK GDPR Article 9(2)(g), with the Data Protection Act 2018, Schedule 1, paragraph 18: "
    "information about {their} health, sex life or ethnic group may be shared to keep a person at "
    "risk safe.",
)

#: What her answer about consent means under that law.
MEANING = {
    Consent.GIVEN: "{They} know{s} and agree{s}. {Their} agreement keeps the sharing fair and "
    "open; the law it rests on is the same.",
    Consent.REFUSED_SHARED: "{They} said no. Paragraph 18 still allows sharing when it is needed "
    "to protect {them} or someone else from serious harm, and only as much as is necessary and "
    "proportionate. Why, and who decided, are recorded.",
    Consent.NOT_SOUGHT: "{They} {were} not asked. Paragraph 18 allows sharing without asking when "
    "{their} consent cannot be sought, or asking would put {them} or others at more risk. Why, "
    "and who decided, are recorded.",
}

#: The reasons that fit each way of sharing without consent: once she has refused, she was
#: asked, so only the risk of serious harm can justify sharing against her wish.
REASONS_FOR = {
    Consent.REFUSED_SHARED: frozenset({WithoutConsent.SERIOUS_HARM}),
    Consent.NOT_SOUGHT: frozenset(WithoutConsent),
}


@dataclass(frozen=True)
class LawfulBasis:
    """The basis a referral records, ready to show."""

    #: True: shared without her consent; False: with it; None: not recorded.
    without_consent: bool | None
    #: One line: with consent, without it and why, or not recorded.
    summary: str
    #: Who authorised sharing without consent ("name, role"), or "".
    authorised_by: str
    #: The law, and what her answer means under it, in plain words.
    law: tuple[str, ...]
    #: Answers that do not hang together, by field: the form refuses them; a referral sent
    #: before they were refused may still hold one.
    contradictions: dict[str, str] = field(default_factory=dict)

    def fit(self, pronouns: Pronouns) -> LawfulBasis:
        """The basis with its words about the victim filled for their pronouns."""
        return replace(
            self,
            summary=pronouns.fit(self.summary),
            law=tuple(pronouns.fit(text) for text in self.law),
            contradictions={k: pronouns.fit(v) for k, v in self.contradictions.items()},
        )


def basis_of(
    victim_aware: bool | None,
    consent: Consent | None,
    reason: WithoutConsent | None,
    authorised_by: str,
    authoriser_role: str,
    *,
    pronouns: Pronouns = THEY,
) -> LawfulBasis:
    """The basis of a referral from its answers (a referral's, or a draft's being typed)."""
    if consent is None:
        return LawfulBasis(None, "Not recorded", "", LAW).fit(pronouns)
    # As assigned before a flush, the values may still be plain strings.
    consent = Consent(consent)
    reason = WithoutConsent(reason) if reason else None
    law = (*LAW, MEANING[consent])
    who = ", ".join(part for part in (authorised_by.strip(), authoriser_role.strip()) if part)
    problems = contradictions(victim_aware, consent, reason)
    if consent is Consent.GIVEN:
        return LawfulBasis(False, "Shared with {their} consent", "", law, problems).fit(pronouns)
    why = reason.label.lower() if reason else "reason not recorded"
    summary = f"Shared without {{their}} consent ({consent.label.split(',')[0].lower()}): {why}"
    return LawfulBasis(True, summary, who or "Not recorded", law, problems).fit(pronouns)


def basis_of_typed(
    victim_aware: object,
    consent: object,
    reason: object,
    authorised_by: object,
    role: object,
    *,
    pronouns: Pronouns = THEY,
) -> LawfulBasis:
    """The basis as the consent step's answers stand, typed and perhaps not valid yet."""
    return basis_of(
        {"yes": True, "no": False}.get(str(victim_aware or "")),
        Consent(str(consent)) if consent in set(Consent) else None,
        WithoutConsent(str(reason)) if reason in set(WithoutConsent) else None,
        str(authorised_by or ""),
        str(role or ""),
        pronouns=pronouns,
    )


def contradictions(
    victim_aware: bool | None, consent: Consent | None, reason: WithoutConsent | None
) -> dict[str, str]:
    """Answers that cannot all be true, by the field the message belongs beside.

    The form refuses them; a referral sent before they were refused may still hold one, and
    screening shows it.
    """
    found: dict[str, str] = {}
    if victim_aware is False and consent is Consent.GIVEN:
        found["consent"] = (
            "{They} cannot have given consent to a referral {they} {do} not know about: choose "
            "how it is shared without consent, or answer yes to whether {they} know{s}"
        )
    elif victim_aware is False and consent is Consent.REFUSED_SHARED:
        found["consent"] = (
            "{They} cannot have refused a referral {they} {do} not know about: choose 'not "
            "sought', or answer yes to whether {they} know{s}"
        )
    if consent is Consent.GIVEN and reason is not None:
        found["without_consent_reason"] = (
            "{They} {have} given consent, so there is no reason for sharing without it: choose "
            "'Not applicable', or change the answer about consent"
        )
    elif consent in REASONS_FOR and reason is not None and reason not in REASONS_FOR[consent]:
        found["without_consent_reason"] = (
            "{They} {were} asked and refused, so {their} consent was sought: sharing against "
            "{their} wish needs a risk of serious harm"
        )
    return found
