"""The seven status machines: every (from, to) pair of each status, walked with every kind of
actor, against the tables written out again here; each guard refusing; the docs page matching
the tables; and no status changed except through a machine."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from conference import lifecycles
from conference.accounts.models import Role, RoleGrant
from conference.actions.choices import ActionStatus, Priority
from conference.actions.lifecycle import ACTION
from conference.actions.models import Action
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.lifecycle import (
    AT_ITS_TIME,
    ATTENDANCE_DONE,
    CONFERENCE,
    EVERY_CASE_SETTLED,
    HAS_AGENDA,
    ON_ITS_DAY,
    STARTS_AHEAD,
)
from conference.conferences.models import AgendaItem
from conference.db import utcnow
from conference.errors import InvalidTransition, PermissionDenied
from conference.escalation.choices import EntryStatus
from conference.escalation.lifecycle import ENTRY, NOTE_GIVEN
from conference.escalation.models import EscalationEntry
from conference.extensions import db
from conference.meetings.lifecycle import ITEM, MEETING_IN_PROGRESS, NOT_STANDING, RECORD_COMPLETE
from conference.meetings.models import Attendee, Discussion
from conference.referrals.choices import CaseStatus, ReferralStatus
from conference.referrals.lifecycle import (
    A_FULL_REFERRAL,
    CASE,
    NOT_ON_AN_AGENDA_AHEAD,
    REFERRAL,
)
from conference.states import Actor
from conference.system_issues.choices import IssueCategory
from conference.system_issues.choices import IssueStatus as S
from conference.system_issues.lifecycle import ISSUE
from conference.system_issues.lifecycle import NOTE_GIVEN as ISSUE_NOTE_GIVEN
from conference.system_issues.models import SystemIssue
from conference.transfers.choices import TransferStatus
from conference.transfers.lifecycle import STILL_IN_SENDING_MARAC, TRANSFER
from conference.transfers.models import CaseTransfer
from tests import factories

ROOT = Path(__file__).resolve().parent.parent
COORDINATOR, CHAIR, REFERRER = Actor.COORDINATOR, Actor.CHAIR, Actor.REFERRER
OWNER, SYSTEM, SENDER = Actor.OWNER_AGENCY, Actor.SYSTEM, Actor.SENDER
#: A user who is none of the kinds a machine knows (an agency representative, say).
NOBODY = "nobody"


def _spec(rows):
    """(sources, target, who) rows -> {(from, to): who}, the table as this test expects it."""
    expected = {}
    for sources, target, who in rows:
        for source in sources:
            expected.setdefault((source, target), set()).update(who)
    return expected


R = ReferralStatus
REFERRAL_SPEC = _spec(
    [
        ([R.DRAFT, R.MORE_INFO_REQUESTED], R.SUBMITTED, {REFERRER}),
        ([R.DRAFT, R.SUBMITTED, R.MORE_INFO_REQUESTED], R.WITHDRAWN, {REFERRER}),
        ([R.SUBMITTED], R.ACCEPTED, {COORDINATOR}),
        ([R.SUBMITTED], R.DECLINED, {COORDINATOR}),
        ([R.SUBMITTED], R.MORE_INFO_REQUESTED, {COORDINATOR}),
    ]
)
C = CaseStatus
NOT_CLOSED = [C.OPEN, C.LISTED, C.PLAN_COMPLETE, C.ACTIONS_OPEN]
CASE_SPEC = _spec(
    [
        ([C.CLOSED], C.OPEN, {COORDINATOR}),
        ([C.LISTED, C.PLAN_COMPLETE, C.ACTIONS_OPEN], C.OPEN, {COORDINATOR, CHAIR}),
        (NOT_CLOSED, C.LISTED, {COORDINATOR, CHAIR, SYSTEM}),
        (NOT_CLOSED, C.PLAN_COMPLETE, {COORDINATOR, CHAIR, SYSTEM}),
        (NOT_CLOSED, C.ACTIONS_OPEN, {COORDINATOR, CHAIR, SYSTEM}),
        (NOT_CLOSED, C.CLOSED, {COORDINATOR}),
    ]
)
K = ConferenceStatus
CONFERENCE_SPEC = _spec(
    [
        ([K.SCHEDULED], K.AGENDA_PUBLISHED, {COORDINATOR, SYSTEM}),
        ([K.SCHEDULED, K.AGENDA_PUBLISHED], K.CANCELLED, {COORDINATOR, SYSTEM}),
        ([K.AGENDA_PUBLISHED], K.IN_PROGRESS, {COORDINATOR, CHAIR}),
        ([K.IN_PROGRESS], K.CONCLUDED, {COORDINATOR, CHAIR}),
        ([K.CONCLUDED], K.MINUTES_FINAL, {COORDINATOR, CHAIR}),
    ]
)
I = ItemStatus  # noqa: E741
ITEM_SPEC = _spec(
    [
        ([I.LISTED], I.IN_DISCUSSION, {COORDINATOR, CHAIR}),
        ([I.IN_DISCUSSION], I.LISTED, {COORDINATOR, CHAIR}),
        ([I.IN_DISCUSSION], I.DISCUSSED, {COORDINATOR, CHAIR}),
        ([I.LISTED, I.IN_DISCUSSION, I.DEFERRED], I.DEFERRED, {COORDINATOR, CHAIR}),
        ([I.DISCUSSED, I.DEFERRED], I.IN_DISCUSSION, {COORDINATOR, CHAIR}),
    ]
)
A = ActionStatus
STILL_OPEN = [A.OPEN, A.IN_PROGRESS]
CLOSED = [A.DONE, A.NOT_DONE_CIRCUMSTANCES, A.NOT_DONE_AGENCY]
ACTION_SPEC = _spec(
    [
        (STILL_OPEN, A.IN_PROGRESS, {OWNER}),
        *((STILL_OPEN, closed, {OWNER}) for closed in CLOSED),
        ([A.OPEN], A.OPEN, {COORDINATOR, CHAIR}),
        ([A.IN_PROGRESS], A.IN_PROGRESS, {COORDINATOR, CHAIR}),
        (CLOSED, A.OPEN, {COORDINATOR, CHAIR}),
        *((STILL_OPEN + CLOSED, closed, {COORDINATOR, CHAIR}) for closed in CLOSED),
        (STILL_OPEN, A.CARRIED_FORWARD, {COORDINATOR, CHAIR}),
    ]
)
T = TransferStatus
TRANSFER_SPEC = _spec(
    [
        ([T.REQUESTED], T.ACCEPTED, {COORDINATOR}),
        ([T.REQUESTED], T.DECLINED, {COORDINATOR}),
        ([T.REQUESTED], T.WITHDRAWN, {SENDER}),
    ]
)

E = EntryStatus
ENTRY_SPEC = _spec(
    [
        ([E.OPEN], E.RAISED, {COORDINATOR}),
        ([E.OPEN, E.RAISED], E.RESOLVED, {COORDINATOR}),
        ([E.OPEN, E.RAISED], E.CLOSED, {COORDINATOR}),
        ([E.RESOLVED, E.CLOSED], E.OPEN, {COORDINATOR}),
    ]
)


ISSUE_SPEC = _spec(
    [
        ([S.OPEN], S.RESOLVED, {COORDINATOR, Actor.STEERING}),
        ([S.RESOLVED], S.OPEN, {COORDINATOR, Actor.STEERING}),
    ]
)


def _attempt(machine, obj, source, target, actor, now, facts):
    obj.status = source
    try:
        machine.transition(obj, target, actor=actor, now=now, **facts)
    except (InvalidTransition, PermissionDenied) as refused:
        return type(refused)
    assert obj.status is target
    return True


def _walk(machine, obj, spec, *, anyone, actors, now_for, facts=None):
    """Try every (from, to) with ``anyone`` (who holds every kind a move needs, when there is
    such a user) and with each single kind of actor. Returns how many (from, to) it walked."""
    assert machine.pairs() == set(spec), "the table differs from the one written here"
    problems = []
    pairs = [(s, t) for s in machine.states for t in machine.states]
    for source, target in pairs:
        who = spec.get((source, target), set())
        now = now_for(target)
        if anyone is not None:
            outcome = _attempt(machine, obj, source, target, anyone, now, facts or {})
            if outcome is not (True if who else InvalidTransition):
                problems.append(f"{source} -> {target}: {outcome} for one allowed every move")
        into = {kind for (_, to), kinds in spec.items() if to is target for kind in kinds}
        for kind, actor in actors.items():
            outcome = _attempt(machine, obj, source, target, actor, now, facts or {})
            if kind in who:
                wanted = True
            elif kind in into or not into:
                wanted = InvalidTransition  # may move into it, but not from here (or no one may)
            else:
                wanted = PermissionDenied  # may never move into it
            if outcome is not wanted:
                problems.append(f"{source} -> {target} by {kind}: {outcome}, not {wanted}")
    assert not problems, "\n".join(problems)
    return len(pairs)


def _also(user, role, marac):
    user.role_grants.append(RoleGrant(role=role, marac=marac))
    db.session.commit()
    return user


def test_every_referral_transition(app):
    marac = factories.make_marac()
    # A coordinator who refers is both the referrer and a coordinator of the referral.
    both = factories.make_referral(
        factories.make_user(Role.COORDINATOR, marac=marac), marac=marac, status="submitted"
    )
    walked = _walk(
        REFERRAL,
        both,
        REFERRAL_SPEC,
        anyone=both.referrer,
        actors={
            COORDINATOR: factories.make_user(Role.COORDINATOR, marac=marac),
            SYSTEM: None,
            NOBODY: factories.make_user(Role.CHAIR, marac=marac),
        },
        now_for=lambda _: utcnow(),
    )
    advocates = factories.make_referral(marac=marac, status="submitted")
    _walk(
        REFERRAL,
        advocates,
        REFERRAL_SPEC,
        anyone=None,
        actors={REFERRER: advocates.referrer},
        now_for=lambda _: utcnow(),
    )
    assert walked == 36


def _people(marac, extra=None):
    """One actor of each kind a role makes (a coordinator, a chair), no user (a job), and an
    agency representative who is none of them; ``extra`` adds kinds by relation."""
    return {
        COORDINATOR: factories.make_user(Role.COORDINATOR, marac=marac),
        CHAIR: factories.make_user(Role.CHAIR, marac=marac),
        SYSTEM: None,
        NOBODY: factories.make_user(Role.AGENCY_REP, marac=marac),
        **(extra or {}),
    }


def test_every_case_transition(app):
    marac = factories.make_marac()
    case = factories.accepted_case(marac)  # on no agenda, so it may close
    anyone = _also(factories.make_user(Role.COORDINATOR, marac=marac), Role.CHAIR, marac)
    walked = _walk(
        CASE, case, CASE_SPEC, anyone=anyone, actors=_people(marac), now_for=lambda _: utcnow()
    )
    assert walked == 25


def _conference(marac, chair, **values):
    """A conference ten days on at 10am, chaired by chair, with values set as given."""
    conference = factories.make_conference(marac, utcnow().date() + timedelta(days=10))
    conference.chair_id = chair.id
    conference.cancel_reason = "Venue closed"  # the database wants one whenever it is cancelled
    for name, value in values.items():
        setattr(conference, name, value)
    db.session.commit()
    return conference


def _item(conference, *, section=Section.ADULTS, **values):
    case = factories.accepted_case(conference.marac)
    item = AgendaItem(
        conference=conference,
        case=case,
        section=section,
        position=1,
        defer_reason="Police enquiries continue",  # the database wants one once it is deferred
        **values,
    )
    db.session.add(item)
    db.session.commit()
    return item


def _present(conference, user, *, accepted=True):
    db.session.add(
        Attendee(
            conference_id=conference.id,
            agency_id=user.agency_id,
            name=user.name,
            added_by_id=user.id,
            accepted_confidentiality_at=utcnow() if accepted else None,
        )
    )
    db.session.commit()


def _around(conference):
    """An hour before the start for publishing (which needs it ahead), an hour after it for
    everything else (the meeting's day)."""
    before = conference.starts_at - timedelta(hours=1)
    after = conference.starts_at + timedelta(hours=1)
    return lambda target: before if target is K.AGENDA_PUBLISHED else after


def test_every_conference_transition(app):
    marac = factories.make_marac()
    people = _people(marac)
    conference = _conference(marac, people[CHAIR])
    # Every guard holds: something on the agenda, all of it settled, someone present who
    # accepted the statement (and no agency invited, so none is unrecorded).
    _item(conference, status=ItemStatus.DISCUSSED)
    _present(conference, people[COORDINATOR])
    walked = _walk(
        CONFERENCE,
        conference,
        CONFERENCE_SPEC,
        anyone=people[COORDINATOR],
        actors=people,
        now_for=_around(conference),
    )
    assert walked == 36


def test_every_agenda_item_transition(app):
    marac = factories.make_marac()
    people = _people(marac)
    conference = _conference(marac, people[CHAIR], status=K.IN_PROGRESS)
    item = _item(conference)
    db.session.add(
        Discussion(
            agenda_item_id=item.id,
            risk_to_victim="Threats to kill made last week.",
            no_action_reason="The plan in place already covers it.",
        )
    )
    db.session.commit()
    walked = _walk(
        ITEM,
        item,
        ITEM_SPEC,
        anyone=people[COORDINATOR],
        actors=people,
        now_for=_around(conference),
    )
    assert walked == 16


def test_every_action_transition(app):
    marac = factories.make_marac()
    police = factories.make_agency(maracs=[marac])
    people = _people(marac, {OWNER: factories.make_user(Role.AGENCY_REP, agency=police)})
    chair = factories.make_user(Role.CHAIR, marac=marac)
    item = _item(_conference(marac, chair, status=K.MINUTES_FINAL), status=ItemStatus.DISCUSSED)
    action = Action(
        case_id=item.case_id,
        agenda_item_id=item.id,
        description="Flag the address for an urgent response",
        owner_agency_id=police.id,
        due_on=utcnow().date() + timedelta(days=7),
        priority=Priority.HIGH,
        agreed_by_id=chair.id,
    )
    db.session.add(action)
    db.session.commit()
    # Someone of the owner agency who also coordinates: every move is open to them.
    anyone = _also(factories.make_user(Role.AGENCY_REP, agency=police), Role.COORDINATOR, marac)
    walked = _walk(
        ACTION, action, ACTION_SPEC, anyone=anyone, actors=people, now_for=lambda _: utcnow()
    )
    assert walked == 36


def _transfer():
    sending, receiving = factories.make_marac(), factories.make_marac()
    case = factories.accepted_case(sending)
    transfer = CaseTransfer(
        case=case,
        from_marac_id=sending.id,
        to_marac_id=receiving.id,
        from_reference=case.reference,
        reason="Moved to the receiving area",
        requested_by_id=factories.coordinator_of(sending).id,
    )
    db.session.add(transfer)
    db.session.commit()
    return transfer, sending, receiving


def test_every_transfer_transition(app):
    transfer, sending, receiving = _transfer()
    # A coordinator of both MARACs may make every move.
    anyone = _also(
        factories.make_user(Role.COORDINATOR, marac=sending), Role.COORDINATOR, receiving
    )
    walked = _walk(
        TRANSFER,
        transfer,
        TRANSFER_SPEC,
        anyone=anyone,
        actors={
            COORDINATOR: factories.make_user(Role.COORDINATOR, marac=receiving),
            SENDER: factories.make_user(Role.COORDINATOR, marac=sending),
            SYSTEM: None,
            NOBODY: factories.make_user(Role.CHAIR, marac=receiving),
        },
        now_for=lambda _: utcnow(),
    )
    assert walked == 16


def test_a_transfer_of_a_case_that_left_already_cannot_be_accepted(app):
    transfer, _, receiving = _transfer()
    coordinator = factories.make_user(Role.COORDINATOR, marac=receiving)
    assert TRANSFER.can(transfer, T.ACCEPTED, actor=coordinator, now=utcnow())
    transfer.case.marac_id = factories.make_marac().id
    _refused(TRANSFER, transfer, T.ACCEPTED, "no longer with", actor=coordinator, now=utcnow())


def _entry():
    marac = factories.make_marac()
    entry = EscalationEntry(
        marac_id=marac.id,
        agency_id=factories.make_agency(maracs=[marac]).id,
        opened_on=utcnow().date(),
    )
    db.session.add(entry)
    db.session.commit()
    return entry, marac


def test_every_escalation_entry_transition(app):
    entry, marac = _entry()
    walked = _walk(
        ENTRY,
        entry,
        ENTRY_SPEC,
        anyone=factories.make_user(Role.COORDINATOR, marac=marac),
        actors={
            COORDINATOR: factories.make_user(Role.COORDINATOR, marac=marac),
            SYSTEM: None,
            NOBODY: factories.make_user(Role.CHAIR, marac=marac),
            # A coordinator of another MARAC is nobody for this entry.
            "elsewhere": factories.make_user(Role.COORDINATOR, marac=factories.make_marac()),
        },
        now_for=lambda _: utcnow(),
        facts={"note": "Raised with the head of service"},
    )
    assert walked == 16


def test_an_entry_moves_only_with_a_note(app):
    entry, marac = _entry()
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    for note in ("", "   ", None):
        _refused(ENTRY, entry, E.RAISED, "note", actor=coordinator, now=utcnow(), note=note)
    assert ENTRY.can(entry, E.RAISED, actor=coordinator, now=utcnow(), note="Emailed them")


def _issue():
    marac = factories.make_marac()
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    issue = SystemIssue(
        marac_id=marac.id,
        category=IssueCategory.RESOURCES,
        description="Too few refuge places for women with older sons",
        review_on=utcnow().date(),
        raised_by_id=coordinator.id,
        updated_by_id=coordinator.id,
    )
    db.session.add(issue)
    db.session.commit()
    return issue, marac


def test_every_system_issue_transition(app):
    issue, marac = _issue()
    walked = _walk(
        ISSUE,
        issue,
        ISSUE_SPEC,
        anyone=_also(factories.make_user(Role.COORDINATOR, marac=marac), Role.STEERING, marac),
        actors={
            COORDINATOR: factories.make_user(Role.COORDINATOR, marac=marac),
            Actor.STEERING: factories.make_user(Role.STEERING, marac=marac),
            SYSTEM: None,
            # The chair logs issues at her meetings but does not settle them.
            NOBODY: factories.make_user(Role.CHAIR, marac=marac),
            "elsewhere": factories.make_user(Role.STEERING, marac=factories.make_marac()),
        },
        now_for=lambda _: utcnow(),
        facts={"note": "Housing agreed a quota of places"},
    )
    assert walked == 4


def test_an_issue_is_resolved_or_reopened_only_with_a_note(app):
    issue, marac = _issue()
    steering = factories.make_user(Role.STEERING, marac=marac)
    for note in ("", "   ", None):
        _refused(ISSUE, issue, S.RESOLVED, "came of it", actor=steering, now=utcnow(), note=note)
    assert ISSUE.can(issue, S.RESOLVED, actor=steering, now=utcnow(), note="Quota agreed")


# Guards ----------------------------------------------------------------------------------------


def _refused(machine, obj, target, match, **kwargs):
    with pytest.raises(InvalidTransition, match=match):
        machine.check(obj, target, **kwargs)


def test_a_case_on_an_agenda_still_to_be_held_cannot_close(app):
    marac = factories.make_marac()
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    conference = _conference(marac, coordinator)
    case = _item(conference).case
    case.status = CaseStatus.LISTED
    _refused(CASE, case, C.CLOSED, "is on the agenda for", actor=coordinator, now=utcnow())
    conference.status = K.IN_PROGRESS  # nor while that meeting is under way
    _refused(CASE, case, C.CLOSED, "is on the agenda for", actor=coordinator, now=utcnow())
    conference.status = K.CONCLUDED
    assert CASE.can(case, C.CLOSED, actor=coordinator, now=utcnow())


def test_a_repeat_incident_notice_is_never_sent_back_for_more(app):
    marac = factories.make_marac()
    coordinator = factories.make_user(Role.COORDINATOR, marac=marac)
    referral = factories.make_referral(marac=marac, status="submitted")
    assert REFERRAL.can(referral, ReferralStatus.MORE_INFO_REQUESTED, actor=coordinator)
    referral.about_case_id = factories.accepted_case(marac).id
    _refused(
        REFERRAL,
        referral,
        ReferralStatus.MORE_INFO_REQUESTED,
        "is a repeat-incident notice",
        actor=coordinator,
        now=utcnow(),
    )
    assert REFERRAL.can(referral, ReferralStatus.ACCEPTED, actor=coordinator)


def test_each_conference_guard_refuses(app):
    marac = factories.make_marac()
    people = _people(marac)
    conference = _conference(marac, people[CHAIR])
    coordinator, at = people[COORDINATOR], _around(conference)
    publish, start = at(K.AGENDA_PUBLISHED), at(K.IN_PROGRESS)
    _refused(CONFERENCE, conference, K.AGENDA_PUBLISHED, "nothing on this agenda", now=publish)
    item = _item(conference)
    _refused(CONFERENCE, conference, K.AGENDA_PUBLISHED, "already started", now=start)
    assert CONFERENCE.can(conference, K.AGENDA_PUBLISHED, actor=coordinator, now=publish)

    conference.status = K.AGENDA_PUBLISHED
    _refused(CONFERENCE, conference, K.IN_PROGRESS, "on its day", now=publish - timedelta(days=1))
    # On its day but before its planned time: only when the chair says it starts early.
    early = conference.starts_at - timedelta(minutes=10)
    _refused(CONFERENCE, conference, K.IN_PROGRESS, "say it starts early", now=early)
    CONFERENCE.check(conference, K.IN_PROGRESS, now=early, skip=[ATTENDANCE_DONE], early=True)
    _refused(CONFERENCE, conference, K.IN_PROGRESS, "List the people present", now=start)
    _present(conference, coordinator, accepted=False)
    _refused(CONFERENCE, conference, K.IN_PROGRESS, "confidentiality statement", now=start)
    # Opening the attendance asks the same question, less the attendance itself.
    CONFERENCE.check(conference, K.IN_PROGRESS, now=start, skip=[ATTENDANCE_DONE])

    conference.status = K.IN_PROGRESS
    _refused(CONFERENCE, conference, K.CONCLUDED, f"Still open: {item.case.reference}", now=start)
    item.status = ItemStatus.DEFERRED
    assert CONFERENCE.can(conference, K.CONCLUDED, actor=people[CHAIR], now=start)


def test_each_agenda_item_guard_refuses(app):
    marac = factories.make_marac()
    people = _people(marac)
    conference = _conference(marac, people[CHAIR], status=K.AGENDA_PUBLISHED)
    item = _item(conference)
    _refused(ITEM, item, I.IN_DISCUSSION, "has not started", now=utcnow())
    conference.status = K.IN_PROGRESS
    item.status = ItemStatus.IN_DISCUSSION
    _refused(ITEM, item, I.DISCUSSED, "at least one risk", now=utcnow())
    standing = _item(conference, section=Section.TWELVE_MONTHS, status=ItemStatus.IN_DISCUSSION)
    _refused(ITEM, standing, I.DEFERRED, "standing item is not deferred", now=utcnow())
    _refused(ITEM, standing, I.DISCUSSED, "the meeting's decision on this item", now=utcnow())
    conference.status = K.CONCLUDED
    _refused(ITEM, item, I.DEFERRED, "through the minutes", now=utcnow())


def test_every_guard_of_every_table_is_tried_here():
    tried = {
        A_FULL_REFERRAL,
        NOT_ON_AN_AGENDA_AHEAD,
        STARTS_AHEAD,
        HAS_AGENDA,
        ON_ITS_DAY,
        AT_ITS_TIME,
        ATTENDANCE_DONE,
        EVERY_CASE_SETTLED,
        MEETING_IN_PROGRESS,
        RECORD_COMPLETE,
        NOT_STANDING,
        STILL_IN_SENDING_MARAC,
        NOTE_GIVEN,
        ISSUE_NOTE_GIVEN,
    }
    guards = {g for _, machine in lifecycles.MACHINES for row in machine.moves for g in row.guards}
    assert guards == tried


def test_a_move_named_by_the_service_must_be_that_move(app):
    marac = factories.make_marac()
    people = _people(marac)
    item = _item(_conference(marac, people[CHAIR], status=K.IN_PROGRESS))
    # Listed -> in discussion is "open the case"; reopening a case still listed is refused.
    _refused(ITEM, item, I.IN_DISCUSSION, "still open", now=utcnow(), via="reopen the case")
    assert ITEM.can(item, I.IN_DISCUSSION, now=utcnow(), via="open the case")


# The page and the code -------------------------------------------------------------------------


def test_the_docs_page_shows_the_tables_as_they_are():
    assert lifecycles.PAGE.read_text() == lifecycles.page(), (
        "docs/lifecycles.md differs from the tables: run `python -m conference.lifecycles`"
    )


def test_the_readme_links_the_page():
    assert "(docs/lifecycles.md)" in (ROOT / "README.md").read_text()


def _status_writes(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", None) == "setattr"
            and len(node.args) > 1
            and getattr(node.args[1], "value", None) == "status"
        ):
            lines.append(node.lineno)
        lines += [t.lineno for t in targets if isinstance(t, ast.Attribute) and t.attr == "status"]
    return lines


def test_only_the_machines_change_a_status():
    """Services move through a table; only the demo's set-up writes a status itself."""
    package = ROOT / "conference"
    found = {
        str(path.relative_to(ROOT)): lines
        for path in package.rglob("*.py")
        if path != package / "states.py" and "demo" not in path.relative_to(package).parts
        if (lines := _status_writes(path))
    }
    assert not found, f"status written outside a machine's transition: {found}"
    assert _status_writes(package / "states.py")  # the check itself finds one
