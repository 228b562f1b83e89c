"""Referrals, the cases they open or join, and every screening decision made on them.

A referral is a document: it keeps the victim's details as the referrer gave them on that day,
with the people named in it. A case is one victim in one MARAC and gathers her referrals.
While a referral is being written, ``draft`` holds exactly what was typed (valid or not), so
nothing is lost; submitting checks it and writes the columns below.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conference.accounts.models import Agency, Marac, User
from conference.db import TimestampMixin, UTCDateTime, enum_type, max_lengths, utcnow
from conference.extensions import Model, db
from conference.profiles import profile_for
from conference.pronouns import pronouns_for
from conference.referrals import births
from conference.referrals.births import BirthDate
from conference.referrals.choices import (
    CaseStatus,
    Consent,
    DobKind,
    Ethnicity,
    Gender,
    ReferralStatus,
    Relationship,
    Sexuality,
    WithoutConsent,
    YesNoNotKnown,
)
from conference.referrals.criteria import Criterion
from conference.referrals.lawful_basis import LawfulBasis, basis_of

#: Longest text each column holds; the forms use the same numbers.
REFERRAL_LIMITS = {
    "victim_given_name": 80,
    "victim_family_name": 80,
    "victim_aliases": 300,
    "victim_dob_reason": 200,
    "victim_other_dobs": 30,
    "victim_language": 60,
    "victim_address": 400,
    "victim_phone": 40,
    "contact_notes": 500,
    "who_she_fears": 1000,
    "safe_contacts": 1000,
    "unsafe_contacts": 1000,
    "judgement_reasons": 2000,
    "consent_reason": 1000,
    "consent_authorised_by": 120,
    "consent_authoriser_role": 120,
    "narrative": 6000,
    "key_worker": 120,
    "exploitation_notes": 1000,
    "reported_by": 200,
    "referrer_reference": 40,
}
PERPETRATOR_LIMITS = {
    "given_name": 80,
    "family_name": 80,
    "aliases": 300,
    "address": 400,
    "dob_reason": 200,
    "other_dobs": 30,
}
CHILD_LIMITS = {
    "given_name": 80,
    "family_name": 80,
    "relation_to_victim": 80,
    "relation_to_perpetrator": 80,
    "school": 120,
}
INCIDENT_LIMITS = {"summary": 200}
REASON_LIMIT = 2000


#: The columns that hold what is known of a date of birth (births.columns names them).
PERPETRATOR_BIRTH_COLUMNS = (
    "dob_kind",
    "dob",
    "born_from",
    "born_to",
    "approximate_age",
    "age_on",
    "dob_reason",
    "other_dobs",
)
VICTIM_BIRTH_COLUMNS = tuple(
    f"victim_{'age' if name == 'approximate_age' else name}" for name in PERPETRATOR_BIRTH_COLUMNS
)


class Case(TimestampMixin, Model):
    """One victim in one MARAC, from the first accepted referral to closure."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    #: e.g. NB-2026-0042: the MARAC's code, the year opened and a number within that year.
    reference: Mapped[str] = mapped_column(sa.String(24), unique=True)
    year: Mapped[int] = mapped_column()
    number: Mapped[int] = mapped_column()
    status: Mapped[CaseStatus] = mapped_column(
        enum_type(CaseStatus, "case_status"), default=CaseStatus.OPEN
    )
    advocate_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: She is in a refuge or her address is otherwise secret: shown only with a recorded reason.
    is_address_confidential: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the coordinator closed it; empty while open (a repeat referral that reopens it
    #: clears it).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who closed it last, and why (needed when actions were still open). Both are kept after
    #: a reopen, so whoever reviews the repeat can read why the case had been closed.
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: When a repeat referral last reopened it: the page then puts the previous plan first.
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The MARAC it last came from by an accepted transfer; the agenda says so.
    transferred_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("maracs.id"))
    #: When the retention job removed its personal details (conference/retention); empty
    #: while they are held.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    marac: Mapped[Marac] = relationship(foreign_keys=[marac_id], lazy="joined", innerjoin=True)
    transferred_from: Mapped[Marac | None] = relationship(
        foreign_keys=[transferred_from_id], lazy="joined"
    )
    advocate: Mapped[User | None] = relationship(foreign_keys=[advocate_id], lazy="joined")
    referrals: Mapped[list[Referral]] = relationship(
        back_populates="case",
        order_by="Referral.submitted_at",
        lazy="raise",
        foreign_keys="Referral.case_id",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.UniqueConstraint("marac_id", "year", "number"),
        sa.CheckConstraint("number > 0", name="number_positive"),
        sa.CheckConstraint(f"length(close_reason) <= {REASON_LIMIT}", name="close_reason_max"),
    )

    def __repr__(self) -> str:
        return f"<Case {self.id} {self.status}>"


class Referral(TimestampMixin, Model):
    """A referral to a MARAC, from draft to the coordinator's decision."""

    __tablename__ = "referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    marac_id: Mapped[int] = mapped_column(sa.ForeignKey("maracs.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    referrer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The referrer's agency when they referred (people move; the referral stays with it).
    agency_id: Mapped[int] = mapped_column(sa.ForeignKey("agencies.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "referral_status"), default=ReferralStatus.DRAFT, index=True
    )
    #: Everything typed so far, by form step, exactly as entered. Cleared once decided.
    draft: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON, default=dict)
    draft_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    risk_tool_id: Mapped[str] = mapped_column(sa.String(40))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: The day it was (last) submitted in the MARAC's time zone: the criteria count from it.
    referred_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The referrer's own number for it (a crime or case number), so they can find it again.
    referrer_reference: Mapped[str] = mapped_column(sa.String(40), default="", server_default="")

    # The victim.
    victim_given_name: Mapped[str] = mapped_column(sa.String(80), default="")
    victim_family_name: Mapped[str] = mapped_column(sa.String(80), default="")
    #: Other names she is known by, one per line.
    victim_aliases: Mapped[str] = mapped_column(sa.String(300), default="")
    #: Her date of birth when it is known exactly (births.BirthDate says what else is known).
    victim_dob: Mapped[date | None] = mapped_column(sa.Date, index=True)
    #: How much of it is known: the date, only a year, only an age, or nothing.
    victim_dob_kind: Mapped[DobKind | None] = mapped_column(enum_type(DobKind, "victim_dob_kind"))
    #: The first and last day she may have been born on, by everything known (her possible
    #: dates too): what matching searches by. Empty when nothing is known.
    victim_born_from: Mapped[date | None] = mapped_column(sa.Date, index=True)
    victim_born_to: Mapped[date | None] = mapped_column(sa.Date)
    #: Her age as the referrer gave it, and the day it was her age.
    victim_age: Mapped[int | None] = mapped_column()
    victim_age_on: Mapped[date | None] = mapped_column(sa.Date)
    #: Why her date of birth is not known.
    victim_dob_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: Other possible dates of birth (ISO dates, one a line), as other names are aliases.
    victim_other_dobs: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    victim_gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "gender"))
    victim_is_trans: Mapped[YesNoNotKnown | None] = mapped_column(
        enum_type(YesNoNotKnown, "victim_is_trans")
    )
    victim_ethnicity: Mapped[Ethnicity | None] = mapped_column(enum_type(Ethnicity, "ethnicity"))
    victim_disability: Mapped[YesNoNotKnown | None] = mapped_column(
        enum_type(YesNoNotKnown, "victim_disability")
    )
    victim_sexuality: Mapped[Sexuality | None] = mapped_column(enum_type(Sexuality, "sexuality"))
    victim_language: Mapped[str] = mapped_column(sa.String(60), default="")
    needs_interpreter: Mapped[bool] = mapped_column(default=False)

    # Reaching her safely: shown only to the coordinator, her advocate and the referrer.
    victim_address: Mapped[str] = mapped_column(sa.String(400), default="")
    victim_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    safe_to_call: Mapped[YesNoNotKnown | None] = mapped_column(
        enum_type(YesNoNotKnown, "safe_to_call")
    )
    contact_notes: Mapped[str] = mapped_column(sa.String(500), default="")
    who_she_fears: Mapped[str] = mapped_column(sa.Text, default="")
    safe_contacts: Mapped[str] = mapped_column(sa.Text, default="")
    unsafe_contacts: Mapped[str] = mapped_column(sa.Text, default="")

    # Children and the checklist.
    has_children: Mapped[bool | None] = mapped_column()
    #: 'Yes' answers on the checklist when submitted.
    score: Mapped[int | None] = mapped_column()
    #: The day the risk checklist was completed with her, when the referrer gave it.
    checklist_completed_on: Mapped[date | None] = mapped_column(sa.Date)

    # Criteria.
    meets_visible_high_risk: Mapped[bool] = mapped_column(default=False)
    meets_professional_judgement: Mapped[bool] = mapped_column(default=False)
    meets_escalation: Mapped[bool] = mapped_column(default=False)
    #: Found from the records when submitted, never typed.
    is_repeat: Mapped[bool] = mapped_column(default=False)
    judgement_reasons: Mapped[str] = mapped_column(sa.Text, default="")
    #: An earlier referral for someone with her date of birth and a name like hers exists.
    has_possible_match: Mapped[bool] = mapped_column(default=False)

    # Consent and the story.
    victim_aware: Mapped[bool | None] = mapped_column()
    consent: Mapped[Consent | None] = mapped_column(enum_type(Consent, "consent"))
    #: Why it is shared without consent, and who authorised that (referrals lawful_basis.py).
    #: Empty for one sent before they were asked.
    without_consent_reason: Mapped[WithoutConsent | None] = mapped_column(
        enum_type(WithoutConsent, "without_consent_reason")
    )
    consent_authorised_by: Mapped[str] = mapped_column(
        sa.String(120), default="", server_default=""
    )
    consent_authoriser_role: Mapped[str] = mapped_column(
        sa.String(120), default="", server_default=""
    )
    #: The explanation: why consent was not sought, or why sharing without it is needed.
    consent_reason: Mapped[str] = mapped_column(sa.Text, default="")
    narrative: Mapped[str] = mapped_column(sa.Text, default="")

    # A victim aged 16 or 17 needs more: domain.md section 2.2.
    is_aged_16_17: Mapped[bool] = mapped_column(default=False)
    key_worker: Mapped[str] = mapped_column(sa.String(120), default="")
    childrens_services_involved: Mapped[YesNoNotKnown | None] = mapped_column(
        enum_type(YesNoNotKnown, "childrens_services_involved")
    )
    exploitation_notes: Mapped[str] = mapped_column(sa.Text, default="")

    # A repeat-incident notice: a new incident on a case still flagged for repeats, told in a
    # short form without a new checklist. Empty for a full referral.
    about_case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    #: Who reported the incident to the agency (her, a neighbour, a police call-out...).
    reported_by: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    #: Bumped on every change: a decision or save made on a stale copy is refused, not merged.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    marac: Mapped[Marac] = relationship(lazy="joined", innerjoin=True)
    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)
    referrer: Mapped[User] = relationship(foreign_keys=[referrer_id], lazy="joined")
    case: Mapped[Case | None] = relationship(back_populates="referrals", foreign_keys=[case_id])
    about_case: Mapped[Case | None] = relationship(foreign_keys=[about_case_id], lazy="joined")
    perpetrators: Mapped[list[Perpetrator]] = relationship(
        cascade="all, delete-orphan", order_by="Perpetrator.position", lazy="selectin"
    )
    children: Mapped[list[Child]] = relationship(
        cascade="all, delete-orphan", order_by="Child.position", lazy="selectin"
    )
    incidents: Mapped[list[Incident]] = relationship(
        cascade="all, delete-orphan", order_by="Incident.occurred_on", lazy="selectin"
    )
    answers: Mapped[list[ChecklistAnswer]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    transitions: Mapped[list[ReferralTransition]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralTransition.at", lazy="selectin"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        *max_lengths(REFERRAL_LIMITS),
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        sa.CheckConstraint("victim_dob <= referred_on", name="victim_dob_not_future"),
        sa.CheckConstraint("victim_born_from <= victim_born_to", name="victim_born_in_order"),
        # Matching asks whose days of birth meet hers (matching.born_meeting): on PostgreSQL, a
        # range index finds them without reading every earlier birth.
        sa.Index(
            "ix_referrals_victim_born_days",
            sa.text("daterange(victim_born_from, victim_born_to, '[]')"),
            postgresql_using="gist",
        ).ddl_if(dialect="postgresql"),
        sa.CheckConstraint("victim_age BETWEEN 0 AND 120", name="victim_age_range"),
        sa.CheckConstraint(
            "checklist_completed_on <= referred_on", name="checklist_completed_not_future"
        ),
        sa.CheckConstraint(
            "status = 'draft' OR status = 'withdrawn' OR submitted_at IS NOT NULL",
            name="submitted_has_time",
        ),
        sa.CheckConstraint(
            "NOT meets_professional_judgement OR length(trim(judgement_reasons)) > 0",
            name="judgement_has_reasons",
        ),
        sa.CheckConstraint(
            "consent IS NULL OR consent = 'given' OR length(trim(consent_reason)) > 0",
            name="consent_reason_given",
        ),
        sa.CheckConstraint(
            "consent IS NULL OR consent <> 'given' OR (without_consent_reason IS NULL "
            "AND consent_authorised_by = '' AND consent_authoriser_role = '')",
            name="consent_given_not_overridden",
        ),
        sa.CheckConstraint(
            "about_case_id IS NULL OR length(trim(reported_by)) > 0", name="notice_says_who"
        ),
    )

    def __repr__(self) -> str:
        return f"<Referral {self.id} {self.status}>"

    @property
    def reference(self) -> str:
        """How a referral is named before (and besides) its case: R- and its number."""
        return f"R-{self.id:05d}"

    @property
    def is_notice(self) -> bool:
        """A repeat-incident notice rather than a full referral with a checklist."""
        return self.about_case_id is not None

    @property
    def victim_name(self) -> str:
        return f"{self.victim_given_name} {self.victim_family_name}".strip()

    @property
    def display_name(self) -> str:
        """Her name as sent or, for a draft, as typed so far."""
        if self.victim_name or not self.draft:
            return self.victim_name
        typed = self.draft.get("victim", {})
        parts = [(typed.get(key) or [""])[0].strip() for key in ("given_name", "family_name")]
        return " ".join(p for p in parts if p)[:170]

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.victim_aliases.splitlines() if a.strip()]

    @property
    def victim_birth(self) -> BirthDate:
        """What is known of her date of birth."""
        return births.stored(
            self.victim_dob_kind,
            self.victim_dob,
            self.victim_born_from,
            self.victim_age,
            self.victim_age_on or self.referred_on,
            self.victim_dob_reason,
            self.victim_other_dobs,
        )

    @property
    def victim_birth_known(self) -> bool:
        return self.victim_birth.is_known

    @property
    def victim_born(self) -> str:
        """Her date of birth in words, as far as it is known, to follow 'born'."""
        return births.describe(self.victim_birth, profile_for(self.marac).format_date)

    @property
    def victim_dob_text(self) -> str:
        """The same, standing on its own (a summary row's value)."""
        return births.as_value(self.victim_birth, profile_for(self.marac).format_date)

    @property
    def criteria_met(self) -> list[Criterion]:
        """The criteria met, as stored when submitted."""
        flags = (
            (Criterion.VISIBLE_HIGH_RISK, self.meets_visible_high_risk),
            (Criterion.PROFESSIONAL_JUDGEMENT, self.meets_professional_judgement),
            (Criterion.POTENTIAL_ESCALATION, self.meets_escalation),
            (Criterion.REPEAT, self.is_repeat),
        )
        return [criterion for criterion, met in flags if met]

    @property
    def lawful_basis(self) -> LawfulBasis:
        """Why it may be shared: her consent, or why and on whose authority without it."""
        return basis_of(
            self.victim_aware,
            self.consent,
            self.without_consent_reason,
            self.consent_authorised_by,
            self.consent_authoriser_role,
            pronouns=pronouns_for(self.victim_gender),
        )

    @property
    def last_transition(self) -> ReferralTransition | None:
        return self.transitions[-1] if self.transitions else None


class NamedInReferral:
    """A person named in a referral (a perpetrator, a child), in the order the referrer gave."""

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    given_name: Mapped[str] = mapped_column(sa.String(80))
    family_name: Mapped[str] = mapped_column(sa.String(80), default="")

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


class Perpetrator(NamedInReferral, Model):
    """A person she fears harm from, as named in one referral."""

    __tablename__ = "referral_perpetrators"

    aliases: Mapped[str] = mapped_column(sa.String(300), default="")
    dob: Mapped[date | None] = mapped_column(sa.Date)
    relationship: Mapped[Relationship] = mapped_column(
        enum_type(Relationship, "perpetrator_relationship")
    )
    address: Mapped[str] = mapped_column(sa.String(400), default="")
    #: His age as the referrer guessed it, when his date of birth is not known.
    approximate_age: Mapped[int | None] = mapped_column()
    #: How much of his date of birth is known, and the rest as for the victim (Referral).
    dob_kind: Mapped[DobKind | None] = mapped_column(enum_type(DobKind, "perpetrator_dob_kind"))
    born_from: Mapped[date | None] = mapped_column(sa.Date, index=True)
    born_to: Mapped[date | None] = mapped_column(sa.Date)
    #: The day he was approximate_age; his referral's day when empty.
    age_on: Mapped[date | None] = mapped_column(sa.Date)
    dob_reason: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    other_dobs: Mapped[str] = mapped_column(sa.String(30), default="", server_default="")
    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender, "perpetrator_gender"))
    ethnicity: Mapped[Ethnicity | None] = mapped_column(
        enum_type(Ethnicity, "perpetrator_ethnicity")
    )

    __table_args__ = (
        *max_lengths(PERPETRATOR_LIMITS),
        sa.CheckConstraint("length(trim(given_name)) > 0", name="given_name_not_blank"),
        sa.CheckConstraint("approximate_age BETWEEN 10 AND 120", name="approximate_age_range"),
        sa.CheckConstraint("born_from <= born_to", name="born_in_order"),
        # As the victim's (Referral): the perpetrators whose days of birth meet his.
        sa.Index(
            "ix_referral_perpetrators_born_days",
            sa.text("daterange(born_from, born_to, '[]')"),
            postgresql_using="gist",
        ).ddl_if(dialect="postgresql"),
    )

    def __repr__(self) -> str:
        return f"<Perpetrator {self.id}>"

    def birth(self, referred_on: date | None) -> BirthDate:
        """What is known of his date of birth; an age without its day is his referral's."""
        return births.stored(
            self.dob_kind,
            self.dob,
            self.born_from,
            self.approximate_age,
            self.age_on or referred_on,
            self.dob_reason,
            self.other_dobs,
        )

    @property
    def born(self) -> str:
        """His date of birth in words, as far as it is known, to follow 'born'."""
        return births.describe(self.birth(None), self._day_format())

    @property
    def dob_text(self) -> str:
        """The same, standing on its own (a summary row's value)."""
        return births.as_value(self.birth(None), self._day_format())

    def _day_format(self) -> Callable[[date], str]:
        """How his MARAC's profile writes a day (his referral is in the session already)."""
        referral = db.session.get(Referral, self.referral_id) if self.referral_id else None
        return profile_for(referral.marac if referral else None).format_date

    @property
    def birth_known(self) -> bool:
        return self.birth(None).is_known


class Child(NamedInReferral, Model):
    """A child in the household, as named in one referral."""

    __tablename__ = "referral_children"

    dob: Mapped[date | None] = mapped_column(sa.Date)
    relation_to_victim: Mapped[str] = mapped_column(sa.String(80), default="")
    relation_to_perpetrator: Mapped[str] = mapped_column(sa.String(80), default="")
    school: Mapped[str] = mapped_column(sa.String(120), default="")

    __table_args__ = (
        *max_lengths(CHILD_LIMITS),
        sa.CheckConstraint("length(trim(given_name)) > 0", name="given_name_not_blank"),
    )

    def __repr__(self) -> str:
        return f"<Child {self.id}>"


class Incident(Model):
    """One incident of abuse within the escalation window, as listed in a referral."""

    __tablename__ = "referral_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    occurred_on: Mapped[date] = mapped_column(sa.Date)
    summary: Mapped[str] = mapped_column(sa.String(200), default="")

    __table_args__ = max_lengths(INCIDENT_LIMITS)

    def __repr__(self) -> str:
        return f"<Incident {self.id}>"


class ChecklistAnswer(Model):
    """One answer on the referral's risk checklist."""

    __tablename__ = "checklist_answers"

    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    answer: Mapped[YesNoNotKnown] = mapped_column(enum_type(YesNoNotKnown, "checklist_answer"))

    def __repr__(self) -> str:
        return f"<ChecklistAnswer {self.referral_id} {self.question_id}>"


class ReferralTransition(Model):
    """A change of a referral's status: who made it, when and why. Never edited."""

    __tablename__ = "referral_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    from_status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "transition_from_status")
    )
    to_status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus, "transition_to_status")
    )
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    actor: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (sa.CheckConstraint(f"length(reason) <= {REASON_LIMIT}", name="reason_max"),)

    def __repr__(self) -> str:
        return f"<ReferralTransition {self.id} {self.from_status}->{self.to_status}>"


class CaseClosure(Model):
    """One closing of a case, and its reopening if a repeat brought it back. Never deleted:
    what a past period's figures counted as closed stays so after a reopen."""

    __tablename__ = "case_closures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Empty only for a closing from before this history was kept whose closer was not noted.
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The referral (or repeat-incident notice) whose acceptance reopened it.
    reopened_for_id: Mapped[int | None] = mapped_column(sa.ForeignKey("referrals.id"))

    __table_args__ = (
        sa.CheckConstraint(f"length(reason) <= {REASON_LIMIT}", name="reason_max"),
        sa.CheckConstraint(
            "reopened_at IS NULL OR reopened_at >= closed_at", name="reopened_after"
        ),
    )

    def __repr__(self) -> str:
        return f"<CaseClosure {self.id} case {self.case_id}>"


class AddressDisclosure(Model):
    """A reason someone gave to see a confidential address. Kept for the audit trail."""

    __tablename__ = "address_disclosures"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.Text)

    __table_args__ = (
        sa.CheckConstraint(
            f"length(trim(reason)) > 0 AND length(reason) <= {REASON_LIMIT}", name="reason_length"
        ),
    )

    def __repr__(self) -> str:
        return f"<AddressDisclosure {self.id}>"


class PerpetratorIdentity(Model):
    """One person the app knows, named as a perpetrator in one or more referrals.

    Made when a coordinator first confirms that two named perpetrators are the same man; each
    named perpetrator belongs to at most one identity (see PerpetratorLink).
    """

    __tablename__ = "perpetrator_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PerpetratorIdentity {self.id}>"


class PerpetratorLink(Model):
    """A perpetrator named in a referral, known to be the identity's person: who said so, when."""

    __tablename__ = "perpetrator_links"

    perpetrator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id", ondelete="CASCADE"), primary_key=True
    )
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("perpetrator_identities.id"), index=True)
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<PerpetratorLink {self.perpetrator_id}->{self.identity_id}>"


class PerpetratorLinkDecision(Model):
    """A coordinator's answer to a suggested link between two named perpetrators. Never edited.

    The pair is kept in order (lower id first), so a rejected pair is never suggested again
    whichever referral it is seen from.
    """

    __tablename__ = "perpetrator_link_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    perpetrator_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id", ondelete="CASCADE"), index=True
    )
    other_id: Mapped[int] = mapped_column(
        sa.ForeignKey("referral_perpetrators.id", ondelete="CASCADE"), index=True
    )
    confirmed: Mapped[bool] = mapped_column()
    decided_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decided_by: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("perpetrator_id", "other_id"),
        sa.CheckConstraint("perpetrator_id < other_id", name="pair_in_order"),
    )

    def __repr__(self) -> str:
        return f"<PerpetratorLinkDecision {self.perpetrator_id}-{self.other_id}>"


class IdentityLookup(Model):
    """One new question the referral form asked of every MARAC's records as it was typed:
    "has this person been referred before?" (see conference/referrals/lookups.py).

    Kept to limit how many a user may ask in an hour, so names and dates of birth cannot be
    probed unnoticed. Holds no name or date: a keyed hash tells one question from the next.
    """

    __tablename__ = "identity_lookups"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referrals.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: Whether this look-up wrote the form's count to the audit trail.
    audited: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        sa.Index("ix_identity_lookups_user_at", "user_id", "at"),
        sa.Index("ix_identity_lookups_referral", "referral_id", "id"),
        *max_lengths({"fingerprint": 64}),
    )

    def __repr__(self) -> str:
        return f"<IdentityLookup {self.id}>"


@sa.event.listens_for(Referral, "before_insert")
@sa.event.listens_for(Referral, "before_update")
def _victim_born_span(mapper: Any, connection: Any, target: Referral) -> None:
    """Keep the span of days she may have been born on true to what is stored, however the
    row was made (the form, a notice, the demo): matching searches by it."""
    birth = target.victim_birth
    if target.victim_dob_kind is None and birth.kind is not None:
        target.victim_dob_kind = birth.kind
    envelope = birth.envelope
    target.victim_born_from, target.victim_born_to = envelope or (None, None)


@sa.event.listens_for(Perpetrator, "before_insert")
@sa.event.listens_for(Perpetrator, "before_update")
def _perpetrator_born_span(mapper: Any, connection: Any, target: Perpetrator) -> None:
    """The same for a named perpetrator; an age without its day is an age on the day his
    referral was sent, or today's while it has none."""
    on = target.age_on
    if on is None and target.approximate_age is not None:
        sent = sa.select(Referral.referred_on).where(Referral.id == target.referral_id)
        on = connection.scalar(sent) or utcnow().date()
    birth = target.birth(on)
    if target.dob_kind is None and birth.kind is not None:
        target.dob_kind = birth.kind
    if birth.kind is DobKind.AGE and target.age_on is None:
        target.age_on = birth.age_on
    envelope = birth.envelope
    target.born_from, target.born_to = envelope or (None, None)
