"""One unit of work per request: a view's changes are kept whole when it answers, never in part
when it fails, and a refusal is answered as the view said, after its changes are undone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask, render_template_string

from conference.accounts.models import Marac
from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.web.unit import (
    discard,
    on_refusal,
    refusal_beside,
    refusal_flashed,
    refusal_shown,
)
from tests.conftest import HTMX


def maracs() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(Marac.code).order_by(Marac.code)))


def add_marac(code: str) -> None:
    db.session.add(Marac(name=f"Unit test MARAC {code}", code=code))
    db.session.flush()


class NameForm:
    """Just enough of a form for the answers: a field with errors."""

    class Field:
        def __init__(self) -> None:
            self.errors: list[str] = []

    def __init__(self) -> None:
        self.name = self.Field()
        self.other = self.Field()


@pytest.fixture
def app(own_app) -> Flask:
    """An app with views that write, then answer, fail or are refused in the ways routes are."""
    app = own_app()
    form = NameForm()

    def page(status: int):
        errors = " ".join(form.name.errors + form.other.errors)
        return render_template_string("page: {{ errors }}", errors=errors), status

    @app.post("/writes")
    def writes():
        add_marac("OK")
        return "saved"

    @app.post("/writes-then-fails")
    def writes_then_fails():
        add_marac("BAD")
        raise RuntimeError("a bug after the write")

    @app.post("/writes-discards-writes")
    def writes_discards_writes():
        add_marac("GONE")
        discard()
        add_marac("KEPT")
        return "saved"

    @app.post("/refused/<kind>/<answer>")
    def refused(kind: str, answer: str):
        answers = {
            "beside": refusal_beside(form, "name", page),
            "flashed": refusal_flashed(page),
            "shown": refusal_shown(form, "name", page),
        }
        if answer in answers:
            on_refusal(answers[answer])
        elif answer == "beside-if-validation":
            on_refusal(answers["beside"], only=ValidationFailed)
        add_marac("HALF")
        problem = {
            "validation": ValidationFailed("Too long", field="other"),
            "transition": InvalidTransition("The meeting has ended"),
            "conflict": Conflict("Someone saved first"),
        }[kind]
        raise problem

    return app


def test_a_view_that_answers_keeps_its_changes(app):
    assert app.test_client().post("/writes").text == "saved"
    assert maracs() == ["OK"]


def test_a_view_that_fails_keeps_nothing_and_shows_no_detail(app):
    response = app.test_client().post("/writes-then-fails")
    assert response.status_code == 500 and "a bug after the write" not in response.text
    assert maracs() == []


@pytest.mark.parametrize("kind", ["validation", "transition", "conflict"])
def test_a_refusal_keeps_nothing(app, kind):
    app.test_client().post(f"/refused/{kind}/shown")
    assert maracs() == []


def test_a_refusal_beside_its_field_shows_the_form_again(app):
    response = app.test_client().post("/refused/validation/beside")
    assert response.status_code == 422 and response.text == "page: Too long"


def test_a_refusal_of_state_is_a_message_above_the_page(app):
    client = app.test_client()
    response = client.post("/refused/transition/flashed")
    assert response.status_code == 409 and response.text.startswith("page:")
    with client.session_transaction() as session:
        assert ("error", "The meeting has ended") in session["_flashes"]


@pytest.mark.parametrize(
    ("kind", "status", "text"),
    [("validation", 422, "page: Too long"), ("conflict", 409, "page: ")],
)
def test_the_usual_answer_picks_field_or_message(app, kind, status, text):
    response = app.test_client().post(f"/refused/{kind}/shown")
    assert (response.status_code, response.text) == (status, text)


def test_an_answer_can_leave_a_refusal_it_does_not_answer_to_the_error_handlers(own_app):
    app = own_app()

    @app.post("/partly")
    def partly():
        def answer(refused):
            if isinstance(refused, ValidationFailed):
                return "beside the field", 422
            raise refused

        on_refusal(answer)
        add_marac("HALF")
        raise Conflict("Someone saved first")

    toast = app.test_client().post("/partly", headers=HTMX)
    assert toast.status_code == 409 and "Someone saved first" in toast.text
    assert toast.headers["HX-Retarget"] == "#flash"
    assert maracs() == []


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("validation", 422, "Too long"),
        ("transition", 422, "The meeting has ended"),
        ("conflict", 409, "Someone saved first"),
    ],
)
def test_a_refusal_no_view_answers_is_an_error_message(app, kind, status, message):
    page = app.test_client().post(f"/refused/{kind}/none")
    assert page.status_code == status and message in page.text and "<html" in page.text
    toast = app.test_client().post(f"/refused/{kind}/none", headers=HTMX)
    assert toast.status_code == status and message in toast.text and "<html" not in toast.text
    assert toast.headers["HX-Retarget"] == "#flash"
    assert maracs() == []


def test_a_view_that_discards_keeps_only_what_it_did_afterwards(app):
    assert app.test_client().post("/writes-discards-writes").text == "saved"
    assert maracs() == ["KEPT"]


def test_an_answer_for_some_refusals_leaves_the_others_to_the_error_messages(app):
    client = app.test_client()
    beside = client.post("/refused/validation/beside-if-validation")
    assert (beside.status_code, beside.text) == (422, "page: Too long")
    page = client.post("/refused/transition/beside-if-validation")
    assert page.status_code == 422 and "The meeting has ended" in page.text
    assert "<html" in page.text
    toast = client.post("/refused/conflict/beside-if-validation", headers=HTMX)
    assert toast.status_code == 409 and toast.headers["HX-Retarget"] == "#flash"
    assert maracs() == []
