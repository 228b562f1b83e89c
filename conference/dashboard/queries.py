"""What the home page shows for each role a user holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for

from conference.accounts.models import Role, User
from conference.profiles import install_profile, role_label


@dataclass(frozen=True)
class Link:
    text: str
    href: str
    description: str


@dataclass(frozen=True)
class Section:
    role: Role
    #: MARAC names the role is held in (empty for the install-wide administrator role).
    maracs: list[str]
    summary: str
    links: list[Link] = field(default_factory=list)
    #: The role as the practice of its MARACs names it ("Victim advocate" on a US-style team).
    label: str = ""


ROLE_ORDER = [
    Role.COORDINATOR,
    Role.CHAIR,
    Role.ADVOCATE,
    Role.AGENCY_REP,
    Role.STEERING,
    Role.ADMIN,
]

SUMMARIES = {
    Role.COORDINATOR: "You screen referrals, build and publish each conference's agenda, take "
    "the minutes, track every action to closure and prepare the quarterly data return.",
    Role.CHAIR: "You run the live conference: attendance and confidentiality first, then each "
    "case's risks and safety action plan, and you finalise the minutes.",
    Role.ADVOCATE: "You refer victims at high risk, and speak for them at the conference: "
    "their views, wishes and fears, and how they can safely be contacted.",
    Role.AGENCY_REP: "You refer victims at high risk, research your agency's records before "
    "each conference, and keep your agency's actions up to date.",
    Role.STEERING: "You oversee how the meetings work: each agency's engagement, repeats, waits "
    "and who is referred. You see figures only, never a person's details.",
    Role.ADMIN: "You manage this install's {meetings}, agencies and user accounts. Administration "
    "gives no access to case information.",
}


def _steering_link() -> Link:
    return Link(
        "Steering group figures",
        url_for("reports.steering"),
        "The last four quarters: each agency's engagement, repeats, waits and equality",
    )


def _links_for(role: Role) -> list[Link]:
    """Links to the pages that exist for a role today."""
    if role is Role.ADMIN:
        return [
            Link(
                "Users",
                url_for("admin.users"),
                "Create accounts, grant roles, issue password links, deactivate leavers",
            ),
            Link(
                "Agencies",
                url_for("admin.agencies"),
                "The agencies and which {meetings} they sit on",
            ),
            Link("{Meetings}", url_for("admin.maracs"), "Areas, time zones and sign-in rules"),
            Link(
                "Scheduled jobs",
                url_for("scheduler.runs"),
                "When each job last ran and how it ended",
            ),
            Link(
                "Email outbox",
                url_for("notifications.outbox"),
                "The notification emails, and how each delivery went",
            ),
            Link(
                "Information-sharing agreements",
                url_for("agreements.pending"),
                "Each {meeting}'s agreement, who has accepted it, and a new version",
            ),
            Link("Audit log", url_for("audit.index"), "Every sign-in and change, searchable"),
        ]
    if role is Role.COORDINATOR:
        return [
            Link(
                "Screening",
                url_for("referrals.queue"),
                "Referrals waiting for your decision, oldest first",
            ),
            Link(
                "Cases", url_for("referrals.cases"), "Every open case, its advocate and referrals"
            ),
            Link(
                "Conferences",
                url_for("conferences.schedule"),
                "The schedule, each agenda, cases waiting to be listed, and research returns",
            ),
            Link(
                "Action tracker",
                url_for("actions.tracker_page"),
                "Every action agreed at your meetings, what is overdue by agency, and an export",
            ),
            Link(
                "Escalation register",
                url_for("escalation.index"),
                "Long-overdue actions by agency: raise each with the agency, resolve or close it",
            ),
            Link(
                "System issues",
                url_for("system_issues.index"),
                "Gaps in the system found on cases: log one, give it an owner and a review date",
            ),
            Link(
                "Cases reaching 12 months",
                url_for("closure.twelve_months"),
                "Cases whose repeat flag ends soon or has just ended",
            ),
            Link(
                "Data return",
                url_for("reports.data_return_page"),
                "The quarterly figures and how the meetings are working, with charts and exports",
            ),
            _steering_link(),
            Link(
                "Information-sharing agreement",
                url_for("agreements.pending"),
                "Its text, who has accepted it and who has not, and a new version",
            ),
            Link(
                "Audit log",
                url_for("audit.index"),
                "Who did what in the cases and meetings you coordinate, and when",
            ),
        ]
    if role is Role.STEERING:
        return [
            _steering_link(),
            Link(
                "System issues",
                url_for("system_issues.index"),
                "Gaps the meetings found: review each and record what came of it",
            ),
            Link(
                "Escalation register",
                url_for("escalation.index"),
                "Actions long overdue, by agency, and what was done with each agency",
            ),
            Link(
                "Data return",
                url_for("reports.data_return_page"),
                "The quarterly figures and how the meetings are working, small counts hidden",
            ),
            Link("Conferences", url_for("conferences.schedule"), "When your meetings are held"),
        ]
    if role is Role.CHAIR:
        return [
            Link(
                "Conferences",
                url_for("conferences.schedule"),
                "When your meetings are held, and the agendas of the conferences you chair",
            ),
            Link(
                "System issues",
                url_for("system_issues.index"),
                "The gaps in the system your meetings found, and what came of each",
            ),
        ]
    if role in (Role.ADVOCATE, Role.AGENCY_REP):
        own = (
            Link(
                "Research",
                url_for("research.index"),
                "Check your agency's records on each case before a conference",
            )
            if role is Role.AGENCY_REP
            else Link(
                "Victim's voice",
                url_for("voice.index"),
                "Their views, wishes and fears before each conference; telling them the outcome "
                "after",
            )
        )
        return [
            own,
            Link(
                "Our actions",
                url_for("actions.index"),
                "Actions your agency agreed at meetings: report progress on each",
            ),
            Link("Make a referral", url_for("referrals.new"), "Refer a victim at high risk"),
            Link(
                "Your referrals",
                url_for("referrals.index"),
                "Drafts to finish, and the decision on each referral you sent",
            ),
        ]
    return []


def home_sections(user: User) -> list[Section]:
    """One section per role the user holds, coordinators first."""
    by_role: dict[Role, list[str]] = {}
    labels: dict[Role, set[str]] = {}
    for grant in user.role_grants:
        by_role.setdefault(grant.role, [])
        labels.setdefault(grant.role, set()).add(role_label(grant.role, grant.marac))
        if grant.marac is not None:
            by_role[grant.role].append(grant.marac.name)
    # The administrator's texts speak of the install's MARACs, in the install's words.
    fill = install_profile().words.fill
    return [
        Section(
            role,
            sorted(by_role[role]),
            fill(SUMMARIES[role]),
            [Link(fill(k.text), k.href, fill(k.description)) for k in _links_for(role)],
            # One practice's word where every MARAC of the role shares it.
            label=labels[role].pop() if len(labels[role]) == 1 else role.label,
        )
        for role in ROLE_ORDER
        if role in by_role
    ]
