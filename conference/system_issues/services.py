"""Logging a system issue and working it: plain functions that flush, never commit.

An issue is read by the steering group, so its words must name nobody: a description or a note
holding the name of a person in one of its cases is refused beside the field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date, datetime

import sqlalchemy as sa

from conference import audit
from conference.accounts.models import Agency, Marac, User
from conference.errors import Conflict, ValidationFailed
from conference.extensions import db
from conference.referrals.models import Case, Child, Perpetrator, Referral
from conference.system_issues.choices import IssueCategory, IssueStatus
from conference.system_issues.lifecycle import ISSUE
from conference.system_issues.models import (
    DESCRIPTION_LIMIT,
    NOTE_LIMIT,
    OWNER_LIMIT,
    IssueCase,
    IssueChange,
    SystemIssue,
)

#: Shorter words of a name ("Jo", "Li") are too common to tell a name from a word.
NAME_WORD_MIN = 3


class IssueConflict(Conflict):
    """Someone changed the issue after this copy was read; ``current`` is what they saved."""

    def __init__(self, current: SystemIssue) -> None:
        super().__init__(
            "Someone else changed this issue while you were working on it. Both versions are "
            "shown: check theirs, then save yours again if it still applies."
        )
        self.current = current


def log_issue(
    marac: Marac,
    *,
    category: IssueCategory,
    agency: Agency | None,
    description: str,
    owner: str,
    review_on: date,
    cases: Collection[Case],
    conference_id: int | None,
    actor: User,
    now: datetime,
) -> SystemIssue:
    """Log an issue found on cases of marac (raised at a meeting when conference_id is given).

    Raises ValidationFailed by field: no case, a case of another MARAC, an agency not on the
    MARAC, empty or overlong words, or words that name a person in the cases.
    """
    description, owner = description.strip(), owner.strip()
    if not cases:
        raise ValidationFailed("Give the reference of at least one case it was found on", "cases")
    if any(case.marac_id != marac.id for case in cases):
        raise ValidationFailed("Choose cases from the list", "cases")
    if agency is not None and not any(m.id == marac.id for m in agency.maracs):
        raise ValidationFailed("Choose an agency from the list", "agency_id")
    if category is IssueCategory.AGENCY_PRACTICE and agency is None:
        raise ValidationFailed("Choose the agency whose practice it is about", "agency_id")
    names = people_named([case.id for case in cases])
    _check_words(description, "description", DESCRIPTION_LIMIT, names, required=True)
    _check_words(owner, "owner", OWNER_LIMIT, names)
    issue = SystemIssue(
        marac_id=marac.id,
        category=category,
        agency_id=agency.id if agency else None,
        description=description,
        owner=owner,
        review_on=review_on,
        conference_id=conference_id,
        raised_at=now,
        raised_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
    )
    db.session.add(issue)
    db.session.flush()
    for case in sorted(cases, key=lambda c: c.reference):
        db.session.add(IssueCase(issue_id=issue.id, case_id=case.id, case_reference=case.reference))
    db.session.add(
        IssueChange(
            issue_id=issue.id,
            to_status=IssueStatus.OPEN,
            owner=owner,
            review_on=review_on,
            by_id=actor.id,
            at=now,
        )
    )
    audit.record(
        actor,
        "system_issue.raised",
        issue,
        marac_id=marac.id,
        detail={"category": category.value, "cases": len(cases), "at_meeting": conference_id},
        now=now,
    )
    db.session.flush()
    return issue


def update_issue(
    issue: SystemIssue,
    *,
    status: IssueStatus,
    owner: str,
    review_on: date,
    note: str,
    version: int | None,
    actor: User,
    now: datetime,
) -> IssueChange:
    """Change the owner and review date, and record the outcome (resolved) or reopen it.

    A note is needed to change the status (it is the outcome, when resolving). Raises
    IssueConflict on a stale copy, ValidationFailed by field, InvalidTransition,
    PermissionDenied.
    """
    if version != issue.version:
        raise IssueConflict(issue)
    owner, note = owner.strip(), note.strip()
    names = people_named([c.case_id for c in issue.cases])
    _check_words(owner, "owner", OWNER_LIMIT, names)
    _check_words(note, "note", NOTE_LIMIT, names)
    previous = issue.status
    if status is not previous:
        ISSUE.transition(issue, status, actor=actor, now=now, note=note)
        if status is IssueStatus.RESOLVED:
            issue.outcome = note
    elif (owner, review_on) == (issue.owner, issue.review_on) and not note:
        raise ValidationFailed("Change the owner or the review date, or add a note", "note")
    issue.owner, issue.review_on = owner, review_on
    issue.updated_at, issue.updated_by_id = now, actor.id
    change = IssueChange(
        issue_id=issue.id,
        from_status=previous,
        to_status=status,
        owner=owner,
        review_on=review_on,
        note=note,
        by_id=actor.id,
        at=now,
    )
    db.session.add(change)
    audit.record(
        actor,
        "system_issue.updated",
        issue,
        marac_id=issue.marac_id,
        detail={"from": previous.value, "to": status.value},
        now=now,
    )
    db.session.flush()
    return change


def cases_by_reference(marac: Marac, text: str) -> list[Case]:
    """The MARAC's cases named in text (references separated by commas, spaces or lines).

    Raises ValidationFailed on "cases" naming the references that are not the MARAC's.
    """
    wanted = {word.upper() for word in re.split(r"[\s,;]+", text) if word}
    if not wanted:
        raise ValidationFailed("Give the reference of at least one case it was found on", "cases")
    found = list(
        db.session.scalars(
            sa.select(Case).where(Case.marac_id == marac.id, Case.reference.in_(wanted))
        )
    )
    unknown = wanted - {case.reference for case in found}
    if unknown:
        raise ValidationFailed(
            f"No case of {marac.name} has the reference {', '.join(sorted(unknown))}", "cases"
        )
    return found


def names_in(text: str, names: Iterable[str]) -> str | None:
    """The first word of names that text uses as a name, if any: written with its capital
    (or in capitals), so "rose" in "the risk rose" is not taken for the name Rose."""
    for name in names:
        for word in re.findall(r"[^\W\d_][\w'’-]*", name):
            if len(word) < NAME_WORD_MIN:
                continue
            forms = {word[0].upper() + word[1:], word.capitalize(), word.upper()}
            if any(re.search(rf"(?<!\w){re.escape(form)}(?!\w)", text) for form in forms):
                return word[0].upper() + word[1:]
    return None


def people_named(case_ids: Collection[int]) -> list[str]:
    """Every name given for the victims, perpetrators and children of these cases. Three
    queries."""
    if not case_ids:
        return []
    referrals = sa.select(Referral.id).where(Referral.case_id.in_(case_ids))
    names: list[str] = []
    for given, family, aliases in db.session.execute(
        sa.select(
            Referral.victim_given_name, Referral.victim_family_name, Referral.victim_aliases
        ).where(Referral.case_id.in_(case_ids))
    ):
        names += [given, family, *aliases.splitlines()]
    for given, family, aliases in db.session.execute(
        sa.select(Perpetrator.given_name, Perpetrator.family_name, Perpetrator.aliases).where(
            Perpetrator.referral_id.in_(referrals)
        )
    ):
        names += [given, family, *aliases.splitlines()]
    for given, family in db.session.execute(
        sa.select(Child.given_name, Child.family_name).where(Child.referral_id.in_(referrals))
    ):
        names += [given, family]
    return [n for n in names if n.strip()]


def _check_words(
    text: str, field: str, limit: int, names: Collection[str], *, required: bool = False
) -> None:
    if required and not text:
        raise ValidationFailed("Describe the issue", field)
    if len(text) > limit:
        raise ValidationFailed(f"Must be {limit} characters or fewer", field)
    named = names_in(text, names) if text else None
    if named:
        raise ValidationFailed(
            f"“{named}” is the name of someone in the case. The log is read by the steering "
            "group: describe the issue without naming anyone",
            field,
        )
