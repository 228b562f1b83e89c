"""Signing in and out, the second factor, and the user's own account."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_htmx import make_response
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from conference.accounts import services
from conference.accounts import two_factor as totp
from conference.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    NewPasswordForm,
    SignInForm,
)
from conference.accounts.models import User
from conference.db import utcnow
from conference.extensions import db, htmx, login_manager
from conference.web.auth import current_actor
from conference.web.redirects import same_site_path
from conference.web.sessions import current_session
from conference.web.unit import on_refusal, refusal_beside

bp = Blueprint("accounts", __name__)

SIGN_IN_REFUSED = (
    "Enter a correct email address and password. After 5 failed attempts in a row an account is "
    "locked for 15 minutes."
)
#: How long someone who passed the password step has to enter their code.
PENDING_SECOND_FACTOR = timedelta(minutes=5)
#: Endpoints open to a user who must still set up their compulsory second factor.
ENROLMENT_ENDPOINTS = {"accounts.two_factor", "accounts.sign_out", "static"}


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    # Its roles in the same statement: every request, polls included, reads them.
    user = db.session.get(User, int(user_id), options=[joinedload(User.role_grants)])
    return user if user is not None and user.is_active_account else None


@login_manager.unauthorized_handler
def unauthorized() -> Response:
    """Send the browser to sign in; an htmx request needs a full-page redirect."""
    target = url_for("accounts.sign_in", next=same_site_path(request.full_path))
    if htmx:
        return make_response("", 401, redirect=target)
    flash("Sign in to continue.", "info")
    return redirect(target, 303)


@bp.before_app_request
def enforce_compulsory_two_factor() -> Response | None:
    """Keep users whose MARAC demands a second factor on the enrolment page until they have one."""
    if (
        current_user.is_authenticated
        and request.endpoint not in ENROLMENT_ENDPOINTS
        and not current_user.has_two_factor
        and services.two_factor_required(current_user)
    ):
        return redirect(url_for("accounts.two_factor"), 303)
    return None


def _finish_sign_in(user: User) -> Response:
    session.pop("pending_user_id", None)
    session.pop("pending_since", None)
    current_session().regenerate()
    login_user(user)
    next_url = same_site_path(session.pop("next", None))
    if not user.has_two_factor and services.two_factor_required(user):
        return redirect(url_for("accounts.two_factor"), 303)
    return redirect(next_url or url_for("dashboard.index"), 303)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> ResponseReturnValue:
    """Ask for email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm()
    if request.method == "GET" and same_site_path(request.args.get("next")):
        session["next"] = same_site_path(request.args.get("next"))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/sign_in.html", form=form), status
    # A failed attempt is an answer, not a refusal: it is kept with the page, for the lockout.
    result = services.check_password_sign_in(form.email.data, form.password.data, now=utcnow())
    if result.outcome is services.SignIn.SUCCEEDED and result.user:
        return _finish_sign_in(result.user)
    if result.outcome is services.SignIn.NEEDS_SECOND_FACTOR and result.user:
        session["pending_user_id"] = result.user.id
        session["pending_since"] = utcnow().timestamp()
        return redirect(url_for("accounts.sign_in_code"), 303)
    if result.outcome is services.SignIn.RATE_LIMITED:
        form.email.errors = [_too_many("sign-ins")]
        return render_template("accounts/sign_in.html", form=form), 429
    form.password.errors = [SIGN_IN_REFUSED]
    return render_template("accounts/sign_in.html", form=form), 422


def _too_many(what: str) -> str:
    minutes = current_app.config["LOGIN_IP_WINDOW_MINUTES"]
    return f"Too many failed {what} from your network. Wait {minutes} minutes, then try again."


def _pending_user() -> User | None:
    user_id, since = session.get("pending_user_id"), session.get("pending_since")
    if user_id is None or since is None:
        return None
    if utcnow().timestamp() - since > PENDING_SECOND_FACTOR.total_seconds():
        return None
    return db.session.get(User, user_id)


@bp.route("/sign-in/code", methods=["GET", "POST"])
def sign_in_code() -> ResponseReturnValue:
    """Ask for the second factor after a correct password."""
    user = _pending_user()
    if user is None:
        flash("Sign in again: the time to enter a code ran out.", "info")
        return redirect(url_for(".sign_in"), 303)
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("accounts/sign_in_code.html", form=form), status
    result = services.check_second_factor(user, form.code.data, now=utcnow())
    if result.outcome is services.SignIn.SUCCEEDED:
        return _finish_sign_in(user)
    if result.outcome is services.SignIn.RATE_LIMITED:
        form.code.errors = [_too_many("attempts")]
        return render_template("accounts/sign_in_code.html", form=form), 429
    form.code.errors = ["Enter the current code from your authenticator app (each code works once)"]
    return render_template("accounts/sign_in_code.html", form=form), 422


@bp.post("/sign-out")
def sign_out() -> Response:
    """End the session on the server and clear what the browser kept."""
    if current_user.is_authenticated:
        services.record_sign_out(current_actor(), now=utcnow())
    logout_user()
    current_session().destroy()
    flash("You have signed out.", "success")
    response = redirect(url_for(".sign_in"), 303)
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/account")
@login_required
def account() -> str:
    """The user's own details, roles and security settings."""
    user = current_actor()
    return render_template(
        "accounts/account.html",
        user=user,
        two_factor_required=services.two_factor_required(user),
        disable_form=ConfirmPasswordForm(),
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> Response | tuple[str, int]:
    """Change the user's own password; other sessions are signed out."""
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _password_page(form, 422 if form.is_submitted() else 200)
    on_refusal(refusal_beside(form, "password", lambda status: _password_page(form, status)))
    confirmed = services.change_password(
        current_actor(),
        current=form.current_password.data,
        new=form.password.data,
        now=utcnow(),
        keep_session=current_session().id_hash,
    )
    if confirmed is not services.Reauth.CONFIRMED:  # audited and counted, kept with this answer
        form.current_password.errors = [_reauth_refused(confirmed)]
        return _password_page(form, _reauth_status(confirmed))
    flash("Your password has been changed. Any other sessions were signed out.", "success")
    return redirect(url_for(".account"), 303)


def _reauth_refused(
    outcome: services.Reauth, wrong: str = "Your current password is not correct"
) -> str:
    if outcome is services.Reauth.THROTTLED:
        minutes = current_app.config["LOGIN_LOCKOUT_MINUTES"]
        return (
            "Too many wrong passwords. For your safety, wait "
            f"{minutes} minutes, then enter your current password again."
        )
    return wrong


def _reauth_status(outcome: services.Reauth) -> int:
    return 429 if outcome is services.Reauth.THROTTLED else 422


def _password_page(form: ChangePasswordForm, status: int) -> tuple[str, int]:
    return render_template("accounts/change_password.html", form=form), status


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    """Sign out every other browser where this user is signed in."""
    ended = services.end_other_sessions(
        current_actor(), keep_id_hash=current_session().id_hash, now=utcnow()
    )
    flash(f"Signed out of {ended} other session{'s' if ended != 1 else ''}.", "success")
    return redirect(url_for(".account"), 303)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor() -> ResponseReturnValue:
    """Enrol an authenticator app: scan the code (or type the key), then confirm with a code."""
    user = current_actor()
    if user.has_two_factor:
        return redirect(url_for(".account"))
    secret = _pending_totp_secret()
    form = CodeForm()
    if form.validate_on_submit():
        if services.enable_two_factor(user, secret, form.code.data, now=utcnow()):
            session.pop("pending_totp_secret", None)
            flash(
                "Two-step verification is on. You will need your app each time you sign in.",
                "success",
            )
            return redirect(url_for("dashboard.index"), 303)
        # The failed code is audited, and kept with this answer.
        form.code.errors = ["That code does not match. Enter the code the app shows now"]
    uri = totp.provisioning_uri(secret, email=user.email, issuer=current_app.config["TOTP_ISSUER"])
    status = 422 if form.is_submitted() else 200
    return render_template(
        "accounts/two_factor.html",
        form=form,
        qr=totp.qr_svg(uri),
        secret=totp.format_secret(secret),
        compulsory=services.two_factor_required(user),
    ), status


def _pending_totp_secret() -> str:
    """The secret being enrolled, kept encrypted in the server-side session until confirmed."""
    sealed = session.get("pending_totp_secret")
    try:
        return totp.unseal(sealed) if sealed else _new_pending_totp_secret()
    except totp.UnreadableSecret:
        return _new_pending_totp_secret()


def _new_pending_totp_secret() -> str:
    secret = totp.new_secret()
    session["pending_totp_secret"] = totp.seal(secret)
    return secret


@bp.post("/account/two-factor/disable")
@login_required
def disable_two_factor() -> ResponseReturnValue:
    """Turn the second factor off, after the password, where no MARAC demands it."""
    user = current_actor()
    form = ConfirmPasswordForm()
    if services.two_factor_required(user):
        flash(
            "Your role, or a MARAC you work in, requires two-step verification, so it cannot be "
            "turned off.",
            "error",
        )
        return redirect(url_for(".account"), 303)
    status = 422
    if form.validate_on_submit():
        confirmed = services.confirm_password(
            user, form.password.data, purpose="disable_two_factor", now=utcnow()
        )
        if confirmed is services.Reauth.CONFIRMED:
            services.disable_two_factor(user, actor=user, now=utcnow())
            flash("Two-step verification is off.", "success")
            return redirect(url_for(".account"), 303)
        # Audited and counted, and kept with this answer.
        form.password.errors = [_reauth_refused(confirmed, "Your password is not correct")]
        status = _reauth_status(confirmed)
    return render_template(
        "accounts/account.html", user=user, two_factor_required=False, disable_form=form
    ), status


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    """Set a password through a one-time link an administrator issued."""
    link = services.find_password_link(token, now=utcnow())
    if link is None:
        return render_template("accounts/link_expired.html"), 404
    form = NewPasswordForm()

    def page(status: int) -> tuple[str, int]:
        return render_template("accounts/set_password.html", form=form, user=link.user), status

    if not form.validate_on_submit():
        return page(422 if form.is_submitted() else 200)
    on_refusal(refusal_beside(form, "password", page))
    services.use_password_link(link, form.password.data, now=utcnow())
    if current_user.is_authenticated:
        logout_user()
    current_session().destroy()
    flash("Your password is set. Sign in with it now.", "success")
    return redirect(url_for(".sign_in"), 303)
