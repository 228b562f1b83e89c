"""A stale save of a research return merges: only the parts this rep changed are written, the
summary both changed is shown side by side for her to choose, and any other part both changed
shows their whole return beside her typing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from conference.conferences import queries
from conference.conferences.queries import item_perpetrators
from conference.extensions import db
from conference.research.models import ResearchReturn
from tests import factories
from tests.conftest import HTMX
from tests.page_forms import form_data


def _saved():
    db.session.expire_all()
    return db.session.scalars(sa.select(ResearchReturn).order_by(ResearchReturn.id)).one()


def _started(world, as_user, first=True):
    """Two reps of one agency, each with the research page open on the same return."""
    item = queries.agenda_items(world.published.id)[0]
    action = f"/research/{world.published.id}/items/{item.id}"
    colleague = factories.make_user(
        "agency_rep", marac=world.marac, agency=world.police, name="Pat Colleague"
    )
    rep, other = as_user(world.police_rep), as_user(colleague)
    if first:
        saved = rep.post(
            action,
            data={
                f"item-{item.id}-outcome": "known",
                f"item-{item.id}-summary": "Two call-outs",
                f"item-{item.id}-risk_flags": "weapons",
                f"item-{item.id}-version": "",
            },
        )
        assert saved.status_code == 303
    page = f"/research/{world.published.id}"
    return item, action, rep, other, rep.get(page).text, other.get(page).text


def _field(item, name):
    return f"item-{item.id}-{name}"


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_a_stale_return_writes_only_what_she_changed_and_keeps_theirs(world, as_user, headers):
    item, action, rep, other, hers, theirs = _started(world, as_user)
    [perpetrator] = item_perpetrators(item)
    finding = f"item-{item.id}-perpetrator-{perpetrator.id}"
    first = other.post(
        action, data=form_data(theirs, action, **{_field(item, "summary"): "A caution"})
    )
    assert first.status_code == 303
    merged = rep.post(
        action,
        data=form_data(
            hers,
            action,
            **{finding: "Known for harassment", _field(item, "risk_flags"): "stalking"},
        ),
        headers=headers,
    )
    assert merged.status_code == (200 if headers else 303)
    saved = _saved()
    assert saved.summary == "A caution"  # theirs, kept
    assert saved.risk_flags == ["stalking"]  # hers, written on top
    assert [f.summary for f in saved.findings] == ["Known for harassment"]
    assert saved.version == 3
    said = merged.text if headers else rep.get(f"/research/{world.published.id}").text
    assert "their changes to what your agency will share were kept alongside yours" in said


@pytest.mark.parametrize(("keep", "expected"), [("theirs", "A caution"), ("mine", "Bail to May")])
def test_a_summary_both_changed_is_shown_side_by_side_and_her_choice_saves(
    world, as_user, keep, expected
):
    item, action, rep, other, hers, theirs = _started(world, as_user)
    first = other.post(
        action,
        data=form_data(
            theirs,
            action,
            **{_field(item, "summary"): "A caution", _field(item, "risk_flags"): "stalking"},
        ),
    )
    assert first.status_code == 303
    clash = rep.post(
        action, data=form_data(hers, action, **{_field(item, "summary"): "Bail to May"})
    )
    assert clash.status_code == 409
    page = clash.text
    box = page[page.index(f'id="{_field(item, "summary")}-clash"') :]
    assert "A caution" in box and "Bail to May" in box
    assert _saved().summary == "A caution"
    # Choosing without a choice is refused beside the field, nothing lost.
    unchosen = rep.post(action, data=form_data(page, action))
    assert unchosen.status_code == 422 and "Choose whether to keep" in unchosen.text
    chosen = rep.post(
        action, data=form_data(unchosen.text, action, **{f"{_field(item, 'summary')}.keep": keep})
    )
    assert chosen.status_code == 303
    saved = _saved()
    assert saved.summary == expected
    assert saved.risk_flags == ["stalking"]  # their flag, kept either way


def test_a_flag_both_changed_shows_their_whole_return_beside_her_typing(world, as_user):
    item, action, rep, other, hers, theirs = _started(world, as_user)
    assert (
        other.post(
            action, data=form_data(theirs, action, **{_field(item, "risk_flags"): "stalking"})
        ).status_code
        == 303
    )
    clash = rep.post(
        action,
        data=form_data(
            hers,
            action,
            **{_field(item, "risk_flags"): "pregnancy", _field(item, "summary"): "Bail to May"},
        ),
    )
    assert clash.status_code == 409
    assert f'id="return-{item.id}-theirs"' in clash.text and "Bail to May" in clash.text
    assert _saved().risk_flags == ["stalking"]
    again = rep.post(action, data=form_data(clash.text, action))
    assert again.status_code == 303
    assert (_saved().risk_flags, _saved().summary) == (["pregnancy"], "Bail to May")


def test_two_first_returns_merge_and_never_error(world, as_user):
    item, action, rep, other, hers, theirs = _started(world, as_user, first=False)
    [perpetrator] = item_perpetrators(item)
    finding = f"item-{item.id}-perpetrator-{perpetrator.id}"
    one = other.post(
        action,
        data=form_data(
            theirs, action, **{_field(item, "outcome"): "not_known", finding: "Nothing held"}
        ),
    )
    assert one.status_code == 303
    two = rep.post(
        action,
        data=form_data(
            hers, action, **{_field(item, "outcome"): "known", _field(item, "summary"): "Two"}
        ),
    )
    # Both set the outcome, differently: her typing is kept beside their return, no error.
    assert two.status_code == 409 and "Two" in two.text
    assert _saved().outcome.value == "not_known"
    three = rep.post(
        action,
        data=form_data(
            hers, action, **{_field(item, "outcome"): "not_known", _field(item, "summary"): "Two"}
        ),
    )
    assert three.status_code == 303  # the same outcome and her summary: merged
    saved = _saved()
    assert (saved.summary, [f.summary for f in saved.findings]) == ("Two", ["Nothing held"])
