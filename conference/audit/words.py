"""The audit trail in plain words: each kind of event as a sentence, and the facts an event
keeps (how many cases a list showed, a period, a change of status) as a person reads them.

The trail itself keeps its codes (``reports.viewed``) and ids; only the audit log page reads
them out. A kind of event without a sentence here is read out from its code's words, so a new
one never shows a bare code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

#: What happened, as a sentence about the person who did it (or the system).
VERBS: dict[str, str] = {
    # Signing in and accounts
    "auth.login_succeeded": "Signed in",
    "auth.login_failed": "Failed to sign in",
    "auth.logged_out": "Signed out",
    "auth.locked_out": "Account locked after too many failed sign-ins",
    "auth.rate_limited": "Sign-in refused: too many attempts from one address",
    "auth.other_sessions_ended": "Ended their other sessions",
    "auth.two_factor_failed": "Entered a wrong two-step verification code",
    "auth.reauth_failed": "Failed to confirm their password",
    "password.changed": "Changed their password",
    "password.link_issued": "Issued a one-time link to set a password",
    "password.set": "Set a password from a one-time link",
    "two_factor.enabled": "Set up two-step verification",
    "two_factor.disabled": "Turned off their two-step verification",
    "two_factor.reset": "Reset someone's two-step verification",
    "two_factor.enrolment_failed": "Failed to set up two-step verification",
    "role.granted": "Granted a role",
    "role.revoked": "Revoked a role",
    "user.created": "Created a user",
    "user.updated": "Changed a user's details",
    "user.deactivated": "Deactivated a user",
    "user.reactivated": "Reactivated a user",
    "marac.created": "Created a MARAC",
    "marac.updated": "Changed a MARAC's settings",
    "agency.created": "Added an agency",
    "agency.updated": "Changed an agency",
    "agreement.saved": "Saved the information-sharing agreement",
    "agreement.accepted": "Accepted the information-sharing agreement",
    "agreement.acceptances_viewed": "Viewed who has accepted the agreement",
    "audit.searched": "Searched the audit log",
    "calendar.feed_issued": "Issued a calendar feed",
    "calendar.feed_stopped": "Stopped a calendar feed",
    "email.resent": "Sent an email again",
    "notifications.listed": "Viewed their notifications",
    # Referrals and screening
    "referral.started": "Started a referral",
    "referral.draft_saved": "Saved a draft referral",
    "referral.submitted": "Sent a referral",
    "referral.withdrawn": "Withdrew a referral",
    "referral.viewed": "Viewed a referral",
    "referral.accepted": "Accepted a referral",
    "referral.declined": "Declined a referral",
    "referral.more_info_requested": "Asked the referrer for more information",
    "referral.answered": "Answered a question about a referral",
    "referral.repeat_notice_filed": "Told the MARAC of a new incident on a case",
    "referral.repeat_revised": "Changed whether a referral is a repeat",
    "referral.identity_lookups": "Checked whether a victim was referred before",
    "referral.identity_lookups_refused": "Refused more look-ups of earlier referrals",
    "perpetrator.linked": "Confirmed a perpetrator is the same person",
    "perpetrator.link_rejected": "Said a perpetrator is not the same person",
    "perpetrator.suggestions_viewed": "Viewed suggested perpetrator links",
    "perpetrator.viewed": "Viewed a perpetrator's cases",
    "screening.listed": "Viewed the referrals waiting for screening",
    "referrals.listed": "Viewed their referrals",
    # Cases
    "case.opened": "Opened a case",
    "case.viewed": "Viewed a case",
    "cases.listed": "Viewed the list of cases",
    "case.advocate_assigned": "Assigned an advocate to a case",
    "case.address_confidential_set": "Changed whether a case's address is confidential",
    "case.address_disclosed": "Viewed a confidential address",
    "case.access_report_viewed": "Viewed who has seen a case",
    "case.access_report_exported": "Downloaded who has seen a case",
    "case.plan_complete": "Every action of a case's plan ended",
    "case.actions_reopened": "A case's plan has open actions again",
    "case.closed": "Closed a case",
    "case.reopened": "Reopened a case",
    "case.legal_hold_placed": "Placed a legal hold on a case",
    "case.legal_hold_lifted": "Lifted a legal hold on a case",
    "case.anonymised": "Anonymised a case under the retention rule",
    "case.deleted": "Deleted a case under the retention rule",
    "case.transfer_requested": "Asked another MARAC to take a case",
    "case.transfer_accepted": "Accepted a case from another MARAC",
    "case.transfer_declined": "Declined a case from another MARAC",
    "case.transfer_withdrawn": "Withdrew a request to transfer a case",
    "case.transfer_viewed": "Viewed a transfer",
    "case.transfer_pack_printed": "Printed a transfer pack",
    "transfers.listed": "Viewed the transfers",
    "flagged_cases.listed": "Viewed the flagged cases",
    "ready_to_close.listed": "Viewed the cases ready to close",
    "twelve_months.listed": "Viewed the cases reaching 12 months",
    "retention_review.listed": "Viewed the cases due for retention review",
    "subject_access.searched": "Searched for a subject access request",
    "subject_access.pack_viewed": "Viewed a subject access pack",
    "subject_access.pack_downloaded": "Downloaded a subject access pack",
    # Conferences, agendas and research
    "conference.added": "Added a conference",
    "conference.changed": "Changed a conference",
    "conference.cancelled": "Cancelled a conference",
    "meeting_rule.saved": "Changed when the MARAC meets",
    "agenda.viewed": "Viewed an agenda",
    "agenda.case_added": "Listed a case on an agenda",
    "agenda.case_removed": "Took a case off an agenda",
    "agenda.case_moved": "Moved a case to another conference",
    "agenda.reordered": "Changed the order of an agenda",
    "agenda.changed": "Changed a published agenda",
    "agenda.published": "Published an agenda",
    "research.viewed": "Viewed the cases to research",
    "research.grid_viewed": "Viewed the research returns by agency",
    "research.saved": "Saved a research return",
    # The meeting and minutes
    "meeting.started": "Opened the meeting",
    "meeting.attendance_recorded": "Recorded an agency's attendance",
    "meeting.attendee_added": "Added a person present",
    "meeting.attendee_removed": "Removed a person present",
    "meeting.confidentiality_accepted": "Recorded a confidentiality statement accepted",
    "meeting.case_opened": "Opened a case at the meeting",
    "meeting.record_saved": "Saved a case's record at the meeting",
    "meeting.perpetrator_risk_saved": "Saved a perpetrator's risk to others",
    "meeting.case_discussed": "Marked a case discussed",
    "meeting.case_deferred": "Deferred a case to another conference",
    "meeting.case_reopened": "Reopened a case at the meeting",
    "meeting.concluded": "Closed the meeting",
    "minutes.viewed": "Viewed the minutes",
    "minutes.printed": "Printed the minutes",
    "minutes.agency_copy_printed": "Printed an agency's copy of the minutes",
    "minutes.edited": "Edited the draft minutes",
    "minutes.corrected": "Corrected the final minutes",
    "minutes.finalised": "Made the minutes final",
    "voice.listed": "Viewed the cases to give the victim's voice",
    "voice.viewed": "Viewed the victim's voice",
    "voice.saved": "Saved the victim's voice",
    "voice.outcome_saved": "Recorded what the victim was told",
    # Actions and escalation
    "action.agreed": "Agreed an action",
    "action.changed": "Changed an action",
    "action.withdrawn": "Withdrew an action",
    "action.carried_forward": "Carried an action into a later meeting's plan",
    "action.updated": "Reported progress on an action",
    "action.reviewed": "Reviewed an action",
    "action.contact_told": "Told the agency's named contact of an overdue action",
    "action.registered": "Put an overdue action on the escalation register",
    "actions.listed": "Viewed their agency's actions",
    "actions.tracked": "Viewed the action tracker",
    "actions.exported": "Downloaded the action tracker",
    "escalation.opened": "Opened an escalation register entry",
    "escalation.status_changed": "Changed an escalation's status",
    "escalations.listed": "Viewed the escalation register",
    "escalation_entry.listed": "Viewed an escalation register entry",
    "system_issue.raised": "Logged a system issue",
    "system_issue.updated": "Changed a system issue",
    "system_issue.listed": "Viewed a system issue",
    "system_issues.listed": "Viewed the system issues",
    # Figures
    "reports.viewed": "Viewed the data return",
    "reports.printed": "Printed the data return",
    "reports.exported": "Downloaded a table of the data return",
    "reports.steering_viewed": "Viewed the steering group's figures",
}

#: The things events are about, as words.
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def describe_verb(verb: str) -> str:
    """The sentence for a kind of event; an unknown one read out from its code's words."""
    if verb in VERBS:
        return VERBS[verb]
    words = " ".join(part.replace("_", " ") for part in verb.split("."))
    return words[:1].upper() + words[1:]


def describe_object(object_type: str | None) -> str:
    """'AgendaItem' as 'Agenda item'."""
    if not object_type:
        return ""
    return _CAMEL.sub(" ", object_type).capitalize()


def _count(value: Any) -> int | None:
    return len(value) if isinstance(value, list | tuple) else None


def _day(value: Any) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{day.day} {day:%B %Y}"


def _plural(n: int, one: str) -> str:
    return f"{n} {one}{'' if n == 1 else 's'}"


def describe_detail(detail: Mapping[str, Any] | None) -> list[str]:
    """The facts an event keeps, read out: counts instead of lists of ids, periods as dates,
    a change of status as 'from ... to ...'. Internal names are left out."""
    if not detail:
        return []
    facts: list[str] = []
    shown = _count(detail.get("case_ids"))
    if shown is not None:
        facts.append(f"{_plural(shown, 'case')} shown")
    elif isinstance(detail.get("count"), int):
        facts.append(f"{_plural(detail['count'], 'item')} shown")
    start, end = _day(detail.get("start")), _day(detail.get("end"))
    if start and end:
        facts.append(f"{start} to {end}")
    before, after = detail.get("from"), detail.get("to")
    if isinstance(before, str) and isinstance(after, str) and not _day(before):
        facts.append(f"from {before.replace('_', ' ')} to {after.replace('_', ' ')}")
    elif before or after:
        dates = [x for x in (_day(before), _day(after)) if x]
        if dates:
            facts.append("dates " + " to ".join(dates))
    fields = detail.get("fields") or detail.get("changed")
    if isinstance(fields, list) and fields:
        facts.append(f"{_plural(len(fields), 'part')} changed")
    if isinstance(detail.get("rows"), int):
        facts.append(f"{_plural(detail['rows'], 'row')}")
    if detail.get("merged") is True:
        facts.append("merged with another person's save")
    if isinstance(detail.get("reason"), str):
        facts.append(detail["reason"].replace("_", " "))
    if detail.get("through") == "screening":
        facts.append("at screening")
    return facts
