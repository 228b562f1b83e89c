"""Research returns answer on each perpetrator of the case as well as on the victim."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.accounts.models import AgencyKind
from conference.audit.models import AuditEvent
from conference.conferences import queries
from conference.conferences.queries import item_perpetrators as perpetrators_of
from conference.extensions import db
from conference.research.models import PerpetratorFinding, ResearchReturn
from tests import factories
from tests.conftest import HTMX


@pytest.fixture
def items(world):
    """The published agenda's cases, each perpetrator with his own name."""
    items = queries.agenda_items(world.published.id)
    for item, (given, family) in zip(
        items, [("Rowan", "Ashdown"), ("Silas", "Brackley")], strict=True
    ):
        for perpetrator in perpetrators_of(item):
            perpetrator.given_name, perpetrator.family_name = given, family
    db.session.commit()
    return items


def _url(world, item):
    return f"/research/{world.published.id}/items/{item.id}"


def _form(item, perpetrator_id, finding, **values):
    data = {f"item-{item.id}-{name}": value for name, value in values.items()}
    data[f"item-{item.id}-perpetrator-{perpetrator_id}"] = finding
    return data


def test_the_page_asks_about_each_perpetrator_of_each_case(world, items, as_user):
    page = as_user(world.police_rep).get(f"/research/{world.published.id}").text
    for item in items:
        [perpetrator] = perpetrators_of(item)
        assert f'name="item-{item.id}-perpetrator-{perpetrator.id}"' in page
    assert "What your records show on Rowan Ashdown" in page


def test_a_finding_on_him_saves_in_place_and_without_javascript(world, items, as_user):
    police = as_user(world.police_rep)
    item = items[0]
    [perpetrator] = perpetrators_of(item)
    response = police.post(
        _url(world, item),
        data=_form(item, perpetrator.id, "Bail conditions breached twice", outcome="not_known"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert "Bail conditions breached twice" in response.text and "Brackley" not in response.text
    [finding] = db.session.scalars(sa.select(PerpetratorFinding)).all()
    assert (finding.perpetrator_id, finding.summary) == (
        perpetrator.id,
        "Bail conditions breached twice",
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.verb == "research.saved"))
    assert event.detail["perpetrator_ids"] == [perpetrator.id]
    # Changed without JavaScript, then cleared: a blank answer keeps nothing.
    plain = police.post(
        _url(world, item),
        data=_form(item, perpetrator.id, "Known to MAPPA", outcome="not_known", version="1"),
    )
    assert plain.status_code == 303
    assert db.session.scalar(sa.select(PerpetratorFinding.summary)) == "Known to MAPPA"
    police.post(
        _url(world, item), data=_form(item, perpetrator.id, " ", outcome="not_known", version="2")
    )
    assert db.session.scalar(sa.select(PerpetratorFinding)) is None
    assert db.session.scalar(sa.select(ResearchReturn)) is not None


def test_another_cases_perpetrator_is_refused_and_the_typing_kept(world, items, as_user):
    [other] = perpetrators_of(items[1])
    response = as_user(world.police_rep).post(
        _url(world, items[0]),
        data=_form(items[0], other.id, "Typed on the wrong man", outcome="not_known"),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert "Answer only on the perpetrators of this case" in response.text
    assert "Brackley" not in response.text
    assert db.session.scalar(sa.select(ResearchReturn)) is None


def test_an_agency_not_invited_cannot_answer_on_him(world, items, as_user):
    outsider = factories.make_agency(None, AgencyKind.HOUSING, maracs=[world.marac])
    rep = factories.make_user("agency_rep", marac=world.marac, agency=outsider)
    [perpetrator] = perpetrators_of(items[0])
    client = as_user(rep)
    assert client.get(f"/research/{world.published.id}").status_code == 404
    response = client.post(
        _url(world, items[0]), data=_form(items[0], perpetrator.id, "x", outcome="not_known")
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(PerpetratorFinding)) is None
