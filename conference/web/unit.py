"""One unit of work per request: every view's changes are committed once, or not at all.

The app's dispatch does it (UnitOfWorkFlask). When the view returns, the request's changes are
committed (a view's audit events of what was read included); when it raises, they are rolled
back. A refusal of the domain (ValidationFailed, InvalidTransition, Conflict) is answered by
what the view said to answer it with, through on_refusal(), after the rollback; without one,
by the error page or the htmx message every other error gets.

Routes therefore never commit, roll back or catch a refusal themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, flash, g
from flask.typing import ResponseReturnValue

from conference.errors import Conflict, InvalidTransition, ValidationFailed
from conference.extensions import db
from conference.web.forms import show_refusal

#: The refusals a view may answer itself; anything else is an error page.
REFUSALS = (ValidationFailed, InvalidTransition, Conflict)

Refusal = ValidationFailed | InvalidTransition | Conflict
Answer = Callable[[Any], ResponseReturnValue]
#: Renders the page that answers a refusal, with the status given.
Page = Callable[[int], ResponseReturnValue]


class UnitOfWorkFlask(Flask):
    """Flask, with each view's work one unit: committed when the view answers, rolled back when
    it raises, its refusals answered as the view said (see on_refusal)."""

    def dispatch_request(self) -> ResponseReturnValue:
        try:
            response = super().dispatch_request()
        except REFUSALS as refused:
            db.session.rollback()
            answer = g.pop("refusal_answer", None)
            if answer is None:
                raise  # the error handlers answer it (a message or an error page)
            response = answer(refused)
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return response


def on_refusal(
    answer: Answer, *, only: type[Exception] | tuple[type[Exception], ...] = REFUSALS
) -> None:
    """Answer a refusal raised later in this request with answer(refusal), after the rollback.

    The answer may read the database afresh: it sees what was there before the request.
    With ``only``, just the refusals of those kinds are answered so; any other one reaches the
    error page or the htmx message, as if no answer had been given (and so does any refusal an
    answer raises again).
    """

    def answer_only(refused: Refusal) -> ResponseReturnValue:
        if not isinstance(refused, only):
            raise refused
        return answer(refused)

    g.refusal_answer = answer_only


def refusal_beside(form: Any, default_field: str, page: Page, *, status: int = 422) -> Answer:
    """An answer that puts the refusal beside its field (default_field unless the refusal
    names one) and shows the form again: page(status), 422 (check what you entered)."""

    def answer(refused: Refusal) -> ResponseReturnValue:
        show_refusal(form, refused, default_field)
        return page(status)

    return answer


def refusal_flashed(page: Page, *, status: int = 409) -> Answer:
    """An answer that shows the refusal as an error message above page(status) (409: the
    record's state stood in the way)."""

    def answer(refused: Refusal) -> ResponseReturnValue:
        flash(str(refused), "error")
        return page(status)

    return answer


def refusal_shown(form: Any, default_field: str, page: Page) -> Answer:
    """The usual answer to a form's refusal: a rule of input broken goes beside its field
    (422), the record's state or someone else's change above the page (409)."""
    beside, flashed = refusal_beside(form, default_field, page), refusal_flashed(page)

    def answer(refused: Refusal) -> ResponseReturnValue:
        return beside(refused) if isinstance(refused, ValidationFailed) else flashed(refused)

    return answer


def discard() -> None:
    """Undo this request's changes so far, now, and go on with a clean session.

    For a view that must answer normally without keeping what it did until then, such as one
    that tries again after someone else's save got in first. What it changes afterwards is
    committed as usual when it answers.
    """
    db.session.rollback()
