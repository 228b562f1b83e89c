"""Planning conferences from each MARAC's meeting rule, and the coordinator's changes to them.

Every function flushes and leaves the commit to the caller. The planner is idempotent: a rule
date is used once, so a conference that was moved or cancelled is never made again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.exc import StaleDataError

from conference import audit
from conference.accounts.models import Marac, Role, RoleGrant, User
from conference.conferences import display, rules
from conference.conferences.choices import ConferenceStatus, Frequency
from conference.conferences.lifecycle import CONFERENCE
from conference.conferences.models import (
    AgendaItem,
    Conference,
    MeetingRule,
    conference_invitations,
)
from conference.dates import CONFERENCE_AHEAD_YEARS, years_after
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.notifications import services as notifications
from conference.notifications.links import Link
from conference.referrals.services import today_in

#: Settings of a conference when its MARAC has no rule yet.
DEFAULTS = {
    "duration_minutes": 240,
    "capacity": 16,
    "minutes_per_case": 15,
    "cutoff_days": 8,
    "research_days": 7,
}


@dataclass
class RuleChange:
    """What saving a rule did to the conferences already planned."""

    updated: int = 0
    removed: int = 0
    #: Planned on a day the new rule drops, but with cases listed: left for the coordinator.
    kept: list[Conference] = field(default_factory=list)
    added: int = 0


def rule_for(marac_id: int) -> MeetingRule | None:
    # Its MARAC is nearly always in the session already: not joined again.
    return db.session.scalar(
        sa.select(MeetingRule)
        .where(MeetingRule.marac_id == marac_id)
        .options(lazyload(MeetingRule.marac))
    )


def rule_interval(marac_id: int) -> tuple[Frequency | None, int | None]:
    """How often the MARAC meets (its rule's frequency and weeks apart), without the rest of
    the rule: the console asks on every move, for the usual due date of a new action."""
    found = db.session.execute(
        sa.select(MeetingRule.frequency, MeetingRule.interval_weeks).where(
            MeetingRule.marac_id == marac_id
        )
    ).first()
    return (found.frequency, found.interval_weeks) if found else (None, None)


def check_rule(values: dict[str, Any]) -> None:
    """Rules the form cannot see alone. Raises ValidationFailed naming the field."""
    if values["frequency"] is Frequency.EVERY_N_WEEKS:
        first = values.get("first_date")
        if first is None:
            raise ValidationFailed("Enter the date of the first meeting", "first_date")
        if first.weekday() != values["weekday"]:
            raise ValidationFailed(
                f"The first meeting must fall on a {rules.WEEKDAYS[values['weekday']]}",
                "first_date",
            )
    if values["cutoff_days"] < values["research_days"]:
        raise ValidationFailed(
            "The referral cut-off must be on or before the day the agenda is published",
            "cutoff_days",
        )


class RuleConflict(Conflict):
    """Someone saved the MARAC's meeting rule after the user's copy was read."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else saved the meeting rule while you were editing it. Both versions are "
            "shown: check theirs, then save yours again if it still applies."
        )


def save_rule(
    marac: Marac, *, actor: User | None, now: datetime, version: int | None, **values: Any
) -> RuleChange:
    """Create or change the MARAC's rule, re-plan the untouched conferences, fill the horizon.

    ``version`` is the rule's version the user's copy was read at (None before any rule).
    Flushes; the caller commits. Raises RuleConflict and ValidationFailed.
    """
    rule = rule_for(marac.id)
    if (rule.version if rule else None) != version:
        raise RuleConflict()
    check_rule(values)
    if values["frequency"] is Frequency.MONTHLY:
        values.update(interval_weeks=None, first_date=None)
    else:
        values["week_of_month"] = None
    first = rule is None
    if rule is None:
        rule = MeetingRule(marac=marac)
        db.session.add(rule)
    changed = [name for name, value in values.items() if getattr(rule, name) != value]
    for name, value in values.items():
        setattr(rule, name, value)
    try:
        db.session.flush()
    except StaleDataError as stale:  # saved by someone else at the same moment
        raise RuleConflict() from stale
    except sa.exc.IntegrityError as twice:
        if first:  # the MARAC's first rule, made by someone else at the same moment
            raise RuleConflict() from twice
        raise
    audit.record(actor, "meeting_rule.saved", marac, now=now, detail={"changed": changed})
    change = _replan(marac, rule, now)
    change.added = plan_marac(marac, rule, now)
    return change


def _replan(marac: Marac, rule: MeetingRule, now: datetime) -> RuleChange:
    """Bring the planned, untouched, unpublished conferences into line with the rule."""
    change = RuleChange()
    today = today_in(marac, now)
    wanted = set(rules.meeting_days(rules.rhythm_of(rule), today, _horizon(today)))
    has_items = sa.exists().where(AgendaItem.conference_id == Conference.id)
    planned = db.session.execute(
        sa.select(Conference, has_items).where(
            Conference.marac_id == marac.id,
            Conference.status == ConferenceStatus.SCHEDULED,
            Conference.rule_date.is_not(None),
            Conference.adjusted_at.is_(None),
            Conference.starts_at > now,
        )
    ).all()
    for conference, listed in planned:
        assert conference.rule_date is not None
        if conference.rule_date in wanted:
            if _apply_settings(conference, rule, conference.rule_date):
                change.updated += 1
        elif listed:
            change.kept.append(conference)
        else:
            db.session.delete(conference)
            change.removed += 1
    db.session.flush()
    return change


def _apply_settings(conference: Conference, rule: MeetingRule, day: date) -> bool:
    values = _settings(rule, day, conference.marac.timezone)
    changed = [name for name, value in values.items() if getattr(conference, name) != value]
    for name in changed:
        setattr(conference, name, values[name])
    if changed:
        conference.sequence += 1
    return bool(changed)


def _settings(rule: MeetingRule, day: date, timezone: str) -> dict[str, Any]:
    return {
        "starts_at": rules.starts_at(day, rule.start_time, timezone),
        "duration_minutes": rule.duration_minutes,
        "place": rule.place,
        "video_link": rule.video_link,
        "capacity": rule.capacity,
        "minutes_per_case": rule.minutes_per_case,
        "cutoff_on": day - timedelta(days=rule.cutoff_days),
        "publish_on": day - timedelta(days=rule.research_days),
        "chair_id": rule.chair_id,
    }


def _horizon(today: date) -> date:
    return rules.add_months(today, rules.HORIZON_MONTHS)


def plan_marac(marac: Marac, rule: MeetingRule, now: datetime) -> int:
    """Plan every rule day of the next six months that has never had a conference."""
    today = today_in(marac, now)
    days = rules.meeting_days(rules.rhythm_of(rule), today, _horizon(today))
    used = set(
        db.session.scalars(
            sa.select(Conference.rule_date).where(
                Conference.marac_id == marac.id, Conference.rule_date.in_(days)
            )
        )
    )
    added = 0
    for day in days:
        values = _settings(rule, day, marac.timezone)
        if day in used or values["starts_at"] <= now:
            continue
        db.session.add(Conference(marac=marac, rule_date=day, **values))
        added += 1
    db.session.flush()
    return added


def plan_conferences(now: datetime) -> dict[str, int]:
    """The daily job: keep six months of conferences planned for every MARAC with a rule."""
    added = maracs = 0
    query = sa.select(MeetingRule).join(MeetingRule.marac).where(Marac.is_active.is_(True))
    for rule in db.session.scalars(query):
        added += plan_marac(rule.marac, rule, now)
        maracs += 1
    return {"maracs": maracs, "conferences_added": added}


def add_extra(
    marac: Marac,
    *,
    actor: User | None,
    now: datetime,
    day: date,
    start_time: time,
    **values: Any,
) -> Conference:
    """An extra conference outside the rule (for example to clear a full agenda)."""
    rule = rule_for(marac.id)
    cutoff_days = rule.cutoff_days if rule else DEFAULTS["cutoff_days"]
    research_days = rule.research_days if rule else DEFAULTS["research_days"]
    starts = rules.starts_at(day, start_time, marac.timezone)
    _check_future(starts, now)
    # A near day cannot have its cut-off or publication in the past: they fall on the day it
    # is added, so cases accepted until then are listed and the agenda goes out at once.
    today = today_in(marac, now)
    conference = Conference(
        marac=marac,
        is_extra=True,
        starts_at=starts,
        cutoff_on=max(day - timedelta(days=cutoff_days), today),
        publish_on=max(day - timedelta(days=research_days), today),
        **values,
    )
    db.session.add(conference)
    db.session.flush()
    audit.record(actor, "conference.added", conference, marac_id=marac.id, now=now)
    return conference


class ConferenceConflict(Conflict):
    """Someone changed the conference after the coordinator's copy was read."""

    def __init__(self) -> None:
        super().__init__(
            "Someone else changed this conference while you were editing it. Both versions are "
            "shown: check theirs, then save yours again if it still applies."
        )


def change_conference(
    conference: Conference,
    *,
    actor: User | None,
    now: datetime,
    version: int | None,
    day: date,
    start_time: time,
    **values: Any,
) -> list[str]:
    """Move a conference, or change its place, length, capacity or chair.

    The rule leaves it alone from then on. Keeps the gaps to its cut-off and publication.
    ``version`` is the conference's version the user's copy was read at. Flushes; the caller
    commits. Raises ConferenceConflict, InvalidTransition, ValidationFailed.
    """
    if not conference.is_upcoming:
        raise InvalidTransition(f"This conference is {conference.status.label.lower()}")
    if version != conference.version:
        raise ConferenceConflict()
    starts = rules.starts_at(day, start_time, conference.marac.timezone)
    old_day = display.local_day(conference)
    if starts != conference.starts_at:
        _check_future(starts, now)
        shift = day - old_day
        values.update(starts_at=starts)
        if not conference.is_published:
            # Moved nearer, its cut-off and publication stay no earlier than today.
            today = today_in(conference.marac, now)
            values.update(
                cutoff_on=max(conference.cutoff_on + shift, min(today, conference.cutoff_on)),
                publish_on=max(conference.publish_on + shift, min(today, conference.publish_on)),
            )
    changed = [name for name, value in values.items() if getattr(conference, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(conference, name, values[name])
    conference.adjusted_at = now
    conference.sequence += 1
    try:
        db.session.flush()
    except StaleDataError as stale:
        raise ConferenceConflict() from stale
    audit.record(
        actor,
        "conference.changed",
        conference,
        marac_id=conference.marac_id,
        now=now,
        detail={"changed": changed},
    )
    if conference.is_published and {"starts_at", "place", "video_link"} & set(changed):
        tell_invited(conference, "conference.changed", key=f"{conference.sequence}", now=now)
    return changed


def cancel(conference: Conference, *, actor: User | None, reason: str, now: datetime) -> None:
    """Cancel a conference with a reason. Its cases are the caller's to list elsewhere first:
    agenda.cancel_and_relist does both. Raises InvalidTransition once the meeting has started."""
    CONFERENCE.check(conference, ConferenceStatus.CANCELLED, actor=actor, now=now)
    if not reason.strip():
        raise ValidationFailed("Enter why the conference is cancelled", "reason")
    was_published = conference.is_published
    CONFERENCE.transition(conference, ConferenceStatus.CANCELLED, actor=actor, now=now)
    conference.cancelled_at = now
    conference.cancel_reason = reason.strip()
    conference.sequence += 1
    db.session.flush()
    audit.record(actor, "conference.cancelled", conference, marac_id=conference.marac_id, now=now)
    if was_published:
        tell_invited(conference, "conference.cancelled", key="cancelled", now=now)


def _check_future(starts: datetime, now: datetime) -> None:
    """A conference is planned in the future, and no further ahead than the planner looks."""
    if starts <= now:
        raise ValidationFailed("The conference must start in the future", "day")
    if starts.date() > years_after(now.date(), CONFERENCE_AHEAD_YEARS):
        raise ValidationFailed(
            f"The conference must be within {CONFERENCE_AHEAD_YEARS} years from today", "day"
        )


def rep_ids_by_agency(conference: Conference) -> dict[int, list[int]]:
    """Agency id -> the active representatives in the MARAC of each invited agency."""
    invited = sa.select(conference_invitations.c.agency_id).where(
        conference_invitations.c.conference_id == conference.id
    )
    rows = db.session.execute(
        sa.select(User.agency_id, User.id)
        .join(RoleGrant, RoleGrant.user_id == User.id)
        .where(
            RoleGrant.marac_id == conference.marac_id,
            RoleGrant.role == Role.AGENCY_REP,
            User.agency_id.in_(invited),
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    )
    reps: dict[int, list[int]] = {}
    for agency_id, user_id in rows:
        reps.setdefault(agency_id, []).append(user_id)
    return reps


def tell_invited(conference: Conference, kind: str, *, key: str, now: datetime) -> None:
    """Notify the invited agencies' representatives and the chair. Says only which meeting."""
    recipients = {rep for reps in rep_ids_by_agency(conference).values() for rep in reps}
    if conference.chair_id is not None:
        recipients.add(conference.chair_id)
    notifications.notify(
        recipients,
        kind,
        key=f"{kind}:{conference.id}:{key}",
        reference=display.reference(conference),
        link=Link("conferences.agenda_page", {"conference_id": conference.id}),
        now=now,
    )
