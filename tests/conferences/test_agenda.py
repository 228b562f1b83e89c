"""Building agendas: allocation, capacity, ordering, moving, publishing and standing items."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from conference.conferences import listing, publishing, queries
from conference.conferences.choices import ConferenceStatus, ItemStatus, Section
from conference.conferences.models import AgendaChange, AgendaItem, Conference
from conference.errors import InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.notifications.links import url_of
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus
from conference.referrals.models import Referral
from conference.scheduler.runner import run_job
from tests import factories

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def marac(app):
    marac = factories.make_marac()
    factories.make_rule(marac, now=NOW)  # second Tuesdays: 8 Dec (cut-off 30 Nov), 12 Jan...
    return marac


def planned(marac) -> list[Conference]:
    return list(
        db.session.scalars(
            sa.select(Conference)
            .where(Conference.marac_id == marac.id)
            .order_by(Conference.starts_at)
        )
    )


def items_of(conference) -> list[AgendaItem]:
    return listing.ordered(
        db.session.scalars(
            sa.select(AgendaItem).where(AgendaItem.conference_id == conference.id)
        ).all()
    )


def heard_at(conference, case) -> None:
    """The record a finished meeting leaves: the case discussed, the minutes final."""
    db.session.add(
        AgendaItem(
            conference=conference,
            case=case,
            section=Section.ADULTS,
            position=1,
            status=ItemStatus.DISCUSSED,
        )
    )
    conference.status = ConferenceStatus.MINUTES_FINAL


def notices(user) -> list[str]:
    return sorted(
        db.session.scalars(sa.select(Notification.kind).where(Notification.recipient_id == user.id))
    )


def test_a_case_accepted_on_the_cut_off_day_goes_on_that_conference(marac):
    december = planned(marac)[0]
    on_cut_off = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)
    placement = listing.place_case(factories.accepted_case(marac), actor=None, now=on_cut_off)
    assert placement.conference.id == december.id and placement.full is None
    assert placement.case.status is CaseStatus.LISTED


def test_a_case_accepted_the_day_after_the_cut_off_goes_on_the_next(marac):
    january = planned(marac)[1]
    after = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    placement = listing.place_case(factories.accepted_case(marac), actor=None, now=after)
    assert placement.conference.id == january.id


def test_the_cut_off_is_counted_in_the_marac_time_zone(app):
    marac = factories.make_marac(timezone="Pacific/Auckland")
    factories.make_rule(marac, now=NOW)
    # 30 Nov 12:00 UTC is already 1 December in Auckland: past the 30 November cut-off.
    placement = listing.place_case(
        factories.accepted_case(marac), actor=None, now=datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    )
    assert planned(marac).index(placement.conference) == 1


def test_a_full_conference_sends_the_case_to_the_next_and_says_so(marac):
    december, january = planned(marac)[:2]
    december.capacity = 2
    for _ in range(2):
        listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    placement = listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    assert placement.conference.id == january.id and placement.full.id == december.id
    item = items_of(january)[0]
    assert item.overflowed_from_id == december.id
    assert len(items_of(december)) == 2


def test_a_full_conference_takes_a_case_only_with_a_reason(marac):
    december = planned(marac)[0]
    december.capacity = 1
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    case = factories.accepted_case(marac)
    with pytest.raises(ValidationFailed, match="full") as refused:
        listing.add_case(december, case, actor=None, now=NOW)
    assert refused.value.field == "over_capacity_reason"
    item = listing.add_case(
        december, case, actor=None, now=NOW, over_capacity_reason="Risk of homicide this month"
    )
    assert item.over_capacity_reason == "Risk of homicide this month"
    assert len(items_of(december)) == 2


def test_standing_items_do_not_use_up_capacity(marac):
    december = planned(marac)[0]
    december.capacity = 1
    heard = factories.accepted_case(marac)
    db.session.add(
        AgendaItem(conference=december, case=heard, section=Section.TWELVE_MONTHS, position=1)
    )
    placement = listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    assert placement.conference.id == december.id


def test_cases_with_children_come_first(marac):
    december = planned(marac)[0]
    adult = factories.accepted_case(marac, given_name="Adela")
    with_child = factories.accepted_case(marac, given_name="Bryony", children=2)
    second_adult = factories.accepted_case(marac, given_name="Cora")
    for case in (adult, with_child, second_adult):
        listing.place_case(case, actor=None, now=NOW)
    listed = items_of(december)
    assert [i.case_id for i in listed] == [with_child.id, adult.id, second_adult.id]
    assert [i.section for i in listed] == [Section.CHILDREN, Section.ADULTS, Section.ADULTS]


def test_a_case_already_listed_is_not_listed_twice(marac):
    case = factories.accepted_case(marac)
    first = listing.place_case(case, actor=None, now=NOW)
    again = listing.place_case(case, actor=None, now=NOW)
    assert again.already_listed and again.conference.id == first.conference.id
    assert len(items_of(first.conference)) == 1


def test_with_no_conference_planned_the_case_waits(app):
    marac = factories.make_marac()
    case = factories.accepted_case(marac)
    placement = listing.place_case(case, actor=None, now=NOW)
    assert placement.conference is None and case.status is CaseStatus.OPEN
    assert listing.waiting_cases([marac.id]) == [case]


def test_reordering_swaps_neighbours_within_a_section(marac):
    december = planned(marac)[0]
    cases = [factories.accepted_case(marac) for _ in range(3)]
    for case in cases:
        listing.place_case(case, actor=None, now=NOW)
    last = items_of(december)[2]
    coordinator = factories.coordinator_of(marac)
    assert listing.shift(last, -1, actor=coordinator, now=NOW)
    assert [i.case_id for i in items_of(december)] == [cases[0].id, cases[2].id, cases[1].id]
    top = items_of(december)[0]
    assert not listing.shift(top, -1, actor=coordinator, now=NOW)


def test_moving_a_case_to_another_conference_and_back_to_the_queue(marac):
    december, january = planned(marac)[:2]
    coordinator = factories.coordinator_of(marac)
    cases = [factories.accepted_case(marac) for _ in range(2)]
    for case in cases:
        listing.place_case(case, actor=None, now=NOW)
    first = items_of(december)[0]
    listing.move(first, january, actor=coordinator, now=NOW)
    assert [i.case_id for i in items_of(january)] == [cases[0].id]
    # The remaining item closes the gap.
    assert [i.position for i in items_of(december)] == [1]
    listing.remove(items_of(january)[0], actor=coordinator, reason="", now=NOW)
    assert cases[0].status is CaseStatus.OPEN
    assert listing.waiting_cases([marac.id]) == [cases[0]]


def test_publishing_invites_the_agencies_and_tells_their_reps_once(app, marac):
    december = planned(marac)[0]
    police = factories.make_agency(maracs=[marac])
    rep = factories.make_user("agency_rep", marac=marac, agency=police)
    chair = factories.make_user("chair", marac=marac)
    december.chair_id = chair.id
    other_marac_rep = factories.make_user("agency_rep")
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publish_day = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert run_job("publish-agendas", now=NOW).counts["published"] == 0  # too early
    assert run_job("publish-agendas", now=publish_day).counts["published"] == 1
    assert run_job("publish-agendas", now=publish_day).counts["published"] == 0
    december = db.session.get(Conference, december.id)
    assert december.status is ConferenceStatus.AGENDA_PUBLISHED
    assert police.id in queries.invited_agency_ids(december.id)
    assert notices(rep) == ["agenda.published"] and notices(chair) == ["agenda.published"]
    assert notices(other_marac_rep) == []
    text = db.session.scalar(sa.select(Notification).where(Notification.recipient_id == rep.id))
    with app.test_request_context():
        link = url_of(text)
    assert text.reference.startswith(marac.code) and "/conferences/" in link


@pytest.mark.parametrize("asked", [False, True])
def test_the_coordinators_own_agency_researches_only_when_the_marac_asks(marac, asked):
    partnership = factories.make_agency(maracs=[marac])
    factories.make_user("coordinator", marac=marac, agency=partnership)
    police = factories.make_agency(maracs=[marac])
    marac.coordinators_research = asked
    december = planned(marac)[0]
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=None, now=datetime(2026, 12, 1, 7, 0, tzinfo=UTC))
    db.session.commit()
    invited = queries.invited_agency_ids(december.id)
    assert police.id in invited
    assert (partnership.id in invited) is asked


def test_the_job_leaves_an_empty_agenda_unpublished(marac):
    publish_day = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    run = run_job("publish-agendas", now=publish_day)
    assert run.counts == {"published": 0, "empty": 1}
    assert planned(marac)[0].status is ConferenceStatus.SCHEDULED


def test_after_publication_changes_need_a_reason_and_tell_the_agencies(marac):
    december, january = planned(marac)[:2]
    rep = factories.make_user("agency_rep", marac=marac)
    coordinator = factories.coordinator_of(marac)
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=coordinator, now=NOW)
    late = factories.accepted_case(marac)
    with pytest.raises(ValidationFailed, match="give a reason") as refused:
        listing.add_case(december, late, actor=coordinator, now=NOW)
    assert refused.value.field == "reason"
    listing.add_case(december, late, actor=coordinator, now=NOW, reason="Escalated last night")
    item = items_of(december)[0]
    with pytest.raises(ValidationFailed, match="give a reason"):
        listing.move(item, january, actor=coordinator, now=NOW)
    listing.move(item, january, actor=coordinator, now=NOW, reason="Victim in hospital")
    changes = db.session.scalars(sa.select(AgendaChange).order_by(AgendaChange.id)).all()
    assert [(c.kind.value, c.reason) for c in changes] == [
        ("added", "Escalated last night"),
        ("removed", "Victim in hospital"),
    ]
    assert notices(rep) == ["agenda.changed", "agenda.changed", "agenda.published"]


def referred(case, day: date):
    """Date the case's referral day: the repeat flag counts from it."""
    db.session.execute(
        sa.update(Referral).where(Referral.case_id == case.id).values(referred_on=day)
    )
    return case


def test_publishing_adds_cases_reaching_twelve_months(marac):
    december = planned(marac)[0]  # 8 December 2026
    coordinator = factories.coordinator_of(marac)
    last_year = factories.make_conference(marac, date(2025, 12, 2), now=NOW - timedelta(days=400))
    older = factories.make_conference(marac, date(2025, 11, 4), now=NOW - timedelta(days=400))
    previous = factories.make_conference(marac, date(2026, 11, 10), now=NOW - timedelta(days=20))
    due = referred(factories.accepted_case(marac), date(2025, 11, 20))
    noticed_before = referred(factories.accepted_case(marac), date(2025, 10, 20))
    for conference, case in ((last_year, due), (older, noticed_before)):
        heard_at(conference, case)
    previous.status = ConferenceStatus.MINUTES_FINAL
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=coordinator, now=NOW)
    standing = [i for i in items_of(december) if i.section is Section.TWELVE_MONTHS]
    # Referred 20 Nov 2025: its flag ended on 20 Nov 2026, after 10 Nov and before 8 Dec.
    assert [i.case_id for i in standing] == [due.id]


def test_a_case_reaching_twelve_months_is_listed_on_one_agenda_only(marac):
    december = planned(marac)[0]  # 8 December 2026
    coordinator = factories.coordinator_of(marac)
    previous = factories.make_conference(marac, date(2026, 11, 10), now=NOW - timedelta(days=20))
    previous.status = ConferenceStatus.MINUTES_FINAL
    due = referred(factories.accepted_case(marac), date(2025, 11, 20))  # flag ended 20 Nov
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=coordinator, now=NOW)
    # An extra conference is added before it, on 1 December, and published afterwards: the
    # same flag falls in its window too, but the case is already on December's agenda.
    extra = factories.make_conference(marac, date(2026, 12, 1), now=NOW)
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(extra, actor=coordinator, now=NOW)
    twelve = [i.case_id for i in items_of(extra) if i.section is Section.TWELVE_MONTHS]
    assert twelve == []
    assert [i.case_id for i in items_of(december) if i.section is Section.TWELVE_MONTHS] == [due.id]


def test_an_empty_agenda_cannot_be_published(marac):
    with pytest.raises(InvalidTransition, match="nothing on this agenda"):
        publishing.publish(planned(marac)[0], actor=None, now=NOW)


def test_a_conference_under_way_cannot_change_its_agenda(marac):
    december = planned(marac)[0]
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    december.status = ConferenceStatus.IN_PROGRESS
    with pytest.raises(InvalidTransition):
        listing.add_case(december, factories.accepted_case(marac), actor=None, now=NOW)


def test_the_twelve_month_window_runs_from_after_the_previous_conference_to_this_one(marac):
    december = planned(marac)[0]  # 8 December 2026
    factories.make_conference(marac, date(2026, 11, 10), now=NOW - timedelta(days=20))
    # The flag's last day is the referral day + 365: noticed at the first conference after it.
    cases = {
        name: referred(factories.accepted_case(marac, given_name=name), day)
        for day, name in (
            (date(2025, 12, 7), "Edge"),  # flag ended 7 Dec 2026: noticed now
            (date(2025, 12, 8), "Live"),  # flagged still on 8 Dec 2026: noticed next time
            (date(2025, 11, 10), "First"),  # ended on the previous conference's day: now
            (date(2025, 11, 9), "Early"),  # ended before it: noticed then
        )
    }
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=None, now=NOW)
    standing = [i for i in items_of(december) if i.section is Section.TWELVE_MONTHS]
    assert sorted(i.case_id for i in standing) == sorted([cases["Edge"].id, cases["First"].id])
    assert all(i.referral_id is not None for i in standing)


def test_a_twelve_month_review_is_not_a_hearing_so_the_case_is_not_back_next_year(marac):
    december = planned(marac)[0]  # 8 December 2026
    factories.make_conference(marac, date(2026, 11, 10), now=NOW - timedelta(days=20))
    # Heard in December 2024; its 12-month item was discussed in December 2025.
    heard = factories.make_conference(marac, date(2024, 12, 8), now=NOW - timedelta(days=800))
    review = factories.make_conference(marac, date(2025, 12, 8), now=NOW - timedelta(days=400))
    case = factories.accepted_case(marac)
    heard_at(heard, case)
    db.session.add(
        AgendaItem(
            conference=review,
            case=case,
            section=Section.TWELVE_MONTHS,
            position=1,
            status=ItemStatus.DISCUSSED,
        )
    )
    review.status = ConferenceStatus.MINUTES_FINAL
    listing.place_case(factories.accepted_case(marac), actor=None, now=NOW)
    publishing.publish(december, actor=None, now=NOW)
    assert [i for i in items_of(december) if i.section is Section.TWELVE_MONTHS] == []
