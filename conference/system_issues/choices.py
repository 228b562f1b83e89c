"""What kind of gap a system issue is, and where it stands."""

from __future__ import annotations

from conference.choices import Labelled, add_labels


class IssueCategory(Labelled):
    AGENCY_PRACTICE = "agency_practice"
    BETWEEN_AGENCIES = "between_agencies"
    RESOURCES = "resources"
    POLICY = "policy"


class IssueStatus(Labelled):
    OPEN = "open"
    RESOLVED = "resolved"


add_labels(
    [
        (IssueCategory.AGENCY_PRACTICE, "An agency's practice"),
        (IssueCategory.BETWEEN_AGENCIES, "A process between agencies"),
        (IssueCategory.RESOURCES, "Resources"),
        (IssueCategory.POLICY, "A policy"),
        (IssueStatus.OPEN, "Open"),
        (IssueStatus.RESOLVED, "Resolved"),
    ]
)

#: A hint under each category, so the chair can choose quickly.
CATEGORY_HINTS = {
    IssueCategory.AGENCY_PRACTICE: "One agency's way of working let the victim down, for "
    "example research not done or a referral not followed up.",
    IssueCategory.BETWEEN_AGENCIES: "A hand-over between agencies failed, for example "
    "information not shared or nobody owning a step.",
    IssueCategory.RESOURCES: "Not enough of something: refuge places, advocates, interpreters.",
    IssueCategory.POLICY: "A rule or policy itself stands in the way.",
}
