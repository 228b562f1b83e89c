"""Template set-up: GOV.UK macros, filters and the permission predicates as globals."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from conference.accounts import permissions
from conference.actions import permissions as action_permissions
from conference.conferences import permissions as conference_permissions
from conference.conferences.rules import clock
from conference.escalation import permissions as escalation_permissions
from conference.notifications import queries as notification_queries
from conference.referrals import permissions as referral_permissions
from conference.system_issues import permissions as issue_permissions
from conference.voice import permissions as voice_permissions

DISPLAY_ZONE = ZoneInfo("Europe/London")


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
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
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
    app.add_template_global(conference_permissions.sees_schedule, "sees_schedule")
    app.add_template_global(conference_permissions.does_research, "does_research")
    app.add_template_global(action_permissions.has_actions, "has_actions")
    app.add_template_global(voice_permissions.voices_any, "voices_any")
    app.add_template_global(escalation_permissions.can_read_register, "can_read_register")
    app.add_template_global(issue_permissions.can_read_log, "can_read_issues")
    app.add_template_global(issue_permissions.can_log, "can_log_issues")


def format_datetime(value: datetime | None, zone: str | None = None) -> str:
    """'21 November 2026, 9:05am' in UK time (or the given zone)."""
    if value is None:
        return ""
    local = value.astimezone(ZoneInfo(zone) if zone else DISPLAY_ZONE)
    hour = local.strftime("%I").lstrip("0")
    return f"{local.day} {local:%B %Y}, {hour}:{local:%M}{local:%p}".replace("AM", "am").replace(
        "PM", "pm"
    )


def format_date(value: date | datetime | None) -> str:
    """'21 November 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(DISPLAY_ZONE).date()
    return f"{value.day} {value:%B %Y}"


def format_time(value: datetime | None) -> str:
    """'9:05am' in UK time."""
    if value is None:
        return ""
    local = value.astimezone(DISPLAY_ZONE)
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
