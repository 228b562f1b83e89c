"""The coordinator's pages: schedule, meeting rule, agenda order, moves, publishing, cancelling."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from conference.audit.models import AuditEvent
from conference.conferences import listing, queries
from conference.conferences.choices import ConferenceStatus
from conference.conferences.models import AgendaChange, Conference, MeetingRule
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.models import Notification
from conference.referrals.choices import CaseStatus
from tests import factories
from tests.conftest import HTMX


def order(conference) -> list[str]:
    return [item.case.reference for item in queries.agenda_items(conference.id)]


def test_the_schedule_shows_each_conference_and_the_cases_waiting(world, as_user):
    waiting = factories.accepted_case(world.marac, given_name="Wendy")
    page = as_user(world.coordinator).get("/conferences/").get_data(as_text=True)
    assert "2 of 16" in page and "3 of 16" in page
    assert waiting.reference in page and "Wendy Testwood" in page
    assert "No meeting rule yet" in page
    # An agency representative sees the dates but no case counts or waiting cases.
    rep_page = as_user(world.police_rep).get("/conferences/").get_data(as_text=True)
    assert "Agenda published" in rep_page and waiting.reference not in rep_page
    assert "2 of 16" not in rep_page


def test_the_agenda_lists_children_first_with_the_predicted_length(world, as_user):
    page = (
        as_user(world.coordinator).get(f"/conferences/{world.published.id}").get_data(as_text=True)
    )
    children = page.index("Cases with children in the household")
    adults = page.index("Cases with adults only")
    assert children < page.index("Pia Testwood") < adults < page.index("Quinn Testwood")
    assert "2 cases" in page and "30 minutes of the 4 hours the meeting has" in page
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "agenda.viewed")
    ).one()
    assert set(event.detail["case_ids"]) == {c.id for c in world.published_cases}


def test_standing_items_are_counted_apart_from_the_capacity_but_in_the_length(world, as_user):
    from conference.conferences.choices import Section
    from conference.conferences.standing import _add_standing

    extra = [factories.accepted_case(world.marac).id for _ in range(2)]
    _add_standing(world.published, Section.TWELVE_MONTHS, extra, utcnow())
    db.session.commit()
    page = as_user(world.coordinator).get(f"/conferences/{world.published.id}").text
    text = " ".join(re.sub(r"<[^>]+>", "", page).split())
    # Two cases of 16, two standing items beside them; 2 x 15 + 2 x 5 minutes.
    assert "2 cases of a capacity of 16, and 2 standing items, which the capacity does not" in text
    assert "40 minutes of the 4 hours the meeting has" in text


def test_reordering_with_htmx_swaps_only_the_agenda(world, as_user):
    coordinator = as_user(world.coordinator)
    before = order(world.scheduled)
    last = queries.agenda_items(world.scheduled.id)[-1]
    response = coordinator.post(
        f"/conferences/{world.scheduled.id}/items/{last.id}/up", headers=HTMX
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.startswith('<div id="agenda">') and "<html" not in body
    assert order(world.scheduled) == [before[0], before[2], before[1]]


def test_reordering_without_javascript_answers_with_the_whole_page(world, as_user):
    coordinator = as_user(world.coordinator)
    first = queries.agenda_items(world.scheduled.id)[0]
    response = coordinator.post(f"/conferences/{world.scheduled.id}/items/{first.id}/down")
    # Back to the page by a redirect, so reloading it cannot move the case a second time.
    assert response.status_code == 303
    assert response.headers["Location"].endswith(
        f"/conferences/{world.scheduled.id}#item-{first.id}"
    )
    assert order(world.scheduled)[1] == first.case.reference


def test_moving_a_case_onto_a_published_agenda_needs_a_reason(world, as_user):
    coordinator = as_user(world.coordinator)
    item = queries.agenda_items(world.scheduled.id)[0]
    reference = item.case.reference
    url = f"/conferences/{world.scheduled.id}/items/{item.id}/move"
    refused = coordinator.post(url, data={"conference_id": str(world.published.id)})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "The agenda is published: give a reason for adding this case" in page
    moved = coordinator.post(
        url,
        data={"conference_id": str(world.published.id), "reason": "Escalating: cannot wait"},
    )
    assert moved.status_code == 303
    assert reference in order(world.published)
    change = db.session.scalars(sa.select(AgendaChange)).one()
    assert change.reason == "Escalating: cannot wait"
    told = db.session.scalars(
        sa.select(Notification.kind).where(Notification.recipient_id == world.police_rep.id)
    ).all()
    assert "agenda.changed" in told
    # The published agenda lists the change: the case, and for its coordinators why and by whom.
    agenda = coordinator.get(f"/conferences/{world.published.id}").get_data(as_text=True)
    changes = agenda.split("Changes since the agenda was published", 1)[1]
    assert reference in changes and "Escalating: cannot wait" in changes
    assert world.coordinator.name in changes


def test_a_full_conference_takes_a_case_only_with_a_reason_over_capacity(world, as_user):
    world.published.capacity = 2
    db.session.commit()
    coordinator = as_user(world.coordinator)
    item = queries.agenda_items(world.scheduled.id)[0]
    url = f"/conferences/{world.scheduled.id}/items/{item.id}/move"
    form = {"conference_id": str(world.published.id), "reason": "Escalating"}
    refused = coordinator.post(url, data=form)
    assert refused.status_code == 422
    assert "That conference is full (2 cases)" in refused.get_data(as_text=True)
    coordinator.post(url, data={**form, "over_capacity_reason": "Threats to kill this week"})
    assert len(order(world.published)) == 3
    page = coordinator.get(f"/conferences/{world.published.id}").get_data(as_text=True)
    assert "Over capacity" in page and "Over capacity by 1" in page


def test_returning_a_case_to_the_queue_and_listing_it_again(world, as_user):
    coordinator = as_user(world.coordinator)
    item = queries.agenda_items(world.scheduled.id)[0]
    case = item.case
    response = coordinator.post(f"/conferences/{world.scheduled.id}/items/{item.id}/remove")
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.status is CaseStatus.OPEN
    assert case.reference in coordinator.get("/conferences/").get_data(as_text=True)
    listed = coordinator.post(
        f"/cases/{case.id}/list", data={"conference_id": str(world.scheduled.id)}
    )
    assert listed.status_code == 303
    assert case.reference in order(world.scheduled)


def _case_views(case_id: int) -> list[str]:
    """The pages on which the case was seen, as its view audit events say."""
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.verb == "case.viewed").order_by(AuditEvent.id)
    )
    return [e.detail["page"] for e in events if e.object_type == "Case" and e.object_id == case_id]


def test_the_move_remove_and_list_pages_name_her_and_are_audited(world, as_user):
    coordinator = as_user(world.coordinator)
    item = queries.agenda_items(world.scheduled.id)[0]
    case = item.case
    base = f"/conferences/{world.scheduled.id}/items/{item.id}"
    for path, page in ((f"{base}/move", "agenda-move"), (f"{base}/remove", "agenda-remove")):
        response = coordinator.get(path)
        assert response.status_code == 200 and case.reference in response.text
        assert _case_views(case.id)[-1] == page
    assert coordinator.post(f"{base}/remove").status_code == 303
    response = coordinator.get(f"/cases/{case.id}/list")
    assert response.status_code == 200 and case.reference in response.text
    assert _case_views(case.id)[-1] == "agenda-list"


def test_removing_from_a_published_agenda_needs_a_reason(world, as_user):
    coordinator = as_user(world.coordinator)
    item = queries.agenda_items(world.published.id)[0]
    url = f"/conferences/{world.published.id}/items/{item.id}/remove"
    refused = coordinator.post(url, data={"reason": ""})
    assert refused.status_code == 422
    assert "give a reason for removing this case" in refused.get_data(as_text=True)
    assert coordinator.post(url, data={"reason": "Moved out of area"}).status_code == 303


def test_publishing_from_the_agenda_page(world, as_user):
    coordinator = as_user(world.coordinator)
    response = coordinator.post(f"/conferences/{world.scheduled.id}/publish", follow_redirects=True)
    page = response.get_data(as_text=True)
    invited = len(queries.invited_agency_ids(world.scheduled.id))
    assert invited >= 2 and f"Agenda published. {invited} agencies are invited" in page
    db.session.refresh(world.scheduled)
    assert world.scheduled.status is ConferenceStatus.AGENDA_PUBLISHED
    again = coordinator.post(f"/conferences/{world.scheduled.id}/publish", follow_redirects=True)
    assert "This conference is agenda published" in again.get_data(as_text=True)


def test_cancelling_needs_a_reason_and_relists_its_cases(world, as_user):
    coordinator = as_user(world.coordinator)
    later = factories.make_conference(world.marac, utcnow().date() + timedelta(days=70))
    url = f"/conferences/{world.scheduled.id}/cancel"
    refused = coordinator.post(url, data={"reason": " "})
    assert refused.status_code == 422
    assert "Enter why the conference is cancelled" in refused.get_data(as_text=True)
    done = coordinator.post(url, data={"reason": "Venue flooded"}, follow_redirects=True)
    assert "is cancelled" in done.get_data(as_text=True)
    db.session.refresh(world.scheduled)
    assert world.scheduled.status is ConferenceStatus.CANCELLED
    # Its cut-off has passed for nothing else, so the cases go on the next with room.
    assert sorted(order(later)) == sorted(c.reference for c in world.scheduled_cases)


def test_moving_a_conference_keeps_its_deadline_gaps(world, as_user):
    coordinator = as_user(world.coordinator)
    new_day = utcnow().date() + timedelta(days=42)
    form = {
        "day": [str(new_day.day), str(new_day.month), str(new_day.year)],
        "start_time": "1:30pm",
        "duration_minutes": "180",
        "place": "Town Hall",
        "video_link": "",
        "capacity": "12",
        "minutes_per_case": "15",
        "chair_id": str(world.chair.id),
    }
    response = coordinator.post(f"/conferences/{world.scheduled.id}/edit", data=form)
    assert response.status_code == 303
    db.session.refresh(world.scheduled)
    assert world.scheduled.place == "Town Hall" and world.scheduled.capacity == 12
    assert world.scheduled.adjusted_at is not None


def test_without_javascript_a_stale_conference_change_shows_both_versions(world, as_user):
    colleague = factories.make_user("coordinator", marac=world.marac, name="Col League")
    mine, theirs = as_user(world.coordinator), as_user(colleague)
    url = f"/conferences/{world.scheduled.id}/edit"
    page = mine.get(url).text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    day = utcnow().date() + timedelta(days=42)
    form = {
        "day": [str(day.day), str(day.month), str(day.year)],
        "start_time": "10am",
        "duration_minutes": "240",
        "video_link": "",
        "capacity": "16",
        "minutes_per_case": "15",
        "chair_id": str(world.chair.id),
        "version": version,
    }
    saved = theirs.post(url, data={**form, "place": "Civic Centre, Room 2"})
    assert saved.status_code == 303
    stale = mine.post(url, data={**form, "place": "Police HQ, Suite B"})
    assert stale.status_code == 409 and "<html" in stale.text
    text = stale.text
    assert "someone else changed this conference first" in text
    box = text[text.index('id="conflict-theirs"') :]
    assert "Civic Centre, Room 2" in box
    assert 'value="Police HQ, Suite B"' in text  # the typing kept in the form
    db.session.refresh(world.scheduled)
    assert world.scheduled.place == "Civic Centre, Room 2"
    newer = str(world.scheduled.version)
    assert f'name="version" type="hidden" value="{newer}"' in text
    again = mine.post(url, data={**form, "place": "Police HQ, Suite B", "version": newer})
    assert again.status_code == 303
    db.session.refresh(world.scheduled)
    assert world.scheduled.place == "Police HQ, Suite B"


def test_bad_conference_details_are_refused_by_the_field_and_kept(world, as_user):
    coordinator = as_user(world.coordinator)
    form = {
        "day": ["31", "2", "2027"],
        "start_time": "25:00",
        "duration_minutes": "ten",
        "place": "",
        "video_link": "http://insecure.example",
        "capacity": "0",
        "minutes_per_case": "15",
        "chair_id": "",
    }
    response = coordinator.post(f"/maracs/{world.marac.id}/conferences/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "Date must be a real date",
        "Enter a time like 10:00 or 1:30pm",
        "Enter a whole number, like 3",
        "Enter a video link starting with https://",
        "Enter a number from 1 to 60",
    ):
        assert message in page, message
    assert 'value="25:00"' in page and 'value="http://insecure.example"' in page


def test_adding_an_extra_conference_says_what_it_will_list_and_when(world, as_user):
    coordinator = as_user(world.coordinator)
    page = coordinator.get(f"/maracs/{world.marac.id}/conferences/new").text
    assert 'id="extra-dates"' in page and "both fall on the day you add it" in page
    soon = utcnow().date() + timedelta(days=2)
    form = {
        "day": [str(soon.day), str(soon.month), str(soon.year)],
        "start_time": "10:00",
        "duration_minutes": "120",
        "place": "Civic Centre",
        "capacity": "6",
        "minutes_per_case": "15",
        "chair_id": "",
    }
    response = coordinator.post(f"/maracs/{world.marac.id}/conferences/new", data=form)
    assert response.status_code in (200, 303)
    done = (
        coordinator.get(response.headers.get("Location", "/")).text
        if response.status_code == 303
        else response.text
    )
    from conference.referrals.services import today_in

    today = today_in(world.marac, utcnow())
    assert f"cases accepted until {today:%-d %B} can be listed on it" in done


def test_an_extra_conference_in_the_past_is_refused(world, as_user):
    yesterday = utcnow().date() - timedelta(days=1)
    form = {
        "day": [str(yesterday.day), str(yesterday.month), str(yesterday.year)],
        "start_time": "10:00",
        "duration_minutes": "240",
        "place": "Civic Centre",
        "capacity": "16",
        "minutes_per_case": "15",
        "chair_id": "",
    }
    response = as_user(world.coordinator).post(
        f"/maracs/{world.marac.id}/conferences/new", data=form
    )
    assert response.status_code == 422
    assert "The conference must start in the future" in response.get_data(as_text=True)


RULE_FORM = {
    "frequency": "monthly",
    "week_of_month": "-1",
    "weekday": "4",
    "interval_weeks": "",
    "first_date": ["", "", ""],
    "start_time": "9:30am",
    "duration_minutes": "240",
    "place": "Civic Centre",
    "video_link": "",
    "chair_id": "",
    "capacity": "16",
    "minutes_per_case": "15",
    "cutoff_days": "8",
    "research_days": "7",
}


def test_saving_a_meeting_rule_plans_six_months(world, as_user):
    response = as_user(world.coordinator).post(
        f"/maracs/{world.marac.id}/meeting-rule", data=RULE_FORM, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Meeting rule saved. 6 conference(s) added." in page
    assert "Last Friday of every month, 9:30am for 4 hours, Civic Centre" in page
    planned = db.session.scalars(
        sa.select(Conference).where(Conference.rule_date.is_not(None))
    ).all()
    assert len(planned) == 6 and all(c.starts_at.astimezone().weekday() == 4 for c in planned)


def test_without_javascript_a_stale_meeting_rule_shows_both_versions(world, as_user):
    colleague = factories.make_user("coordinator", marac=world.marac, name="Col League")
    mine, theirs = as_user(world.coordinator), as_user(colleague)
    url = f"/maracs/{world.marac.id}/meeting-rule"
    assert 'name="version" type="hidden" value=""' in mine.get(url).text  # no rule yet
    saved = theirs.post(url, data={**RULE_FORM, "version": ""})
    assert saved.status_code == 303
    stale = mine.post(url, data={**RULE_FORM, "place": "Police HQ, Suite B", "version": ""})
    assert stale.status_code == 409 and "<html" in stale.text
    text = stale.text
    assert "someone else saved the meeting rule first" in text
    box = text[text.index('id="conflict-theirs"') :]
    assert "Last Friday of every month, 9:30am for 4 hours, Civic Centre" in box
    assert 'value="Police HQ, Suite B"' in text  # the typing kept in the form
    assert 'name="version" type="hidden" value="1"' in text
    rule = db.session.scalar(sa.select(MeetingRule))
    assert (rule.place, rule.version) == ("Civic Centre", 1)
    again = mine.post(url, data={**RULE_FORM, "place": "Police HQ, Suite B", "version": "1"})
    assert again.status_code == 303
    db.session.refresh(rule)
    assert rule.place == "Police HQ, Suite B"


def test_the_rule_preview_lists_the_next_six_dates(world, as_user):
    response = as_user(world.coordinator).post(
        f"/maracs/{world.marac.id}/meeting-rule/preview", data=RULE_FORM, headers=HTMX
    )
    page = response.get_data(as_text=True)
    assert page.count("<li>Friday") == 6 and "9:30am" in page
    assert "<html" not in page


def test_a_bad_rule_is_refused_by_the_field_and_kept(world, as_user):
    form = {
        **RULE_FORM,
        "frequency": "every_n_weeks",
        "interval_weeks": "",
        "cutoff_days": "3",
        "start_time": "half nine",
    }
    response = as_user(world.coordinator).post(f"/maracs/{world.marac.id}/meeting-rule", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter every how many weeks it meets" in page
    assert "Enter a time like 10:00 or 1:30pm" in page and 'value="half nine"' in page
    assert db.session.scalar(sa.select(sa.func.count(Conference.id))) == 2


def test_the_cut_off_after_publication_is_refused_by_its_field(world, as_user):
    form = {**RULE_FORM, "cutoff_days": "5", "research_days": "7"}
    response = as_user(world.coordinator).post(f"/maracs/{world.marac.id}/meeting-rule", data=form)
    assert response.status_code == 422
    assert re.search(
        r'id="cutoff_days-error".*must be on or before the day the agenda is published',
        response.get_data(as_text=True),
        re.S,
    )


def test_accepting_a_referral_lists_the_case_and_says_where(world, as_user):
    referral = factories.make_referral(marac=world.marac, status="submitted", given_name="Ula")
    response = as_user(world.coordinator).post(
        f"/referrals/{referral.id}/decision",
        data={"decision": "accept", "case_id": "new", "reason": "High risk"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    db.session.refresh(referral)
    # The published conference takes no new case automatically: the next one does.
    assert f"Case {referral.case.reference} is listed on the conference on" in page
    assert referral.case.reference in order(world.scheduled)


def test_the_agenda_page_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    coordinator = as_user(world.coordinator)

    def agenda_queries() -> int:
        coordinator.get(f"/conferences/{world.scheduled.id}")
        with count_queries() as statements:
            assert coordinator.get(f"/conferences/{world.scheduled.id}").status_code == 200
        return len(statements)

    few = agenda_queries()
    for n in range(6):
        case = factories.accepted_case(world.marac, given_name=f"More{n}", children=n % 2)
        listing.add_case(world.scheduled, case, actor=None, now=utcnow())
    db.session.commit()
    assert agenda_queries() == few


def test_the_schedule_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    coordinator = as_user(world.coordinator)

    def schedule_queries() -> int:
        coordinator.get("/conferences/")
        with count_queries() as statements:
            assert coordinator.get("/conferences/").status_code == 200
        return len(statements)

    factories.accepted_case(world.marac, given_name="Waiting")
    few = schedule_queries()
    factories.make_rule(world.marac)
    for n in range(3):
        factories.accepted_case(world.marac, given_name=f"Wait{n}")
    assert schedule_queries() == few
