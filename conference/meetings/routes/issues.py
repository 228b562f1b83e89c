"""Logging a system issue from the case on the console: saved in place, the case kept open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import flash, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference.accounts.models import Agency
from conference.conferences import display
from conference.conferences.models import AgendaItem, Conference
from conference.db import utcnow
from conference.extensions import db
from conference.meetings import queries
from conference.meetings.routes import bp, load_driven
from conference.meetings.routes.console import console_response, folds_drawn
from conference.system_issues import queries as issue_queries
from conference.system_issues import services as issue_services
from conference.system_issues.choices import IssueCategory
from conference.system_issues.forms import ConsoleIssueForm
from conference.web.auth import current_actor
from conference.web.htmx import go, partial_response, wants_partial
from conference.web.loaders import item_of
from conference.web.unit import on_refusal, refusal_shown

#: A new issue comes up for review a quarter after the meeting that raised it, unless the
#: coordinator sets another day.
REVIEW_AFTER_DAYS = 91


def issue_form_for(conference: Conference, item: AgendaItem, data: Any = None) -> ConsoleIssueForm:
    form = ConsoleIssueForm(data, today=display.local_day(conference), prefix=f"issue-{item.id}")
    form.set_agencies(queries.marac_agencies(conference.marac_id))
    return form


def issues_context_for(
    conference: Conference, item: AgendaItem, form: ConsoleIssueForm | None = None
) -> dict[str, Any]:
    """The issues this meeting raised on the case, and the form to log another when it shows
    a problem (else its fold draws it when opened)."""
    return {
        "case_issues": issue_queries.raised_on_case(conference.id, item.case_id),
        "folds": folds_drawn(None, {"issue_form": form}),
        "issue_form": form,
    }


@bp.post("/conferences/<int:conference_id>/meeting/items/<int:item_id>/system-issues")
@login_required
def log_system_issue(conference_id: int, item_id: int) -> ResponseReturnValue:
    """Log a gap in the system found on this case; the steering group reviews it."""
    conference = load_driven(conference_id)
    item = item_of(conference, item_id)
    form = issue_form_for(conference, item, request.form)
    if not form.validate():
        return _answer(conference, item, form, status=422)
    on_refusal(
        refusal_shown(
            form, "description", lambda status: _answer(conference, item, form, status=status)
        )
    )
    agency_id = form.chosen_agency_id()
    issue_services.log_issue(
        conference.marac,
        category=IssueCategory(form.category.data),
        agency=db.session.get(Agency, agency_id) if agency_id else None,
        description=form.description.data or "",
        owner=form.owner.data or "",
        review_on=display.local_day(conference) + timedelta(days=REVIEW_AFTER_DAYS),
        cases=[item.case],
        conference_id=conference.id,
        actor=current_actor(),
        now=utcnow(),
    )
    flash(
        "The system issue is logged. The minutes list it; the steering group reviews it.", "success"
    )
    return _answer(conference, item, None, status=200)


def _answer(
    conference: Conference, item: AgendaItem, form: ConsoleIssueForm | None, *, status: int
) -> ResponseReturnValue:
    if not wants_partial():
        if status == 200:
            return go(url_for(".meeting", conference_id=conference.id, _anchor="system-issues"))
        return console_response(conference, status=status, shown=item, issue_form=form)
    return partial_response(
        "meetings/_system_issues.html",
        status=status,
        conference=conference,
        item=item,
        **issues_context_for(conference, item, form),
    )
