"""The transition tables of a referral and of a case: every status change either may make.

A referral goes draft -> submitted -> accepted, declined or back to the referrer for more
information, or is withdrawn before a decision. A case waits (open) until listed on an agenda,
is heard there, has actions open until each is done or closed as not done (its plan is then
complete, and the status follows the actions by itself), and closes; a repeat reopens it.
"""

from __future__ import annotations

from conference.accounts.models import Role
from conference.accounts.permissions import roles_in
from conference.conferences.display import conference_label
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Referral
from conference.referrals.permissions import coordinates, is_referrer
from conference.states import Actor, Context, Guard, Machine, move

COORDINATOR, CHAIR, REFERRER, SYSTEM = Actor.COORDINATOR, Actor.CHAIR, Actor.REFERRER, Actor.SYSTEM

DRAFT, SUBMITTED = ReferralStatus.DRAFT, ReferralStatus.SUBMITTED
MORE_INFO = ReferralStatus.MORE_INFO_REQUESTED


def _a_full_referral(referral: Referral, _: Context) -> str | None:
    if referral.is_notice:
        return (
            f"{referral.reference} is a repeat-incident notice: accept it or decline it with "
            "your reason, which its sender sees"
        )
    return None


A_FULL_REFERRAL: Guard[Referral] = Guard(
    "a full referral (a repeat-incident notice has no form to send back)", _a_full_referral
)

REFERRAL: Machine[Referral, ReferralStatus] = Machine(
    "referral",
    ReferralStatus,
    [
        move(DRAFT, SUBMITTED, "submit the referral", by={REFERRER}),
        move(MORE_INFO, SUBMITTED, "answer and send the referral again", by={REFERRER}),
        move(
            (DRAFT, SUBMITTED, MORE_INFO),
            ReferralStatus.WITHDRAWN,
            "withdraw the referral",
            by={REFERRER},
        ),
        move(SUBMITTED, ReferralStatus.ACCEPTED, "accept the referral", by={COORDINATOR}),
        move(SUBMITTED, ReferralStatus.DECLINED, "decline the referral", by={COORDINATOR}),
        move(
            SUBMITTED,
            MORE_INFO,
            "ask the referrer for more information",
            by={COORDINATOR},
            guards=[A_FULL_REFERRAL],
        ),
    ],
    who={
        REFERRER: is_referrer,
        COORDINATOR: lambda user, referral: coordinates(user, referral.marac_id),
    },
)


def _not_on_an_agenda_ahead(case: Case, _: Context) -> str | None:
    # Imported here: closure imports the referral services, which import this module.
    from conference.closure.queries import item_not_yet_held

    ahead = item_not_yet_held(case.id)
    if ahead is None:
        return None
    return (
        f"Case {case.reference} is on the agenda for {conference_label(ahead.conference)}: "
        "close it after that meeting, or take it off the agenda first"
    )


NOT_ON_AN_AGENDA_AHEAD: Guard[Case] = Guard(
    "not on the agenda of a conference still to be held (or under way)", _not_on_an_agenda_ahead
)

OPEN, LISTED, PLAN_COMPLETE = CaseStatus.OPEN, CaseStatus.LISTED, CaseStatus.PLAN_COMPLETE
ACTIONS_OPEN, CLOSED = CaseStatus.ACTIONS_OPEN, CaseStatus.CLOSED
#: Every status but closed. A case can be listed on a second agenda while a meeting that has it
#: is under way (a new referral that day), so each of these moves can start from any of them.
NOT_CLOSED = (OPEN, LISTED, PLAN_COMPLETE, ACTIONS_OPEN)

CASE: Machine[Case, CaseStatus] = Machine(
    "case",
    CaseStatus,
    [
        move(CLOSED, OPEN, "reopen the case for a repeat referral", by={COORDINATOR}),
        move(
            (LISTED, PLAN_COMPLETE, ACTIONS_OPEN),
            OPEN,
            "take the case off an agenda (it waits for the next)",
            by={COORDINATOR, CHAIR},
        ),
        move(
            (PLAN_COMPLETE, ACTIONS_OPEN),
            OPEN,
            "take in a case transferred from another MARAC (it waits for an agenda)",
            by={COORDINATOR},
        ),
        move(NOT_CLOSED, LISTED, "list the case on an agenda", by={COORDINATOR, CHAIR, SYSTEM}),
        move(
            NOT_CLOSED,
            PLAN_COMPLETE,
            "record the case heard with no action open, or its last open action closed",
            by={CHAIR, COORDINATOR, SYSTEM},
        ),
        move(
            NOT_CLOSED,
            ACTIONS_OPEN,
            "record the case heard with actions open, or an action added or reopened",
            by={CHAIR, COORDINATOR, SYSTEM},
        ),
        move(
            NOT_CLOSED, CLOSED, "close the case", by={COORDINATOR}, guards=[NOT_ON_AN_AGENDA_AHEAD]
        ),
    ],
    who={
        COORDINATOR: lambda user, case: coordinates(user, case.marac_id),
        CHAIR: lambda user, case: Role.CHAIR in roles_in(user, case.marac_id),
    },
    refusals={(CLOSED, CLOSED): "Case {obj.reference} is already closed"},
)
