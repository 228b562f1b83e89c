"""Template set-up: GOV.UK macros, filters and the permission predicates as globals."""

from __future__ import annotations

from collections import ChainMap
from collections.abc import KeysView, MutableMapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Flask, g
from flask.templating import Environment as FlaskEnvironment
from flask_login import current_user
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader, pass_context
from jinja2.runtime import Context

from conference.accounts import permissions
from conference.actions import permissions as action_permissions
from conference.conferences import permissions as conference_permissions
from conference.conferences.models import AgendaItem
from conference.conferences.rules import clock
from conference.escalation import permissions as escalation_permissions
from conference.extensions import db
from conference.notifications import queries as notification_queries
from conference.profiles import Profile, Words, install_profile, profile_for, role_label
from conference.pronouns import THEY, Pronouns, pronouns_for
from conference.referrals import permissions as referral_permissions
from conference.referrals.models import Case
from conference.referrals.queries import victim_genders
from conference.system_issues import permissions as issue_permissions
from conference.voice import permissions as voice_permissions

DISPLAY_ZONE = ZoneInfo("Europe/London")


class _Globals(ChainMap[str, Any]):
    """A template's globals, whose keys subtract in one C-level step."""

    def keys(self) -> KeysView[str]:
        return dict.fromkeys(self).keys()


class TemplateEnvironment(FlaskEnvironment):
    """Flask's template environment, with template globals that are quick to compare.

    Every ``{% from ... import %}`` asks which of the importing template's globals the
    imported one lacks: a set difference over the globals' keys. Over Jinja's plain ChainMap
    it runs in Python, one key at a time, and GOV.UK form fields import their macros each time
    they render: that was a third of the time of every field on a page.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _Globals({} if d is None else d, self.globals)


def init_app(app: Flask, template_folder: str) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(template_folder),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    app.add_template_filter(practice_datetime, "datetime")
    app.add_template_filter(practice_date, "date")
    app.add_template_global(words, "words")
    app.add_template_global(victim_words, "victim_words")
    app.add_template_global(permissions.is_admin, "is_admin")
    app.add_template_global(permissions.speaks_for_an_agency, "speaks_for_an_agency")
    app.add_template_global(permissions.can_view_audit, "can_view_audit")
    app.add_template_global(permissions.can_manage_accounts, "can_manage_accounts")
    app.add_template_global(permissions.sees_figures, "sees_figures")
    app.add_template_global(referral_permissions.can_refer, "can_refer")
    app.add_template_global(referral_permissions.is_coordinator, "is_coordinator")
    app.add_template_global(notification_queries.unread_count, "unread_notifications")
    app.add_template_filter(format_time, "time")
    app.add_template_filter(waiting_for, "waiting")
    app.add_template_global(clock, "clock")
    app.add_template_global(role_label, "role_label")
    app.add_template_global(conference_permissions.sees_schedule, "sees_schedule")
    app.add_template_global(conference_permissions.does_research, "does_research")
    app.add_template_global(action_permissions.has_actions, "has_actions")
    app.add_template_global(voice_permissions.voices_any, "voices_any")
    app.add_template_global(escalation_permissions.can_read_register, "can_read_register")
    app.add_template_global(issue_permissions.can_read_log, "can_read_issues")
    app.add_template_global(issue_permissions.can_log, "can_log_issues")


#: Names a page's template gives the record it is about, searched in this order for the MARAC
#: whose profile words the page: each record has a ``marac`` (a MARAC is its own).
RECORDS_IN_VIEW = ("marac", "case", "referral", "conference", "item", "meeting", "issue", "entry")


def profile_in_view(context: Context | None) -> Profile:
    """The profile of the MARAC the page is about (marac_in_view), else the install's."""
    return _profile_of(marac_in_view(context))


def _profile_of(marac: Any) -> Profile:
    return profile_for(marac) if marac is not None else install_profile()


def marac_in_view(context: Context | None) -> Any:
    """The MARAC the page is about: the MARAC of the first record the template was given
    (RECORDS_IN_VIEW), else the one MARAC the signed-in user works in, else None."""
    if context is not None:
        for name in RECORDS_IN_VIEW:
            marac = _marac_of(context.get(name))
            if marac is not None:
                return marac
    user = current_user._get_current_object() if current_user else None
    maracs = {grant.marac_id: grant.marac for grant in getattr(user, "role_grants", ())}
    if len(maracs) == 1 and None not in maracs:
        return next(iter(maracs.values()))
    return None


def zone_of(marac: Any) -> ZoneInfo:
    """The time zone a MARAC's times are shown in; UK time for none."""
    zone = getattr(marac, "timezone", None)
    return ZoneInfo(zone) if zone else DISPLAY_ZONE


def _marac_of(record: Any) -> Any:
    if record is None:
        return None
    if hasattr(record, "profile_id"):
        return record
    try:
        marac = getattr(record, "marac", None)
    except sa.exc.InvalidRequestError:  # a relationship this page never loads
        return None
    return marac if hasattr(marac, "profile_id") else None


@pass_context
def words(context: Context) -> Words:
    """The words of the practice in view: ``{{ words().meeting }}`` is "MARAC" on a MARAC's
    pages and "high-risk team" on a US-style team's (conference.profiles)."""
    return profile_in_view(context).words


def victim_words(record: Any = None) -> Pronouns:
    """The pronouns for the victim of a referral, a case or an agenda item (or a Gender), as
    the referral recorded her or his gender; "they" where it was not recorded or where the
    page speaks of no one victim: ``{{ victim_words(case).Their }} voice``."""
    if record is None:
        return THEY
    if hasattr(record, "victim_gender"):  # a referral: its own answer, or its draft's
        return pronouns_for(record.victim_gender or _draft_gender(record))
    case_id = getattr(record, "case_id", None)
    if isinstance(record, Case):
        case_id = record.id
    if case_id is None:
        return pronouns_for(record)
    return pronouns_for(_victim_gender(case_id))


def _draft_gender(referral: Any) -> object:
    """The gender typed on a draft's victim step, if any: the column is written on submit."""
    typed = ((getattr(referral, "draft", None) or {}).get("victim") or {}).get("gender")
    return typed[0] if isinstance(typed, list) and typed else typed


def _victim_gender(case_id: int) -> object:
    """The gender of a case's victim, read once a request for every case the page has loaded
    (the session's cases and agenda items), so a list never asks once per case."""
    known: dict[int, object] = g.setdefault("victim_genders", {})
    if case_id not in known:
        loaded = {case_id}
        for record in list(db.session.identity_map.values()):
            if isinstance(record, Case):
                loaded.add(record.id)
            elif isinstance(record, AgendaItem):
                loaded.add(record.case_id)
        known.update(victim_genders(loaded - set(known)))
    return known.get(case_id)


@pass_context
def practice_date(context: Context, value: date | datetime | None) -> str:
    """A date as the practice in view writes it: '21 November 2026' or 'November 21, 2026'."""
    if value is None:
        return ""
    marac = marac_in_view(context)  # looked up once for the zone and the format
    if isinstance(value, datetime):
        value = value.astimezone(zone_of(marac)).date()
    return _profile_of(marac).format_date(value)


@pass_context
def practice_datetime(context: Context, value: datetime | None, zone: str | None = None) -> str:
    """'21 November 2026, 9:05am' in the time of the MARAC in view (UK time where none is; or
    the given zone), the date as its practice writes it."""
    if value is None:
        return ""
    marac = marac_in_view(context)
    local = value.astimezone(ZoneInfo(zone) if zone else zone_of(marac))
    return f"{_profile_of(marac).format_date(local.date())}, {_clock(local)}"


def format_datetime(value: datetime | None, zone: str | None = None) -> str:
    """'21 November 2026, 9:05am' in UK time (or the given zone)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone) if zone else DISPLAY_ZONE)
    return f"{format_date(local.date())}, {_clock(local)}"


def format_date(value: date | datetime | None) -> str:
    """'21 November 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_ZONE).date()
    return f"{value.day} {value:%B %Y}"


@pass_context
def format_time(context: Context, value: datetime | None) -> str:
    """'9:05am' in the time of the MARAC in view (UK time where none is)."""
    if value is None:
        return ""
    return _clock(value.astimezone(zone_of(marac_in_view(context))))


def _clock(local: datetime) -> str:
    """'9:05am': the time of a datetime already in its zone."""
    return f"{local.strftime('%I').lstrip('0')}:{local:%M}{local:%p}".lower()


def waiting_for(since: datetime | None, now: datetime) -> str:
    """How long something has waited, in the largest whole unit: '3 days', '5 hours'."""
    if since is None:
        return ""
    minutes = int((now - since).total_seconds() // 60)
    for unit, size in (("day", 1440), ("hour", 60)):
        if minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "under an hour"
