"""The signed-in user's home page: what each of their roles can do, and where."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from conference.dashboard.queries import home_sections
from conference.web.auth import current_actor

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """Show the home page, or send a visitor to sign in."""
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.sign_in"))
    user = current_actor()
    return render_template("dashboard/index.html", user=user, sections=home_sections(user))
