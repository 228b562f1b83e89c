"""The template environment: imports of macros are quick, and mean what Jinja says they mean.

Every GOV.UK form field imports its macros when it renders; the app's environment gives
templates globals whose keys Jinja can compare in one step (conference.web.jinja).
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.templating import Environment as FlaskEnvironment
from jinja2 import DictLoader

from conference.meetings.forms import RecordForm
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
