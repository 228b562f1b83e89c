"""The template environment: imports of macros are quick, and mean what Jinja says they mean.

Every GOV.UK form field imports its macros when it renders; the app's environment gives
templates globals whose keys Jinja can compare in one step (conference.web.jinja).
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.templating import Environment as FlaskEnvironment
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from jinja2 import DictLoader
from werkzeug.datastructures import MultiDict

from conference.meetings.forms import ActionForm, RecordForm
from conference.web.forms import DrawnOnce
from conference.web.jinja import TemplateEnvironment


def test_the_app_renders_with_its_own_environment(app: Flask):
    assert type(app.jinja_env) is TemplateEnvironment
    keys = app.jinja_env.from_string("").globals.keys()
    assert isinstance(keys, type({}.keys()))  # a set difference in C, not key by key
    assert set(keys) == set(app.jinja_env.globals)


@pytest.mark.parametrize("kind", [TemplateEnvironment, FlaskEnvironment])
def test_an_imported_macro_sees_the_globals_only_its_importer_has(kind):
    # Jinja makes a fresh module for an import whose importer has globals the imported
    # template lacks: the quicker keys must find them as Flask's own environment does.
    loader = DictLoader(
        {
            "macros.html": "{% macro hello() %}Hello {{ who }}{% endmacro %}",
            "page.html": '{% from "macros.html" import hello %}{{ hello() }}',
            "other.html": '{% from "macros.html" import hello %}{{ hello() }}',
        }
    )
    environment = kind(Flask(__name__), loader=loader)
    assert environment.get_template("other.html").render() == "Hello "
    page = environment.get_template("page.html", globals={"who": "the chair"})
    assert page.render() == "Hello the chair"
    assert environment.get_template("other.html").render() == "Hello "


def test_a_gov_uk_field_renders_as_it_would_in_flask_s_own_environment(app: Flask):
    with app.test_request_context("/"):
        form = RecordForm(data={"decisions": "Refer him to the perpetrator programme."})
        form.decisions.errors = ["Say what the meeting decided"]
        page = (
            '{% for name in ["decisions", "risk_to_victim"] %}'
            '{{ form[name](params={"rows": 2}) }}{% endfor %}'
        )
        ours = app.jinja_env.from_string(page).render(form=form)
        stock = FlaskEnvironment(app, loader=app.jinja_loader)
        stock.globals.update(app.jinja_env.globals)
        theirs = stock.from_string(page).render(form=form)
    assert "Refer him to the perpetrator programme." in ours
    assert "Say what the meeting decided" in ours
    assert ours == theirs


def _kept_markup() -> str:
    return "".join(str(markup) for markup in DrawnOnce._drawn.values())


def test_an_empty_field_is_drawn_once_and_then_kept(app: Flask, monkeypatch):
    drawn = []
    stock_render = GovCharacterCount.render

    def counting(self, params):
        drawn.append(params["id"])
        return stock_render(self, params)

    monkeypatch.setattr(GovCharacterCount, "render", counting)
    DrawnOnce._drawn.clear()
    with app.test_request_context("/"):
        first = RecordForm(prefix="kept").decisions(params={"rows": 2})
        again = RecordForm(prefix="kept").decisions(params={"rows": 2})
        other_rows = RecordForm(prefix="kept").decisions(params={"rows": 3})
    assert drawn == ["kept-decisions", "kept-decisions"]  # the third differs: drawn anew
    assert again == first
    assert 'rows="2"' in first and 'rows="3"' in other_rows


def test_what_was_typed_or_refused_is_never_kept(app: Flask):
    DrawnOnce._drawn.clear()
    with app.test_request_context("/"):
        typed = RecordForm(data={"decisions": "Refer him to the perpetrator programme."})
        assert "Refer him" in typed.decisions()
        refused = RecordForm()
        refused.risk_to_victim.errors = ["Say what the risk to her is"]
        assert "Say what the risk to her is" in refused.risk_to_victim()
        action = ActionForm(prefix="new-1")
        action.set_perpetrators([(7, "Neil Quarrie")])
        action.set_choices([(3, "Westvale Police")], date(2026, 12, 6))
        assert "Neil Quarrie" in action.perpetrator_id()
        assert "Neil Quarrie" not in action.owner_name() + action.description()
        assert "Westvale Police" in action.owner_agency_id()
        assert "In 7 days (13 Dec)" in action.due_in() and action.due_on() and action.priority()
        typed_date = ActionForm(
            MultiDict({"new-2-due_on": ["17", "3", "2031"]}), prefix="new-2"
        ).due_on()
        assert 'value="2031"' in typed_date
    kept = _kept_markup()
    assert "Refer him" not in kept
    assert "Say what the risk to her is" not in kept
    assert "Neil Quarrie" not in kept  # a list of people is never kept
    assert "2031" not in kept  # nor a date typed in
    # The empty fields were kept, and the lists that name no one.
    for field in ("owner_name", "owner_agency_id", "due_in", "due_on", "priority"):
        assert f'id="new-1-{field}' in kept, field
    assert "Westvale Police" in kept


def test_a_kept_field_is_the_same_as_a_fresh_one(app: Flask):
    DrawnOnce._drawn.clear()
    with app.test_request_context("/"):
        kept = [RecordForm().information_shared() for _ in range(2)]
        fresh = GovCharacterCount.render(
            RecordForm().information_shared.widget,
            RecordForm().information_shared.widget.map_gov_params(
                RecordForm().information_shared, id="information_shared", value=""
            ),
        )
    assert kept[0] == kept[1] == fresh
