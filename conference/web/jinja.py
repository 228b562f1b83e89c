"""Template set-up: GOV.UK macros, filters and the permission predicates as globals."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from conference.accounts import permissions

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
    app.add_template_global(permissions.can_view_audit, "can_view_audit")
    app.add_template_global(permissions.can_manage_accounts, "can_manage_accounts")


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
