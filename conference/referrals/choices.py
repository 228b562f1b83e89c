"""The closed lists a referral is recorded in, each with the words a practitioner reads."""

from __future__ import annotations

from enum import StrEnum

from conference.choices import Labelled, add_labels


class ReferralStatus(Labelled):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    MORE_INFO_REQUESTED = "more_info_requested"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class CaseStatus(Labelled):
    OPEN = "open"
    LISTED = "listed"
    #: Heard, and every action of its plan done or closed as not done (or none agreed).
    #: Stored as "heard", its name before plans were followed to completion.
    PLAN_COMPLETE = "heard"
    ACTIONS_OPEN = "actions_open"
    CLOSED = "closed"


class YesNoNotKnown(Labelled):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


class Gender(Labelled):
    FEMALE = "female"
    MALE = "male"
    NON_BINARY = "non_binary"
    ANOTHER = "another"
    NOT_KNOWN = "not_known"


class Ethnicity(Labelled):
    """The broad groups the quarterly return counts."""

    WHITE = "white"
    MIXED = "mixed"
    ASIAN = "asian"
    BLACK = "black"
    ARAB = "arab"
    OTHER = "other"
    NOT_KNOWN = "not_known"


class Sexuality(Labelled):
    HETEROSEXUAL = "heterosexual"
    GAY_LESBIAN = "gay_lesbian"
    BISEXUAL = "bisexual"
    ANOTHER = "another"
    NOT_KNOWN = "not_known"


class Relationship(Labelled):
    """The perpetrator's relationship to the victim."""

    PARTNER = "partner"
    EX_PARTNER = "ex_partner"
    FAMILY_MEMBER = "family_member"
    OTHER = "other"


class DobKind(Labelled):
    """How much of a person's date of birth is known (conference/referrals/births.py)."""

    EXACT = "exact"
    YEAR = "year"
    AGE = "age"
    UNKNOWN = "unknown"


class Consent(Labelled):
    """Whether she agreed to the referral: the two others are sharing without her consent."""

    GIVEN = "given"
    NOT_SOUGHT = "not_sought"
    REFUSED_SHARED = "refused_shared"


#: The answers that mean the referral is shared without her consent.
WITHOUT_CONSENT = frozenset({Consent.NOT_SOUGHT, Consent.REFUSED_SHARED})


class WithoutConsent(Labelled):
    """Why a referral is shared without her consent (DPA 2018 Schedule 1 paragraph 18)."""

    SERIOUS_HARM = "serious_harm"
    WOULD_INCREASE_RISK = "would_increase_risk"
    COULD_NOT_BE_SOUGHT = "could_not_be_sought"


class Decision(Labelled):
    """What the coordinator decides on a submitted referral."""

    ACCEPT = "accept"
    DECLINE = "decline"
    MORE_INFO = "more_info"


#: A list, not a dict: members of different enums with equal values would share a key.
LABELS: list[tuple[StrEnum, str]] = [
    (ReferralStatus.DRAFT, "Draft"),
    (ReferralStatus.SUBMITTED, "Submitted"),
    (ReferralStatus.MORE_INFO_REQUESTED, "More information requested"),
    (ReferralStatus.ACCEPTED, "Accepted"),
    (ReferralStatus.DECLINED, "Declined"),
    (ReferralStatus.WITHDRAWN, "Withdrawn"),
    (CaseStatus.OPEN, "Open"),
    (CaseStatus.LISTED, "Listed"),
    (CaseStatus.PLAN_COMPLETE, "Plan complete"),
    (CaseStatus.ACTIONS_OPEN, "Actions open"),
    (CaseStatus.CLOSED, "Closed"),
    (YesNoNotKnown.YES, "Yes"),
    (YesNoNotKnown.NO, "No"),
    (YesNoNotKnown.NOT_KNOWN, "Not known"),
    (Gender.FEMALE, "Female"),
    (Gender.MALE, "Male"),
    (Gender.NON_BINARY, "Non-binary"),
    (Gender.ANOTHER, "Another gender"),
    (Gender.NOT_KNOWN, "Not known"),
    (Ethnicity.WHITE, "White"),
    (Ethnicity.MIXED, "Mixed or multiple ethnic groups"),
    (Ethnicity.ASIAN, "Asian or Asian British"),
    (Ethnicity.BLACK, "Black, Black British, Caribbean or African"),
    (Ethnicity.ARAB, "Arab"),
    (Ethnicity.OTHER, "Another ethnic group"),
    (Ethnicity.NOT_KNOWN, "Not known"),
    (Sexuality.HETEROSEXUAL, "Heterosexual or straight"),
    (Sexuality.GAY_LESBIAN, "Gay or lesbian"),
    (Sexuality.BISEXUAL, "Bisexual"),
    (Sexuality.ANOTHER, "Another sexual orientation"),
    (Sexuality.NOT_KNOWN, "Not known"),
    (Relationship.PARTNER, "Partner"),
    (Relationship.EX_PARTNER, "Ex-partner"),
    (Relationship.FAMILY_MEMBER, "Family member"),
    (Relationship.OTHER, "Other"),
    (DobKind.EXACT, "The date of birth"),
    (DobKind.YEAR, "Only the year of birth"),
    (DobKind.AGE, "Only an approximate age"),
    (DobKind.UNKNOWN, "Not known"),
    (Consent.GIVEN, "{They} {have} given consent"),
    (Consent.NOT_SOUGHT, "Consent was not sought, and the referral is shared without consent"),
    (Consent.REFUSED_SHARED, "{They} refused, and the referral is shared without consent"),
    (WithoutConsent.SERIOUS_HARM, "There is a risk of serious harm to {them} or to someone else"),
    (WithoutConsent.WOULD_INCREASE_RISK, "Asking {them} would increase the risk"),
    (WithoutConsent.COULD_NOT_BE_SOUGHT, "{Their} consent could not be sought"),
    (Decision.ACCEPT, "Accept for MARAC"),
    (Decision.DECLINE, "Decline"),
    (Decision.MORE_INFO, "Ask the referrer for more information"),
]
add_labels(LABELS)
