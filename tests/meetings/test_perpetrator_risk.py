"""The meeting's view of each perpetrator's risk at the console, and onward referrals agreed
for him as actions: in place, without JavaScript, stale saves, access, and no other case's
people on the page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conference.accounts.models import Role
from conference.actions.choices import OnwardReferral
from conference.actions.models import Action
from conference.audit.models import AuditEvent
from conference.conferences import queries
from conference.conferences.queries import item_perpetrators as perpetrators_of
from conference.extensions import db
from conference.meetings.models import PerpetratorRisk
from tests import factories
from tests.conftest import HTMX

NAMES = [("Rowan", "Ashdown"), ("Silas", "Brackley"), ("Tobias", "Cranmere")]


def _url(world, tail=""):
    return f"/conferences/{world.conference.id}/meeting{tail}"


@pytest.fixture
def live(world, as_user):
    """The meeting started, the first case on the console; each case's perpetrator has his own
    name, so a page can be searched for another case's man."""
    factories.open_meeting(world)
    items = queries.agenda_items(world.conference.id)
    for item, (given, family) in zip(items, NAMES, strict=False):
        for perpetrator in perpetrators_of(item):
            perpetrator.given_name, perpetrator.family_name = given, family
    db.session.commit()
    assert as_user(world.chair).post(_url(world, "/next"), headers=HTMX).status_code == 200
    return items


def _opened(world):
    """The console with the perpetrators' fold drawn, as its link opens it without JavaScript."""
    return f"{_url(world)}?open=perpetrators"


def _risk_url(world, item, perpetrator):
    return _url(world, f"/items/{item.id}/perpetrators/{perpetrator.id}/risk")


def _risk_form(perpetrator, version="", **values):
    prefix = f"perpetrator-{perpetrator.id}"
    return {f"{prefix}-version": version, **{f"{prefix}-{k}": v for k, v in values.items()}}


def test_the_console_shows_each_perpetrator_of_the_case_and_no_other(world, live, as_user):
    chair = as_user(world.chair)
    [perpetrator] = perpetrators_of(live[0])
    form_id = f'id="perpetrator-risk-{live[0].id}-{perpetrator.id}"'
    # Folded until opened: the fold loads in place, or (without JavaScript) the console again.
    page = chair.get(_url(world)).text
    heading = f'<h3 class="govuk-heading-m" id="perpetrators-heading-{live[0].id}">'
    assert f"{heading}Perpetrator: risk to others</h3>" in page and form_id not in page
    fold = _url(world, f"/items/{live[0].id}/folds/perpetrators")
    assert f'hx-get="{fold}"' in page
    assert f'href="{_url(world)}?open=perpetrators#case-perpetrators"' in page
    for drawn in (
        chair.get(fold, headers=HTMX).text,
        chair.get(f"{_url(world)}?open=perpetrators").text,
    ):
        assert form_id in drawn
        assert "Rowan Ashdown" in drawn and "Risk to a new partner" in drawn
        assert "Brackley" not in drawn and "Cranmere" not in drawn
    assert chair.get(fold).headers["Location"].endswith("?open=perpetrators")


def test_his_risk_saves_in_place_and_without_javascript_redirects(world, live, as_user):
    chair = as_user(world.chair)
    item = live[0]
    [perpetrator] = perpetrators_of(item)
    response = chair.post(
        _risk_url(world, item, perpetrator),
        data=_risk_form(perpetrator, risk_to_new_partner="Has a new partner with a baby"),
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.text.lstrip()
    assert body.startswith(f'<div id="perpetrator-risk-{item.id}-{perpetrator.id}"')
    assert "Has a new partner with a baby" in body
    assert "Brackley" not in body and "Cranmere" not in body
    plain = chair.post(
        _risk_url(world, item, perpetrator),
        data=_risk_form(
            perpetrator,
            version="1",
            risk_to_new_partner="Has a new partner with a baby",
            risk_to_public="Threats to door staff",
        ),
    )
    assert plain.status_code == 303
    assert plain.headers["Location"].endswith(
        f"?open=perpetrators#perpetrator-risk-{item.id}-{perpetrator.id}"
    )
    saved = db.session.scalar(db.select(PerpetratorRisk))
    assert (saved.perpetrator_id, saved.agenda_item_id) == (perpetrator.id, item.id)
    assert saved.risk_to_public == "Threats to door staff"
    event = db.session.scalar(
        db.select(AuditEvent).where(AuditEvent.verb == "meeting.perpetrator_risk_saved")
    )
    assert event is not None and event.detail["perpetrator_id"] == perpetrator.id


def test_a_stale_save_of_his_risk_is_refused_with_both_texts(world, live, as_user):
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    item = live[0]
    [perpetrator] = perpetrators_of(item)
    url = _risk_url(world, item, perpetrator)
    first = chair.post(
        url, data=_risk_form(perpetrator, risk_to_children="Chair's words"), headers=HTMX
    )
    assert first.status_code == 200
    stale = coordinator.post(
        url, data=_risk_form(perpetrator, risk_to_children="Minute-taker's words"), headers=HTMX
    )
    assert stale.status_code == 409
    assert "Chay Ring saved the meeting" in stale.text
    assert "Chair&#39;s words" in stale.text and "Minute-taker&#39;s words" in stale.text
    saved = db.session.scalar(db.select(PerpetratorRisk))
    assert saved.risk_to_children == "Chair's words"
    # Without JavaScript the whole console answers, with the same conflict.
    plain = coordinator.post(
        url, data=_risk_form(perpetrator, risk_to_children="Minute-taker's words")
    )
    assert plain.status_code == 409
    assert "Chair&#39;s words" in plain.text and "Minute-taker&#39;s words" in plain.text
    again = coordinator.post(
        url,
        data=_risk_form(perpetrator, version=str(saved.version), risk_to_children="Merged"),
        headers=HTMX,
    )
    assert again.status_code == 200
    db.session.refresh(saved)
    assert saved.risk_to_children == "Merged"


def test_too_long_a_risk_is_refused_by_its_field_and_the_text_kept(world, live, as_user):
    item = live[0]
    [perpetrator] = perpetrators_of(item)
    response = as_user(world.chair).post(
        _risk_url(world, item, perpetrator),
        data=_risk_form(perpetrator, risk_to_staff="x" * 4001, risk_to_family="Kept words"),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Must be 4000 characters or fewer" in response.text
    assert "Kept words" in response.text
    assert db.session.scalar(db.select(PerpetratorRisk)) is None


def test_another_cases_perpetrator_cannot_be_recorded_on_this_case(world, live, as_user):
    [other] = perpetrators_of(live[1])
    response = as_user(world.chair).post(
        _risk_url(world, live[0], other),
        data=_risk_form(other, risk_to_public="Wrong man"),
        headers=HTMX,
    )
    assert response.status_code == 404
    assert db.session.scalar(db.select(PerpetratorRisk)) is None


@pytest.mark.parametrize("who", ["chair", "coordinator"])
def test_the_chair_and_coordinators_record_his_risk(world, live, as_user, who):
    [perpetrator] = perpetrators_of(live[0])
    response = as_user(getattr(world, who)).post(
        _risk_url(world, live[0], perpetrator),
        data=_risk_form(perpetrator, risk_to_family="Threats to her sister"),
        headers=HTMX,
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "who", ["police_rep", "health_rep", "advocate", "other_chair", "other_coordinator"]
)
def test_nobody_else_records_his_risk(world, live, as_user, who):
    if who == "other_chair":
        user = factories.make_user(Role.CHAIR, marac=world.marac)
    elif who == "other_coordinator":
        user = factories.make_user(Role.COORDINATOR)
    else:
        user = getattr(world, who)
    [perpetrator] = perpetrators_of(live[0])
    response = as_user(user).post(
        _risk_url(world, live[0], perpetrator),
        data=_risk_form(perpetrator, risk_to_family="Not theirs to say"),
        headers=HTMX,
    )
    assert response.status_code == 404
    assert "Ashdown" not in response.text
    assert db.session.scalar(db.select(PerpetratorRisk)) is None


def _onward(world, item, perpetrator, onward="matac", **extra):
    prefix = f"new-{item.id}"
    return {
        f"{prefix}-description": "Refer him to the tasking meeting",
        f"{prefix}-due_in": "14",
        f"{prefix}-priority": "high",
        f"{prefix}-owner_agency_id": str(world.police.id),
        f"{prefix}-perpetrator_id": str(perpetrator.id) if perpetrator else "",
        f"{prefix}-onward_to": onward,
        **extra,
    }


def test_an_onward_referral_is_an_action_with_an_owner_and_due_date(world, live, as_user):
    chair = as_user(world.chair)
    item = live[0]
    [perpetrator] = perpetrators_of(item)
    response = chair.post(
        _url(world, f"/items/{item.id}/actions"),
        data=_onward(world, item, perpetrator),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<section id="actions-{item.id}"')
    assert "Onward referral (Perpetrator-focused tasking meeting (MATAC)) for Rowan" in (
        response.text
    )
    [action] = db.session.scalars(db.select(Action)).all()
    assert action.perpetrator_id == perpetrator.id
    assert action.onward_to is OnwardReferral.MATAC
    assert action.owner_agency_id == world.police.id
    assert action.due_on == world.conference.starts_at.date() + timedelta(days=14)
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.verb == "action.agreed"))
    assert event.detail["onward_to"] == "matac"
    # The perpetrator's section lists it too, and so does the follow view's action list.
    page = chair.get(f"{_url(world)}?open=perpetrators").text
    assert "Perpetrator-focused tasking meeting (MATAC): Refer him to the tasking" in page


def test_an_onward_referral_without_javascript_goes_back_to_the_console(world, live, as_user):
    item = live[0]
    [perpetrator] = perpetrators_of(item)
    response = as_user(world.coordinator).post(
        _url(world, f"/items/{item.id}/actions"),
        data=_onward(world, item, perpetrator, onward="offender_management"),
    )
    assert response.status_code == 303
    action = db.session.scalar(db.select(Action))
    assert action.onward_to is OnwardReferral.OFFENDER_MANAGEMENT


def test_an_onward_referral_names_the_perpetrator_it_is_about(world, live, as_user):
    item = live[0]
    response = as_user(world.chair).post(
        _url(world, f"/items/{item.id}/actions"),
        data=_onward(world, item, None, onward="perpetrator_programme"),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Choose the perpetrator the referral is about" in response.text
    assert "Refer him to the tasking meeting" in response.text  # the typed text kept
    assert db.session.scalar(db.select(Action)) is None


def test_an_action_cannot_name_another_cases_perpetrator(world, live, as_user):
    [other] = perpetrators_of(live[1])
    response = as_user(world.chair).post(
        _url(world, f"/items/{live[0].id}/actions"),
        data=_onward(world, live[0], other),
        headers=HTMX,
    )
    assert response.status_code == 404
    assert "Brackley" not in response.text
    assert db.session.scalar(db.select(Action)) is None


def test_an_ordinary_action_is_still_about_no_one(world, live, as_user):
    item = live[0]
    prefix = f"new-{item.id}"
    response = as_user(world.chair).post(
        _url(world, f"/items/{item.id}/actions"),
        data={
            f"{prefix}-description": "Install a panic alarm",
            f"{prefix}-due_in": "7",
            f"{prefix}-priority": "high",
            f"{prefix}-owner_agency_id": str(world.housing.id),
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    action = db.session.scalar(db.select(Action))
    assert action.perpetrator_id is None and action.onward_to is None


def test_the_console_and_the_follow_view_show_research_on_him(world, live, as_user):
    from conference.db import utcnow
    from conference.research.choices import Outcome
    from conference.research.models import PerpetratorFinding, ResearchReturn

    item = live[0]
    [perpetrator] = perpetrators_of(item)
    for agency, user, words in (
        (world.police, world.police_rep, "Police hold two bail breaches on him"),
        (world.health, world.health_rep, "Health hold nothing to share on him"),
    ):
        db.session.add(
            ResearchReturn(
                agenda_item_id=item.id,
                agency_id=agency.id,
                outcome=Outcome.NOT_KNOWN,
                updated_by_id=user.id,
                submitted_at=utcnow(),
                findings=[PerpetratorFinding(perpetrator_id=perpetrator.id, summary=words)],
            )
        )
    db.session.commit()
    console_page = as_user(world.chair).get(f"{_url(world)}?open=research").text
    assert "Research by agency (2)" in console_page
    assert "On Rowan Ashdown:" in console_page
    assert "Police hold two bail breaches" in console_page
    assert "Health hold nothing to share" in console_page
    follow = as_user(world.police_rep).get(f"/conferences/{world.conference.id}/follow").text
    assert "Police hold two bail breaches" in follow
    assert "Health hold nothing to share" not in follow  # only the viewer's own agency


def test_a_stale_save_of_his_risk_merges_and_a_part_both_changed_is_chosen(world, live, as_user):
    from tests.page_forms import form_data

    [perpetrator] = perpetrators_of(live[0])
    chair, coordinator = as_user(world.chair), as_user(world.coordinator)
    action = _risk_url(world, live[0], perpetrator)
    his, hers = chair.get(_opened(world)).text, coordinator.get(_opened(world)).text
    prefix = f"perpetrator-{perpetrator.id}-"
    mine = form_data(his, action, **{f"{prefix}risk_to_family": "Threats to her mother"})
    assert chair.post(action, data=mine).status_code == 303
    theirs = form_data(hers, action, **{f"{prefix}risk_to_staff": "Hostile to workers"})
    assert coordinator.post(action, data=theirs).status_code == 303  # merged
    risk = db.session.scalar(db.select(PerpetratorRisk))
    assert (risk.risk_to_family, risk.risk_to_staff) == (
        "Threats to her mother",
        "Hostile to workers",
    )
    # Both change the same part from the same copy: side by side, then her choice.
    his, hers = chair.get(_opened(world)).text, coordinator.get(_opened(world)).text
    mine = form_data(his, action, **{f"{prefix}risk_to_public": "Armed"})
    assert chair.post(action, data=mine).status_code == 303
    clash = coordinator.post(
        action, data=form_data(hers, action, **{f"{prefix}risk_to_public": "Unknown"})
    )
    assert clash.status_code == 409
    assert "Risk to the public: you both changed this" in clash.text
    chosen = form_data(clash.text, action, **{f"{prefix}risk_to_public.keep": "theirs"})
    assert coordinator.post(action, data=chosen).status_code == 303
    db.session.refresh(risk)
    assert risk.risk_to_public == "Armed"
