"""Research: each agency's returns, saved in place, kept apart, closed at the meeting, chased."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from conference.conferences import listing, queries
from conference.db import utcnow
from conference.extensions import db
from conference.notifications.models import Notification
from conference.research import services
from conference.research.choices import Outcome
from conference.research.models import ResearchReturn
from conference.scheduler.runner import run_job
from tests import factories
from tests.conftest import HTMX


def _form(item, **values):
    return {f"item-{item.id}-{name}": value for name, value in values.items()}


def _returns():
    return db.session.scalars(sa.select(ResearchReturn).order_by(ResearchReturn.id)).all()


def test_a_rep_sees_each_case_with_the_people_to_search_for(world, as_user):
    page = as_user(world.police_rep).get(f"/research/{world.published.id}").get_data(as_text=True)
    assert "Pia Testwood" in page and "Quinn Testwood" in page
    assert "Marcus Testwood" in page  # the perpetrator
    assert "Child1" in page  # Pia's child
    assert "1 Example Row" not in page and "07700 900123" not in page  # contact withheld
    # Standing items need no research; cases on the unpublished agenda are not shown.
    assert "Rosa Testwood" not in page


def test_saving_a_return_in_place_with_htmx(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    response = as_user(world.police_rep).post(
        f"/research/{world.published.id}/items/{item.id}",
        data=_form(item, outcome="known", summary="Two call-outs this year", risk_flags="weapons"),
        headers=HTMX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.startswith(f'<div id="return-{item.id}">') and "Saved." in body
    [saved] = _returns()
    assert (saved.outcome.value, saved.summary, saved.risk_flags) == (
        "known",
        "Two call-outs this year",
        ["weapons"],
    )
    assert saved.agency_id == world.police.id and saved.updated_by_id == world.police_rep.id


def test_saving_without_javascript_goes_back_to_the_case(world, as_user):
    item = queries.agenda_items(world.published.id)[1]
    response = as_user(world.police_rep).post(
        f"/research/{world.published.id}/items/{item.id}", data=_form(item, outcome="not_known")
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/research/{world.published.id}#case-{item.id}")


def test_known_without_a_summary_is_refused_and_the_typing_kept(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    response = as_user(world.police_rep).post(
        f"/research/{world.published.id}/items/{item.id}",
        data=_form(item, outcome="known", summary="   ", risk_flags="stalking"),
        headers=HTMX,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter what your agency will share at the meeting" in body
    assert 'value="stalking" checked' in body
    assert _returns() == []


def test_one_agency_cannot_change_another_agencys_return(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    url = f"/research/{world.published.id}/items/{item.id}"
    as_user(world.police_rep).post(url, data=_form(item, outcome="known", summary="Police view"))
    as_user(world.health_rep).post(url, data=_form(item, outcome="not_known"))
    police, health = _returns()
    assert (police.agency_id, police.outcome.value, police.summary) == (
        world.police.id,
        "known",
        "Police view",
    )
    assert (health.agency_id, health.outcome.value) == (world.health.id, "not_known")
    # Each agency's page shows only its own return.
    page = as_user(world.health_rep).get(f"/research/{world.published.id}").get_data(as_text=True)
    assert "Police view" not in page


def test_research_closes_when_the_meeting_starts(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    world.published.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    rep = as_user(world.police_rep)
    response = rep.post(
        f"/research/{world.published.id}/items/{item.id}", data=_form(item, outcome="not_known")
    )
    assert response.status_code == 409
    assert "Research for this conference has closed: your return on case" in response.get_data(
        as_text=True
    )
    assert _returns() == []
    assert "Research is closed" in rep.get(f"/research/{world.published.id}").get_data(as_text=True)


def test_the_coordinators_grid_marks_missing_returns(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    as_user(world.police_rep).post(
        f"/research/{world.published.id}/items/{item.id}", data=_form(item, outcome="not_known")
    )
    page = as_user(world.coordinator).get(f"/conferences/{world.published.id}/research")
    text = page.get_data(as_text=True)
    invited = len(queries.invited_agency_ids(world.published.id))
    assert f"1 of {2 * invited} returns received" in text
    assert text.count("app-grid__missing") == 2 * invited - 1


def test_reminders_go_two_days_before_once_and_only_where_returns_are_missing(world):
    police_item, other = queries.agenda_items(world.published.id)
    for item in (police_item, other):
        services.save_return(
            item,
            world.police,
            actor=world.police_rep,
            now=utcnow(),
            outcome=Outcome.NOT_KNOWN,
            summary="",
            risk_flags=[],
            existing=None,
            version=None,
        )
    db.session.commit()
    starts = world.published.starts_at
    three_days_before = starts - timedelta(days=3)
    assert run_job("research-reminders", now=three_days_before).counts["reminders"] == 0
    two_days_before = starts - timedelta(days=2, hours=1)
    assert run_job("research-reminders", now=two_days_before).counts["reminders"] >= 1
    assert run_job("research-reminders", now=two_days_before).counts["reminders"] == 0

    def reminded(user) -> int:
        return db.session.scalar(
            sa.select(sa.func.count()).where(
                Notification.recipient_id == user.id, Notification.kind == "research.reminder"
            )
        )

    assert reminded(world.health_rep) == 1
    assert reminded(world.police_rep) == 0  # every return in


def test_the_research_page_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    rep = as_user(world.police_rep)

    def page_queries() -> int:
        rep.get(f"/research/{world.published.id}")
        with count_queries() as statements:
            assert rep.get(f"/research/{world.published.id}").status_code == 200
        return len(statements)

    few = page_queries()
    for n in range(5):
        case = factories.accepted_case(world.marac, given_name=f"Late{n}", children=n % 3)
        listing.add_case(world.published, case, actor=None, now=utcnow(), reason="Escalated")
    db.session.commit()
    assert page_queries() == few


def test_the_grid_runs_a_fixed_number_of_queries(world, as_user, count_queries):
    coordinator = as_user(world.coordinator)

    def grid_queries() -> int:
        coordinator.get(f"/conferences/{world.published.id}/research")
        with count_queries() as statements:
            assert coordinator.get(f"/conferences/{world.published.id}/research").status_code == 200
        return len(statements)

    few = grid_queries()
    for n in range(5):
        case = factories.accepted_case(world.marac, given_name=f"Late{n}")
        listing.add_case(world.published, case, actor=None, now=utcnow(), reason="Escalated")
    db.session.commit()
    assert grid_queries() == few


def test_research_travels_with_a_case_moved_to_another_conference(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    as_user(world.police_rep).post(
        f"/research/{world.published.id}/items/{item.id}", data=_form(item, outcome="not_known")
    )
    coordinator = as_user(world.coordinator)
    remove_page = coordinator.get(f"/conferences/{world.published.id}/items/{item.id}/remove")
    assert "1 research return on this case will be deleted" in remove_page.get_data(as_text=True)
    coordinator.post(
        f"/conferences/{world.published.id}/items/{item.id}/move",
        data={"conference_id": str(world.scheduled.id), "reason": "Victim in hospital"},
    )
    [kept] = _returns()
    assert kept.agenda_item_id == item.id
    assert item.case.reference in [
        i.case.reference for i in queries.agenda_items(world.scheduled.id)
    ]


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["without-javascript", "htmx"])
def test_a_stale_return_shows_both_versions_and_keeps_the_typing(world, as_user, headers):
    item = queries.agenda_items(world.published.id)[0]
    url = f"/research/{world.published.id}/items/{item.id}"
    first = as_user(world.police_rep).post(
        url, data=_form(item, outcome="known", summary="Two call-outs", version="")
    )
    assert first.status_code == 303
    rep = as_user(world.police_rep)
    page = rep.get(f"/research/{world.published.id}").text
    assert f'name="item-{item.id}-version" type="hidden" value="1"' in page
    colleague = factories.make_user(
        "agency_rep", marac=world.marac, agency=world.police, name="Pat Colleague"
    )
    theirs = as_user(colleague).post(
        url, data=_form(item, outcome="known", summary="A caution for harassment", version="1")
    )
    assert theirs.status_code == 303
    stale = rep.post(
        url,
        data=_form(item, outcome="known", summary="Bail conditions to 1 May", version="1"),
        headers=headers,
    )
    assert stale.status_code == 409
    text = stale.text
    assert ("<html" in text) is (not headers)
    box = text[text.index(f'id="return-{item.id}-theirs"') :]
    assert "A caution for harassment" in box and "Pat Colleague" in box
    assert re.search(r"<textarea[^>]*>\s*Bail conditions to 1 May</textarea>", text)
    assert f'name="item-{item.id}-version" type="hidden" value="2"' in text
    [saved] = _returns()
    assert (saved.summary, saved.version) == ("A caution for harassment", 2)
    again = rep.post(
        url, data=_form(item, outcome="known", summary="Bail conditions to 1 May", version="2")
    )
    assert again.status_code == 303
    db.session.expire_all()
    assert _returns()[0].summary == "Bail conditions to 1 May"


def test_a_first_return_made_twice_is_a_conflict_not_an_error(world, as_user):
    item = queries.agenda_items(world.published.id)[0]
    url = f"/research/{world.published.id}/items/{item.id}"
    as_user(world.police_rep).post(url, data=_form(item, outcome="not_known", version=""))
    late = as_user(world.police_rep).post(
        url, data=_form(item, outcome="known", summary="Typed meanwhile", version="")
    )
    assert late.status_code == 409 and "Typed meanwhile" in late.text
    assert [r.outcome.value for r in _returns()] == ["not_known"]


def test_the_count_of_cases_returned_follows_each_save(world, as_user):
    """With htmx the count comes back out of band with the saved case; without, the page
    the save goes back to shows it."""
    rep = as_user(world.police_rep)
    items = [
        i for i in queries.agenda_items(world.published.id) if i.section in listing.CASE_SECTIONS
    ]
    total = len(items)
    page = rep.get(f"/research/{world.published.id}").get_data(as_text=True)
    assert f"0 of {total} cases returned." in page

    url = f"/research/{world.published.id}/items/{items[0].id}"
    body = rep.post(url, data=_form(items[0], outcome="not_known"), headers=HTMX).get_data(
        as_text=True
    )
    count = f'<p class="govuk-body" id="research-{world.published.id}-returned" hx-swap-oob="true">'
    assert f"{count}1 of {total} cases returned.</p>" in body

    url = f"/research/{world.published.id}/items/{items[1].id}"
    response = rep.post(url, data=_form(items[1], outcome="not_known"), follow_redirects=True)
    assert f"2 of {total} cases returned." in response.get_data(as_text=True)
