"""Hostile input on every form-handling route: no server error, and nothing typed lost.

Each POST route of the url map is posted to, on the demo data, by a user allowed to use it:
NUL and other control characters, 10,000-character strings, wrong types, unknown choices,
duplicated fields, ids of other records and dates in years 1 and 9999, in every field. Any
5xx fails; so does a form shown again (422) without the text that was typed in it.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import wtforms
from flask import url_for
from werkzeug.datastructures import MultiDict

import conference
from conference import create_app
from conference.accounts.models import Agency, Marac, RoleGrant, User
from conference.actions.choices import OPEN_STATUSES, ActionStatus
from conference.actions.models import Action
from conference.actions.services import review_at_meeting
from conference.agreements.models import SharingAgreement
from conference.closure import notices
from conference.conferences import display
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaItem, Conference
from conference.dates import ACTION_DUE_YEARS, OLDEST_AGE_YEARS, years_after
from conference.db import ControlCharacterRefused, utcnow
from conference.errors import ValidationFailed
from conference.escalation.models import EscalationEntry
from conference.extensions import db
from conference.meetings.models import Attendee, Meeting
from conference.notifications.models import Notification, OutboundEmail
from conference.referrals import forms as referral_forms
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.models import Case, Perpetrator, Referral
from conference.retention import services as retention
from conference.retention.models import LegalHold
from conference.system_issues.models import SystemIssue
from conference.text import CONTROL_CHARACTER_MESSAGE, has_control_character
from conference.transfers.choices import TransferStatus
from conference.transfers.models import CaseTransfer
from conference.web.forms import FlaskForm, Form
from tests import factories
from tests.conftest import HTMX, sign_in

DOMAIN = "northbridge.example"

Ids = dict[str, int | str]
Fields = dict[str, Any]


@dataclass(frozen=True)
class Route:
    """Who posts, to which records, and a plausible post (field -> value) to spoil."""

    user: str | None  # the demo user's name before @, or None for a visitor
    ids: Callable[[], Ids] = dict
    fields: Callable[[Ids], Fields] = lambda ids: {}
    #: Free-text fields (the end of their names, as patterns): a form shown again must hold
    #: what was typed in them.
    texts: tuple[str, ...] = ()
    #: Fields typed as day, month and year boxes.
    dates: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


# The demo's records --------------------------------------------------------------------------


def _one(statement: Any) -> Any:
    found = db.session.scalars(statement.limit(1)).first()
    assert found is not None, "the demo has no such record"
    return found


def _marac(code: str = "NB") -> Marac:
    return _one(sa.select(Marac).where(Marac.code == code))


def _current_agreement() -> SharingAgreement:
    return _one(
        sa.select(SharingAgreement)
        .where(SharingAgreement.marac_id == _marac().id)
        .order_by(SharingAgreement.version.desc())
    )


def _user(name: str) -> User:
    return _one(sa.select(User).where(User.email == f"{name}@{DOMAIN}"))


def _conference(status: ConferenceStatus, *, latest: bool = False) -> Conference:
    order = Conference.starts_at.desc() if latest else Conference.starts_at
    return _one(
        sa.select(Conference)
        .where(Conference.marac_id == _marac().id, Conference.status == status)
        .where(Conference.items.any())
        .order_by(order)
    )


def _item(conference: Conference) -> AgendaItem:
    return _one(
        sa.select(AgendaItem)
        .where(AgendaItem.conference_id == conference.id)
        .order_by(AgendaItem.id)
    )


def _live() -> Ids:
    conference = _conference(ConferenceStatus.IN_PROGRESS)
    meeting = _one(sa.select(Meeting).where(Meeting.conference_id == conference.id))
    item = db.session.get(AgendaItem, meeting.current_item_id) or _item(conference)
    return {"conference_id": conference.id, "item_id": item.id}


def _live_action() -> Ids:
    ids = _live()
    action = _one(
        sa.select(Action)
        .join(AgendaItem, Action.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.conference_id == ids["conference_id"])
    )
    return {**ids, "action_id": action.id}


def _review() -> Ids:
    ids = _live()
    item = db.session.get(AgendaItem, ids["item_id"])
    action = db.session.scalars(
        sa.select(Action).where(Action.case_id == item.case_id, Action.agenda_item_id != item.id)
    ).first() or _one(sa.select(Action))
    return {**ids, "action_id": action.id}


def _live_perpetrator() -> Ids:
    ids = _live()
    item = db.session.get(AgendaItem, ids["item_id"])
    referral_id = item.referral_id or _one(
        sa.select(Referral.id).where(Referral.case_id == item.case_id)
    )
    perpetrator = _one(sa.select(Perpetrator).where(Perpetrator.referral_id == referral_id))
    return {**ids, "perpetrator_id": perpetrator.id}


def _attendee() -> Ids:
    ids = _live()
    attendee = _one(sa.select(Attendee).where(Attendee.conference_id == ids["conference_id"]))
    return {"conference_id": ids["conference_id"], "attendee_id": attendee.id}


def _agency(kind: str = "police") -> Agency:
    return _one(sa.select(Agency).where(Agency.kind == kind))


def _scheduled() -> Ids:
    conference = _conference(ConferenceStatus.SCHEDULED)
    return {"conference_id": conference.id, "item_id": _item(conference).id}


def _published() -> Ids:
    conference = _conference(ConferenceStatus.AGENDA_PUBLISHED)
    return {"conference_id": conference.id, "item_id": _item(conference).id}


def _past() -> Ids:
    conference = _conference(ConferenceStatus.MINUTES_FINAL, latest=True)
    item = _item(conference)
    action = _one(sa.select(Action).where(Action.agenda_item_id == item.id))
    return {"conference_id": conference.id, "item_id": item.id, "action_id": action.id}


def _perpetrators_of(item_id: int) -> list[int]:
    item = db.session.get(AgendaItem, item_id)
    referral_ids = sa.select(Referral.id).where(Referral.case_id == item.case_id)
    return list(
        db.session.scalars(
            sa.select(Perpetrator.id).where(Perpetrator.referral_id.in_(referral_ids))
        )
    )


def _research_fields(ids: Ids) -> Fields:
    prefix = f"item-{ids['item_id']}"
    perpetrators = _perpetrators_of(ids["item_id"])
    findings = {f"{prefix}-perpetrator-{p}": "Known" for p in perpetrators}
    # What the form sends to merge a stale save (conference.web.merging): each part's base, and
    # the summary both changed shown with the rep's choice.
    merging = {
        f"{prefix}-summary.base": "Known earlier",
        f"{prefix}-summary.clash": "1",
        f"{prefix}-summary.keep": "mine",
        f"{prefix}-outcome.base": "known",
        f"{prefix}-risk_flags.base": "weapons",
        **{f"{prefix}-perpetrator-{p}.base": "" for p in perpetrators},
    }
    return {f"{prefix}-outcome": "known", f"{prefix}-summary": "Known to us", **findings, **merging}


def _transfer_fields(ids: Ids) -> Fields:
    fields = {"to_marac_id": str(_marac("EM").id), "reason": "She moved"}
    open_actions = db.session.scalars(
        sa.select(Action.id).where(
            Action.case_id == ids["case_id"], Action.status.in_(OPEN_STATUSES)
        )
    )
    for action_id in open_actions:
        fields[f"action-{action_id}-fate"] = "close"
        fields[f"action-{action_id}-agency"] = ""
        fields[f"action-{action_id}-reason"] = "Moved away"
    return fields


def _flagged_for_police() -> Ids:
    """A case the police know that is still flagged for repeats: theirs to report on."""
    police = _user("police")
    _, rows = notices.flagged_cases(
        police.agency_id, notices.notice_maracs(police), utcnow(), page=1, per_page=50
    )
    return {"case_id": rows[0].case.id}


def _notice_fields(ids: Ids) -> Fields:
    case = db.session.get_one(Case, ids["case_id"])
    return {
        "occurred_on": [str(utcnow().day), str(utcnow().month), str(utcnow().year)],
        "what_happened": "He came to the door.",
        "perpetrator_id": str(notices.perpetrators_of(case)[0].id),
        "reported_by": "Her neighbour",
    }


def _ready_case() -> Fields:
    case = _one(
        sa.select(Case)
        .where(Case.marac_id == _marac().id, Case.status == CaseStatus.PLAN_COMPLETE)
        .order_by(Case.id)
    )
    return {"case_ids": str(case.id), "reason_kind": "typed", "reason": "Done"}


def _entry() -> Ids:
    return {"entry_id": _one(sa.select(EscalationEntry).order_by(EscalationEntry.id)).id}


def _issue() -> Ids:
    return {"issue_id": _one(sa.select(SystemIssue).order_by(SystemIssue.id)).id}


def _issue_fields(ids: Ids) -> Fields:
    case = db.session.get_one(Case, _case()["case_id"])
    return {
        "marac_id": str(_marac().id),
        "cases": case.reference,
        "category": "resources",
        "agency_id": "",
        "description": "Interpreters are booked too late for meetings.",
        "owner": "Commissioning lead",
        "review_on": ["1", "3", str(utcnow().year + 1)],
    }


def _case() -> Ids:
    case = _one(
        sa.select(Case)
        .where(Case.marac_id == _marac().id, Case.status == CaseStatus.ACTIONS_OPEN)
        .order_by(Case.id)
    )
    return {"case_id": case.id}


def _due_for_review() -> Ids:
    """The demo's closed case due within the month, not held."""
    due = [d for d in retention.reviewable(utcnow(), [_marac().id]) if d.hold is None]
    assert due, "the demo has no case due for review"
    return {"case_id": due[0].case.id}


def _held() -> Ids:
    hold = _one(sa.select(LegalHold).where(LegalHold.lifted_at.is_(None)).order_by(LegalHold.id))
    return {"hold_id": hold.id, "version": hold.version}


def _police_action() -> Ids:
    police = _user("police")
    action = _one(
        sa.select(Action)
        .where(Action.owner_agency_id == police.agency_id, Action.status.in_(OPEN_STATUSES))
        .order_by(Action.due_on)
    )
    return {"action_id": action.id}


def _referral(status: ReferralStatus, referrer: str | None = None) -> Ids:
    statement = sa.select(Referral).where(
        Referral.status == status, Referral.marac_id == _marac().id
    )
    if referrer:
        statement = statement.where(Referral.referrer_id == _user(referrer).id)
    return {"referral_id": _one(statement.order_by(Referral.id)).id}


def _link() -> Ids:
    ids = _referral(ReferralStatus.SUBMITTED)
    mine = _one(sa.select(Perpetrator).where(Perpetrator.referral_id == ids["referral_id"]))
    other = _one(sa.select(Perpetrator).where(Perpetrator.id != mine.id))
    return {**ids, "mine": mine.id, "other": other.id}


def _transfer() -> Ids:
    return {
        "transfer_id": _one(
            sa.select(CaseTransfer).where(CaseTransfer.status == TransferStatus.REQUESTED)
        ).id
    }


def _voice_item() -> Ids:
    idva = _user("idva")
    item = _one(
        sa.select(AgendaItem)
        .join(Case, AgendaItem.case_id == Case.id)
        .join(Conference, AgendaItem.conference_id == Conference.id)
        .where(Case.advocate_id == idva.id, Conference.status == ConferenceStatus.AGENDA_PUBLISHED)
    )
    return {"item_id": item.id}


def _user_ids() -> Ids:
    user = _user("housing")
    grant = _one(sa.select(RoleGrant).where(RoleGrant.user_id == user.id))
    return {"user_id": user.id, "grant_id": grant.id}


def _notification() -> Ids:
    coordinator = _user("coordinator")
    note = _one(sa.select(Notification).where(Notification.recipient_id == coordinator.id))
    return {"notification_id": note.id}


def _outbound_email() -> Ids:
    return {"email_id": _one(sa.select(OutboundEmail).order_by(OutboundEmail.id)).id}


# What each route posts -----------------------------------------------------------------------

PASSWORD = "northbridge-demo-2026"
NEW_PASSWORD = "a-new-long-password-2026"
SETTINGS = {
    "start_time": "10:00",
    "duration_minutes": "240",
    "place": "Town hall",
    "video_link": "",
    "capacity": "16",
    "minutes_per_case": "15",
    "chair_id": "",
}
DAY = ["5", "6", "2027"]
RECORD = {
    "version": "",
    "information_shared": "Shared",
    "risk_to_victim": "High",
    "risk_to_children": "",
    "risk_to_others": "",
    "risk_to_staff": "",
    "perpetrator_risk_factors": "",
    "decisions": "Decided",
    "no_action_reason": "",
}
RECORD_TEXTS = ("information_shared", "risk_to_victim", "decisions")
#: What a form that merges sends beside its fields (conference.web.merging): the text each
#: started from, and a clash shown with the user's choice.
RECORD_MERGING = {
    "information_shared.base": "Shared earlier",
    "decisions.base": "",
    "decisions.clash": "1",
    "decisions.keep": "mine",
}


def _action(prefix: str, *, due: bool = True) -> Fields:
    fields = {
        f"{prefix}-version": "",
        f"{prefix}-description": "Check on her",
        f"{prefix}-owner_agency_id": str(_agency().id),
        f"{prefix}-owner_name": "",
        f"{prefix}-due_on": DAY,
        f"{prefix}-priority": "medium",
        f"{prefix}-perpetrator_id": "",
        f"{prefix}-onward_to": "",
    }
    if due:
        fields[f"{prefix}-due_in"] = "7"
    return fields


def _prefixed(prefix: str, fields: Fields) -> Fields:
    return {f"{prefix}-{name}": value for name, value in fields.items()}


MARAC = {
    "name": "Westdale MARAC",
    "code": "WD",
    "timezone": "Europe/London",
    "requires_two_factor": "y",
    "is_active": "y",
    "risk_tool_id": "dash-2009",
    "high_risk_threshold": "14",
    "escalation_incidents": "3",
    "escalation_window_days": "365",
    "repeat_window_days": "365",
    "confidentiality_statement": "Keep it here.",
    "core_kinds": ["police", "health"],
    "adult_female_population": "100000",
    "serial_victims": "2",
    "serial_window_years": "3",
    "listing_wait_days": "21",
}
AGENCY = {
    "name": "Westdale Housing",
    "kind": "housing",
    "marac_ids": ["1"],
    "contact_name": "Ann",
    "contact_email": "ann@example.org",
    "contact_phone": "01234 567890",
    "is_active": "y",
}
USER = {"name": "Ann Example", "email": "ann@example.org", "job_title": "Officer", "agency_id": "1"}
VOICE = {
    "version": "",
    "contact_made": "yes",
    "contacted_on": DAY,
    "contact_method": "phone",
    "no_contact_reason": "",
    "views": "She wants him gone",
    "wishes": "To stay",
    "fears": "That he returns",
    "consent_to_share": "Yes",
    "safe_contact": "Mornings",
}
VICTIM = {
    "action": "continue",
    "reference": "CR/0042/26",
    "given_name": "Ann",
    "family_name": "Example",
    "aliases": "",
    "dob": ["1", "2", "1990"],
    "gender": "female",
    "is_trans": "no",
    "ethnicity": "white_british",
    "disability": "no",
    "sexuality": "heterosexual",
    "language": "",
}


ROUTES: dict[str, Route] = {
    # Accounts
    "accounts.change_password": Route(
        "probation",
        fields=lambda ids: {
            "current_password": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    ),
    "accounts.end_other_sessions": Route("probation", fields=lambda ids: {"password": PASSWORD}),
    "accounts.two_factor": Route("probation", fields=lambda ids: {"code": "123456"}),
    "accounts.disable_two_factor": Route("probation", fields=lambda ids: {"password": PASSWORD}),
    "accounts.set_password": Route(
        None,
        ids=lambda: {"token": "no-such-token"},
        fields=lambda ids: {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    ),
    "accounts.sign_in": Route(
        None, fields=lambda ids: {"email": f"probation@{DOMAIN}", "password": "wrong"}
    ),
    "accounts.sign_in_code": Route(None, fields=lambda ids: {"code": "123456"}),
    "accounts.sign_out": Route("probation"),
    # The information-sharing agreement (probation has not accepted Northbridge's current one)
    "agreements.accept": Route(
        "probation",
        ids=lambda: {"agreement_id": _current_agreement().id},
        fields=lambda ids: {"next": "/research/"},
    ),
    "agreements.edit": Route(
        "coordinator",
        ids=lambda: {"marac_id": _marac().id},
        fields=lambda ids: {"version": str(_current_agreement().version), "text": "New words."},
        texts=("text",),
    ),
    # Administration
    "admin.new_marac": Route("admin", fields=lambda ids: MARAC, texts=("name",)),
    "admin.edit_marac": Route(
        "admin",
        ids=lambda: {"marac_id": _marac().id},
        fields=lambda ids: {**MARAC, "name": "Northbridge MARAC", "code": "NB"},
        texts=("name",),
    ),
    "admin.new_agency": Route("admin", fields=lambda ids: AGENCY, texts=("name",)),
    "admin.edit_agency": Route(
        "admin",
        ids=lambda: {"agency_id": _agency().id},
        fields=lambda ids: AGENCY,
        texts=("name",),
    ),
    "admin.new_user": Route("admin", fields=lambda ids: USER, texts=("name", "job_title")),
    "admin.edit_user": Route(
        "admin", ids=_user_ids, fields=lambda ids: USER, texts=("name", "job_title")
    ),
    "admin.deactivate_user": Route("admin", ids=_user_ids),
    "admin.reactivate_user": Route("admin", ids=_user_ids),
    "admin.issue_password_link": Route("admin", ids=_user_ids),
    "admin.reset_two_factor": Route("admin", ids=_user_ids),
    "admin.grant_role": Route(
        "admin",
        ids=_user_ids,
        fields=lambda ids: {"role": "chair", "marac_id": str(_marac().id)},
    ),
    "admin.revoke_role": Route("admin", ids=_user_ids),
    # Calendar
    "conferences.new_feed": Route("chair"),
    "conferences.stop_feed": Route("chair"),
    # Cases
    "referrals.reveal_address": Route(
        "coordinator", ids=_case, fields=lambda ids: {"reason": "Visit"}, texts=("reason",)
    ),
    "referrals.assign_advocate": Route(
        "coordinator", ids=_case, fields=lambda ids: {"advocate_id": str(_user("idva").id)}
    ),
    "referrals.set_confidential": Route(
        "coordinator",
        ids=_case,
        fields=lambda ids: {"confidential": "1", "reason": "Refuge"},
        texts=("reason",),
    ),
    "closure.notice": Route(
        "police",
        ids=_flagged_for_police,
        fields=_notice_fields,
        texts=("what_happened", "reported_by"),
        dates=("occurred_on",),
    ),
    "closure.ready": Route("coordinator", fields=lambda ids: _ready_case(), texts=("reason",)),
    "subject_access.search": Route(
        "coordinator",
        fields=lambda ids: {
            "name": "Harriet Coles",
            "dob": ["14", "3", "1990"],
            "choose": "y",
            "subject": "victim-1",
        },
        texts=("name",),
        dates=("dob",),
    ),
    "system_issues.new": Route(
        "coordinator",
        fields=_issue_fields,
        texts=("description", "owner", "cases"),
        dates=("review_on",),
    ),
    "system_issues.update": Route(
        "steering",
        ids=_issue,
        fields=lambda ids: {
            "status": "open",
            "owner": "Head of service",
            "review_on": ["1", "3", str(utcnow().year + 1)],
            "note": "Raised at the board",
            "version": str(db.session.get_one(SystemIssue, ids["issue_id"]).version),
        },
        texts=("note", "owner"),
        dates=("review_on",),
    ),
    "meetings.log_system_issue": Route(
        "chair",
        ids=_live,
        fields=lambda ids: _prefixed(
            f"issue-{ids['item_id']}",
            {
                "category": "policy",
                "agency_id": "",
                "description": "The policy stops sharing at night.",
                "owner": "",
            },
        ),
        texts=("description", "owner"),
    ),
    "escalation.change": Route(
        "coordinator",
        ids=_entry,
        fields=lambda ids: {"status": "raised", "note": "Raised with the agency", "version": "1"},
        texts=("note",),
    ),
    "closure.close": Route(
        "coordinator",
        ids=_case,
        fields=lambda ids: {"close-reason": "Done"},
        texts=("close-reason",),
    ),
    "conferences.list_case": Route(
        "coordinator",
        ids=_case,
        fields=lambda ids: {
            "conference_id": str(_scheduled()["conference_id"]),
            "reason": "Urgent",
            "over_capacity_reason": "",
        },
        texts=("reason",),
    ),
    "transfers.send": Route(
        "coordinator",
        ids=_case,
        fields=_transfer_fields,
        texts=("reason",),
    ),
    # The schedule and agendas
    "conferences.cancel_conference": Route(
        "coordinator",
        ids=_scheduled,
        fields=lambda ids: {"reason": "Snow"},
        texts=("reason",),
    ),
    "conferences.edit_conference": Route(
        "coordinator",
        ids=_scheduled,
        fields=lambda ids: {**SETTINGS, "day": DAY},
        texts=("place",),
        dates=("day",),
    ),
    "conferences.new_conference": Route(
        "coordinator",
        ids=lambda: {"marac_id": _marac().id},
        fields=lambda ids: {**SETTINGS, "day": DAY},
        texts=("place",),
        dates=("day",),
    ),
    "conferences.meeting_rule": Route(
        "coordinator",
        ids=lambda: {"marac_id": _marac().id},
        fields=lambda ids: {
            **SETTINGS,
            "frequency": "monthly",
            "week_of_month": "1",
            "weekday": "2",
            "interval_weeks": "",
            "first_date": DAY,
            "cutoff_days": "10",
            "research_days": "7",
        },
        texts=("place",),
        dates=("first_date",),
    ),
    "conferences.rule_preview": Route(
        "coordinator",
        ids=lambda: {"marac_id": _marac().id},
        fields=lambda ids: {
            **SETTINGS,
            "frequency": "weekly",
            "interval_weeks": "2",
            "first_date": DAY,
        },
        dates=("first_date",),
    ),
    "conferences.move_up": Route("coordinator", ids=_scheduled),
    "conferences.move_down": Route("coordinator", ids=_scheduled),
    "conferences.move_item": Route(
        "coordinator",
        ids=_scheduled,
        fields=lambda ids: {"conference_id": str(_published()["conference_id"]), "reason": "x"},
        texts=("reason",),
    ),
    "conferences.remove_item": Route(
        "coordinator", ids=_published, fields=lambda ids: {"reason": "Gone"}, texts=("reason",)
    ),
    "conferences.publish": Route("coordinator", ids=_scheduled),
    # The live meeting
    "meetings.attendance": Route(
        "chair",
        ids=lambda: {"conference_id": _live()["conference_id"], "agency_id": _agency().id},
        fields=lambda ids: _prefixed(
            f"agency-{ids['agency_id']}", {"presence": "present", "information_sent": "yes"}
        ),
    ),
    "meetings.add_attendee": Route(
        "chair",
        ids=lambda: {"conference_id": _live()["conference_id"]},
        fields=lambda ids: {
            "person": "",
            "agency_id": str(_agency().id),
            "name": "Guest",
            "job_title": "Officer",
            "observer": "y",
        },
        texts=("name", "job_title"),
    ),
    "meetings.accept": Route("chair", ids=_attendee),
    "meetings.remove_attendee": Route("chair", ids=_attendee),
    "meetings.accept_all": Route("chair", ids=lambda: {"conference_id": _live()["conference_id"]}),
    "meetings.start": Route("chair", ids=lambda: {"conference_id": _live()["conference_id"]}),
    "meetings.next_item": Route(
        "chair",
        ids=lambda: {"conference_id": _live()["conference_id"]},
        fields=lambda ids: {"shown": str(_live()["item_id"])},
    ),
    "meetings.previous_item": Route(
        "chair",
        ids=lambda: {"conference_id": _live()["conference_id"]},
        fields=lambda ids: {"shown": str(_live()["item_id"])},
    ),
    "meetings.open_item": Route("chair", ids=_live),
    "meetings.reopen": Route("chair", ids=_live),
    "meetings.discussed": Route("chair", ids=_live, fields=lambda ids: {"shown": ""}),
    "meetings.defer": Route(
        "chair", ids=_live, fields=lambda ids: {"reason": "Not ready"}, texts=("reason",)
    ),
    "meetings.save_record": Route(
        "chair", ids=_live, fields=lambda ids: {**RECORD, **RECORD_MERGING}, texts=RECORD_TEXTS
    ),
    "meetings.save_perpetrator_risk": Route(
        "chair",
        ids=_live_perpetrator,
        fields=lambda ids: _prefixed(
            f"perpetrator-{ids['perpetrator_id']}",
            {
                "version": "",
                "risk_to_new_partner": "High",
                "risk_to_children": "",
                "risk_to_new_partner.base": "",
                "risk_to_children.base": "Earlier",
                "risk_to_children.clash": "1",
                "risk_to_children.keep": "theirs",
            },
        ),
        texts=("risk_to_new_partner",),
    ),
    "meetings.add_action": Route(
        "chair",
        ids=_live,
        fields=lambda ids: {
            **_action(f"new-{ids['item_id']}"),
            f"new-{ids['item_id']}-risks": "risk_to_victim",
        },
        dates=("due_on",),
        texts=("description", "owner_name"),
    ),
    "meetings.change_action": Route(
        "chair",
        ids=_live_action,
        fields=lambda ids: {
            **_action(f"action-{ids['action_id']}"),
            # What the change form sends to merge a stale change (conference.web.merging)
            **_prefixed(
                f"action-{ids['action_id']}",
                {
                    "description.base": "Check on her earlier",
                    "description.clash": "1",
                    "description.keep": "theirs",
                    "owner_name.base": "",
                    "owner_agency_id.base": "1",
                    "due_on.base": "2027-06-05",
                    "priority.base": "medium",
                },
            ),
        },
        dates=("due_on",),
        texts=("description", "owner_name"),
    ),
    "meetings.withdraw_action": Route("chair", ids=_live_action),
    "meetings.carry_forward": Route("chair", ids=_review, fields=lambda ids: {"version": "1"}),
    "meetings.review": Route(
        "chair",
        ids=_review,
        fields=lambda ids: _prefixed(
            f"review-{ids['action_id']}",
            {"version": "", "decision": "open", "due_on": DAY, "note": "Later"},
        ),
        dates=("due_on",),
        texts=("note",),
    ),
    "meetings.conclude": Route("chair", ids=lambda: {"conference_id": _live()["conference_id"]}),
    # Minutes
    "minutes.save_notes": Route(
        "coordinator",
        ids=lambda: {"conference_id": _past()["conference_id"]},
        fields=lambda ids: {
            "version": "",
            "opening_notes": "Opened",
            "other_business": "",
            "reason": "Typo",
            "opening_notes.base": "Opened earlier",
            "other_business.base": "",
            "other_business.clash": "1",
            "other_business.keep": "theirs",
        },
        texts=("opening_notes", "reason"),
    ),
    "minutes.save_record": Route(
        "coordinator",
        ids=lambda: {k: v for k, v in _past().items() if k != "action_id"},
        fields=lambda ids: _prefixed(
            f"item-{ids['item_id']}", {**RECORD, **RECORD_MERGING, "reason": "Typo"}
        ),
        texts=(*RECORD_TEXTS, "reason"),
    ),
    "minutes.add_action": Route(
        "coordinator",
        ids=lambda: {k: v for k, v in _past().items() if k != "action_id"},
        fields=lambda ids: {
            **_action(f"new-{ids['item_id']}", due=False),
            f"new-{ids['item_id']}-reason": "Missed",
        },
        dates=("due_on",),
        texts=("description", "owner_name"),
    ),
    "minutes.save_action": Route(
        "coordinator",
        ids=lambda: {k: v for k, v in _past().items() if k != "item_id"},
        fields=lambda ids: {
            **_action(f"action-{ids['action_id']}", due=False),
            f"action-{ids['action_id']}-reason": "Typo",
        },
        dates=("due_on",),
        texts=("description", "owner_name"),
    ),
    "minutes.finalise": Route(
        "coordinator", ids=lambda: {"conference_id": _past()["conference_id"]}
    ),
    # Actions
    "actions.report": Route(
        "police",
        ids=_police_action,
        fields=lambda ids: _prefixed(
            f"action-{ids['action_id']}", {"version": "", "status": "done", "note": "Visited"}
        ),
        texts=("note",),
    ),
    # Notifications
    "notifications.open_one": Route("coordinator", ids=_notification),
    "notifications.read_all": Route("coordinator"),
    "notifications.resend": Route("admin", ids=_outbound_email),
    # Referrals
    "referrals.new": Route("police", fields=lambda ids: {"marac_id": str(_marac().id)}),
    "referrals.step": Route(
        "police",
        ids=lambda: {**_referral(ReferralStatus.DRAFT, "police"), "step_name": "victim"},
        fields=lambda ids: VICTIM,
        texts=("reference", "given_name", "family_name", "language"),
        dates=("dob",),
    ),
    "referrals.check": Route("police", ids=lambda: _referral(ReferralStatus.DRAFT, "police")),
    "referrals.withdraw": Route(
        "police",
        ids=lambda: _referral(ReferralStatus.DRAFT, "police"),
        fields=lambda ids: {"reason": "Mistake"},
        texts=("reason",),
    ),
    "referrals.decide": Route(
        "coordinator",
        ids=lambda: _referral(ReferralStatus.SUBMITTED),
        fields=lambda ids: {
            "decision": "accept_new",
            "case_id": "",
            "case_reference": "",
            "advocate_id": str(_user("idva").id),
            "reason": "Meets the threshold",
            "listing": "",
            "over_capacity_reason": "She cannot wait",
            "urgent": "y",
            "interim_1_description": "Fit a panic alarm",
            "interim_1_agency_id": str(_agency().id),
            "interim_1_owner_name": "",
            "interim_1_due_on": DAY,
        },
        texts=("reason", "over_capacity_reason", "interim_1_description"),
    ),
    "referrals.decide_link": Route(
        "coordinator",
        ids=lambda: {"referral_id": _link()["referral_id"]},
        fields=lambda ids: {
            "perpetrator_id": str(_link()["mine"]),
            "other_id": str(_link()["other"]),
            "answer": "same",
        },
    ),
    # Retention
    "retention.place": Route(
        "coordinator",
        ids=_due_for_review,
        fields=lambda ids: {"reason": "Inquest pending"},
        texts=("reason",),
    ),
    "retention.lift": Route(
        "coordinator",
        ids=lambda: {"hold_id": _held()["hold_id"]},
        fields=lambda ids: {"reason": "Proceedings over", "version": str(_held()["version"])},
        texts=("reason",),
    ),
    # Research
    "research.save": Route(
        "police",
        ids=_published,
        fields=_research_fields,
        texts=("-summary", r"-perpetrator-\d+"),
    ),
    # Transfers
    "transfers.accept": Route("coordinator", ids=_transfer),
    "transfers.decline": Route(
        "coordinator", ids=_transfer, fields=lambda ids: {"reason": "No"}, texts=("reason",)
    ),
    "transfers.withdraw": Route("eastmoor", ids=_transfer),
    # Her voice
    "voice.save": Route(
        "idva",
        ids=_voice_item,
        # With what the form sends to merge a stale save (conference.web.merging)
        fields=lambda ids: {
            **VOICE,
            "views.base": "Earlier views",
            "views.clash": "1",
            "views.keep": "mine",
            "fears.base": "",
            "safe_contact.base": "",
        },
        texts=("views", "wishes", "fears"),
        dates=("contacted_on",),
    ),
    "voice.outcome": Route(
        "idva",
        ids=_voice_item,
        fields=lambda ids: _prefixed(
            "outcome",
            {
                "version": "",
                "told_on": DAY,
                "told_how": "phone",
                "notes": "Told",
                # What the form sends to merge a stale save (conference.web.merging)
                "notes.base": "Earlier",
                "notes.clash": "1",
                "notes.keep": "theirs",
                "feels_safer.base": "",
            },
        ),
        dates=("outcome-told_on",),
        texts=("notes",),
    ),
}


def _post_endpoints() -> set[str]:
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    return {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}


def test_every_form_handling_route_is_attacked():
    assert _post_endpoints() == set(ROUTES)


# The attacks -------------------------------------------------------------------------------

NUL = "Kept words\x00 here"
CONTROL = "Kept\x01\x1b\x7f words\x0b"
LONG = "x" * 10_000


def _spoilt(fields: Fields, name: str, value: Any) -> Fields:
    return {**fields, name: value}


@dataclass(frozen=True)
class Attack:
    label: str
    post: Fields
    #: The text a form shown again must keep, with the input rule's message beside it.
    kept: str | None = None
    htmx: bool = False


def _attacks(route: Route, fields: Fields) -> Iterator[Attack]:
    """Each field spoilt in turn (the others left plausible), then every field at once."""
    names = list(fields) or ["anything"]
    for name in names:
        if any(name.endswith(d) for d in route.dates):
            for label, boxes in [("NUL", ["1\x00", "1", "2026"]), ("long", ["1", "1", LONG])]:
                yield Attack(f"{name}: {label}", {**fields, name: boxes})
            for year in ("1", "9999"):
                yield Attack(f"{name}: year {year}", {**fields, name: ["1", "1", year]})
            continue
        kept = NUL if any(re.search(f"{t}$", name) for t in route.texts) else None
        yield Attack(f"{name}: NUL", {**fields, name: NUL}, kept)
        if kept:
            yield Attack(f"{name}: NUL (htmx)", {**fields, name: NUL}, kept, htmx=True)
        yield Attack(f"{name}: 10,000 characters", {**fields, name: LONG})
        yield Attack(f"{name}: wrong type", {**fields, name: "not a number or a choice ½"})
        for number in ("2147483648", "³"):  # past an id column's range; a digit int() refuses
            yield Attack(f"{name}: {number}", {**fields, name: number})
    yield Attack("every field: control characters", {n: CONTROL for n in names})
    yield Attack("every field twice", {n: [fields.get(n, ""), "other"] for n in names})
    for value in ("1", "2147483648", "-1", "0001-01-01", "9999-12-31"):
        yield Attack(f"every field: {value}", {n: value for n in names})
    yield Attack("nothing", {})


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_hostile_posts_never_fail_or_lose_what_was_typed(demo, app, endpoint):
    _attack_route(app, endpoint, ROUTES[endpoint])


#: The referral form's consent step, where answers are checked against each other too.
CONSENT_STEP = Route(
    "police",
    ids=lambda: {**_referral(ReferralStatus.DRAFT, "police"), "step_name": "consent"},
    fields=lambda ids: {
        "victim_aware": "yes",
        "consent": "refused_shared",
        "without_consent_reason": "serious_harm",
        "consent_reason": "The risk to her life outweighs her wish",
        "consent_authorised_by": "A Testperson",
        "consent_authoriser_role": "Team manager",
        "narrative": "What happened",
    },
    texts=("^consent_reason", "consent_authorised_by", "consent_authoriser_role", "narrative"),
)


def test_hostile_posts_to_the_consent_step_never_fail_or_lose_what_was_typed(demo, app):
    _attack_route(app, "referrals.step", CONSENT_STEP)


def _attack_route(app: Any, endpoint: str, route: Route) -> None:
    ids = route.ids()
    fields = route.fields(ids)
    with app.test_request_context():
        url = url_for(endpoint, **{k: v for k, v in ids.items() if k not in ("mine", "other")})
    client = app.test_client()
    if route.user:
        sign_in(client, _user(route.user))
    failures = []
    for attack in _attacks(route, fields):
        resp = client.post(url, data=attack.post, headers=HTMX if attack.htmx else {})
        if resp.status_code >= 500:
            failures.append(f"{attack.label}: {resp.status_code}")
        elif attack.kept and resp.status_code == 422 and not _keeps(resp.text, attack.kept):
            failures.append(f"{attack.label}: shown again without what was typed or why")
    assert not failures, f"POST {endpoint}:\n" + "\n".join(failures)


def _keeps(html: str, typed: str) -> bool:
    return typed in html and CONTROL_CHARACTER_MESSAGE in html


# The input rule itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        ("a\x00b", True),
        ("escape \x1b[31m", True),
        ("delete \x7f", True),
        ("next line \x85", True),
        ("a lone \r return", True),
        ("form feed \x0c", True),
        ("tab\there", False),
        ("line\nbreak", False),
        ("a text area's\r\nline break", False),
        ("é ½ – 😀", False),
    ],
)
def test_control_characters_but_tab_and_line_breaks_are_refused(typed, refused):
    assert has_control_character([typed]) is refused


def _form_classes() -> Iterator[type]:
    for module in pkgutil.walk_packages(conference.__path__, "conference."):
        importlib.import_module(module.name)
    pending = [wtforms.Form]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("conference.") and cls.__module__ != "conference.web.forms":
            yield cls


def test_every_form_of_the_app_applies_the_rule_to_every_field():
    classes = list(_form_classes())
    assert len(classes) > 40
    outside = [c.__qualname__ for c in classes if not issubclass(c, Form | FlaskForm)]
    assert not outside, "derive these from conference.web.forms.Form or FlaskForm"


def test_the_database_refuses_a_control_character_whatever_the_path(app):
    user = factories.make_user("chair")
    db.session.commit()
    with pytest.raises(ControlCharacterRefused):
        db.session.execute(sa.update(User).where(User.id == user.id).values(name="a\x00b"))
    db.session.rollback()
    user = db.session.get(User, user.id)
    user.job_title = "bell \x07"
    with pytest.raises(ControlCharacterRefused):
        db.session.flush()
    db.session.rollback()
    user = db.session.get(User, user.id)
    user.job_title = "Two lines\r\nand a\ttab"
    db.session.commit()


def test_a_nul_in_the_sign_in_email_is_refused_beside_the_field(client):
    resp = client.post("/sign-in", data={"email": "a\x00@b.example", "password": "x"})
    assert resp.status_code == 422
    assert CONTROL_CHARACTER_MESSAGE in resp.text and "a\x00@b.example" in resp.text


def test_a_nul_in_a_search_is_refused_beside_the_box_with_the_text_kept(client_as):
    admin = client_as("admin")
    resp = admin.get("/admin/users?q=a%00b")
    assert resp.status_code == 422
    assert CONTROL_CHARACTER_MESSAGE in resp.text and 'value="a\x00b"' in resp.text
    swapped = admin.get("/admin/users?q=a%00b", headers=HTMX)
    assert swapped.status_code == 422 and CONTROL_CHARACTER_MESSAGE in swapped.text
    assert admin.get("/admin/users?q=coordinator").status_code == 200


#: The pages read through a query string, and what each one reads.
QUERIES = {
    ("coordinator", "/audit/"): (
        "verb user_email object_type object_id ip on_or_after on_or_before page"
    ),
    ("coordinator", "/actions/tracker"): "agency conference status overdue page",
    ("police", "/actions/"): "status conference due",
    ("coordinator", "/reports/return"): "marac quarter start end",
    ("coordinator", "/cases/"): "closed",
    ("admin", "/admin/users"): "q page",
    ("coordinator", "/notifications/"): "page",
    ("police", "/referrals/"): "q page",
}


@pytest.mark.parametrize(("user", "path"), sorted(QUERIES))
def test_query_strings_with_control_characters_never_fail(demo, app, user, path):
    client = sign_in(app.test_client(), _user(user))
    names = QUERIES[(user, path)].split()
    for value in (NUL, CONTROL, LONG, "9999-12-31", "0001-01-01", "2147483648"):
        for name in names:
            resp = client.get(path, query_string={name: value})
            assert resp.status_code < 500, f"{path}?{name}={value[:20]!r}"


# Dates within sensible bounds --------------------------------------------------------------


def test_years_after_stays_within_the_calendar():
    assert years_after(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert years_after(date(2026, 12, 3), -120) == date(1906, 12, 3)
    assert years_after(date(9999, 1, 1), 2) == date(9999, 1, 1)
    assert years_after(date(2, 1, 1), -5) == date(1, 1, 1)


def _meeting_day(conference_id: int) -> date:
    return display.local_day(db.session.get(Conference, conference_id))


def _boxes(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def test_an_action_is_due_within_two_years_of_its_meeting(demo, app):
    ids = _live()
    chair = sign_in(app.test_client(), _user("chair"))
    url = f"/conferences/{ids['conference_id']}/meeting/items/{ids['item_id']}/actions"
    prefix = f"new-{ids['item_id']}"
    day = _meeting_day(ids["conference_id"])
    post = {**_action(prefix), f"{prefix}-due_in": "other", f"{prefix}-description": "Visit her"}
    for due, message in [
        (date(9999, 1, 1), f"within {ACTION_DUE_YEARS} years of the meeting"),
        (years_after(day, ACTION_DUE_YEARS) + timedelta(days=1), "within 2 years"),
        (day - timedelta(days=1), "cannot be before the meeting"),
    ]:
        resp = chair.post(url, data={**post, f"{prefix}-due_on": _boxes(due)}, headers=HTMX)
        assert resp.status_code == 422, due
        assert message in resp.text and "Visit her" in resp.text
    resp = chair.post(
        url, data={**post, f"{prefix}-due_on": _boxes(years_after(day, 1))}, headers=HTMX
    )
    assert resp.status_code == 200


def test_a_reviewed_action_kept_open_is_due_within_two_years(demo, app):
    ids = _review()
    action = db.session.get(Action, ids["action_id"])
    item = db.session.get(AgendaItem, ids["item_id"])
    now = utcnow()
    with pytest.raises(ValidationFailed, match="within 2 years from today") as refused:
        review_at_meeting(
            action,
            item,
            version=action.version,
            status=ActionStatus.OPEN,
            due_on=date(9999, 1, 1),
            note="Kept open",
            actor=_user("chair"),
            now=now,
        )
    assert refused.value.field == "due_on"


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (date(9999, 1, 1), "within 2 years from today"),
        (date(1, 1, 1), "must be a real date"),
        (date(2000, 1, 1), "must start in the future"),
    ],
)
def test_a_conference_is_planned_within_two_years(demo, app, day, message):
    coordinator = sign_in(app.test_client(), _user("coordinator"))
    url = f"/maracs/{_marac().id}/conferences/new"
    resp = coordinator.post(url, data={**SETTINGS, "day": _boxes(day)})
    assert resp.status_code == 422 and message in resp.text
    assert 'value="Town hall"' in resp.text


def test_a_rule_s_first_meeting_is_within_two_years(demo, app):
    coordinator = sign_in(app.test_client(), _user("coordinator"))
    resp = coordinator.post(
        f"/maracs/{_marac().id}/meeting-rule",
        data={
            **SETTINGS,
            "frequency": "every_n_weeks",
            "interval_weeks": "2",
            "first_date": ["1", "1", "9999"],
            "cutoff_days": "10",
            "research_days": "7",
        },
    )
    assert resp.status_code == 422 and "must be within 2 years from today" in resp.text


TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        (TODAY + timedelta(days=1), "must be today or in the past"),
        (years_after(TODAY, -OLDEST_AGE_YEARS) - timedelta(days=1), "within the last 120 years"),
        (years_after(TODAY, -OLDEST_AGE_YEARS), None),
        (date(1990, 2, 1), None),
    ],
)
def test_dates_of_birth_are_not_in_the_future_nor_over_120_years_back(born, problem):
    victim = referral_forms.VictimForm(
        formdata=MultiDict([*(("dob", b) for b in _boxes(born))]), today=TODAY
    )
    victim.validate()
    assert (problem in " ".join(victim.dob.errors)) if problem else not victim.dob.errors
    if problem and born > TODAY:
        # A child's entry judges by the real today: tomorrow is in the future whenever it runs.
        tomorrow = utcnow().date() + timedelta(days=1)
        child = referral_forms.ChildEntry(
            formdata=MultiDict([("dob", b) for b in _boxes(tomorrow)])
        )
        child.validate()
        assert any(problem in e for e in child.dob.errors)


def test_an_incident_is_not_in_the_future():
    tomorrow = utcnow().date() + timedelta(days=1)
    incident = referral_forms.IncidentEntry(
        formdata=MultiDict(
            [("summary", "Hit her"), *(("occurred_on", b) for b in _boxes(tomorrow))]
        )
    )
    assert not incident.validate()
    assert incident.occurred_on.errors == ["Date of the incident must be today or in the past"]
