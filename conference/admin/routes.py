"""Administration pages: MARACs, agencies, users and the roles they hold.

Every page is for administrators only. Each change is saved whole when the page answers (the
request's unit of work); a rule the service enforces comes back as a message beside the field,
with nothing saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from conference.accounts import management, permissions, services
from conference.accounts.models import Agency, Marac, Role, RoleGrant, User
from conference.admin import queries
from conference.admin.forms import AgencyForm, ConfirmForm, GrantRoleForm, MaracForm, UserForm
from conference.db import utcnow
from conference.errors import ValidationFailed
from conference.extensions import db
from conference.web.auth import current_actor, requires
from conference.web.forms import FlaskForm, query_text, version_of
from conference.web.htmx import render
from conference.web.unit import Answer, on_refusal
from conference.web.urls import absolute_url

bp = Blueprint("admin", __name__, url_prefix="/admin")

admin_only = requires(permissions.can_manage_accounts)


def _form_page(
    template: str, form: FlaskForm, *, status: int | None = None, **context: Any
) -> ResponseReturnValue:
    """The form: 200 when first shown, 422 with the errors when what was sent was refused
    (or the status given, such as 409 for a save on an older copy)."""
    if status is None:
        status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def _refused(form: FlaskForm, page: Callable[..., ResponseReturnValue]) -> Answer:
    """The answer to a rule the service enforces, once the request's changes are undone: the
    message beside its field, or page(message) shows it at the top of the page. A save made
    on an older copy shows the other person's saved values above the form, which keeps the
    user's own (409), ready to save again on the current version."""

    def answer(refused: Exception) -> ResponseReturnValue:
        if isinstance(refused, management.SettingsConflict):
            current = refused.current
            db.session.refresh(current)
            theirs = _differences(form, current)
            form.version.data = str(current.version)
            return page(str(refused), theirs=theirs, status=409)
        if not isinstance(refused, ValidationFailed):
            raise refused  # the error page every other request gets
        field = getattr(form, refused.field, None) if refused.field else None
        if field is None:
            return page(str(refused))
        field.errors = [*field.errors, str(refused)]
        return page(None)

    return answer


def _differences(form: FlaskForm, current: object) -> list[tuple[str, str, str]]:
    """(label, their saved value, yours) for each field where the two differ."""
    found = []
    for name, yours in form.values().items():
        theirs = getattr(current, name, None)
        shown_theirs = "" if theirs is None else str(getattr(theirs, "value", theirs))
        shown_yours = "" if yours is None else str(getattr(yours, "value", yours))
        if shown_theirs != shown_yours:
            field = getattr(form, name, None) or getattr(form, name.removesuffix("_kinds"), None)
            label = field.label.text if field is not None else name.replace("_", " ")
            found.append((label, shown_theirs, shown_yours))
    return found


def _require_confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _shown(obj: object) -> object | None:
    """The object to fill a form from: on a post only what was sent counts, even if nothing."""
    return obj if request.method == "GET" else None


def _done(message: str, endpoint: str, **values: Any) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for(endpoint, **values), 303)


@bp.get("/")
@admin_only
def index() -> str:
    """Show what administrators look after, with counts."""
    return render_template("admin/index.html", counts=queries.counts())


# MARACs


@bp.get("/maracs")
@admin_only
def maracs() -> str:
    """List every MARAC of this install."""
    return render_template("admin/maracs.html", maracs=queries.all_maracs())


@bp.route("/maracs/new", methods=["GET", "POST"])
@admin_only
def new_marac() -> ResponseReturnValue:
    """Add a MARAC."""
    return _save_marac(MaracForm(), None)


@bp.route("/maracs/<int:marac_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_marac(marac_id: int) -> ResponseReturnValue:
    """Change a MARAC's name, code, time zone or settings."""
    marac = db.get_or_404(Marac, marac_id)
    form = MaracForm(obj=_shown(marac))
    if request.method == "GET":
        form.version.data = str(marac.version)
    return _save_marac(form, marac)


def _save_marac(form: MaracForm, marac: Marac | None) -> ResponseReturnValue:
    def page(
        problem: str | None = None, *, theirs: Any = None, status: int | None = None
    ) -> ResponseReturnValue:
        return _form_page(
            "admin/marac_form.html",
            form,
            marac=marac,
            problem=problem,
            theirs=theirs,
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    on_refusal(_refused(form, page))
    saved = management.save_marac(
        current_actor(), marac, now=utcnow(), version=version_of(form.version), **form.values()
    )
    verb = "added" if marac is None else "saved"
    return _done(f"{saved.name} {verb}.", ".maracs")


# Agencies


@bp.get("/agencies")
@admin_only
def agencies() -> str:
    """List every agency, with its type and the MARACs it sits on."""
    return render_template("admin/agencies.html", agencies=queries.all_agencies())


@bp.route("/agencies/new", methods=["GET", "POST"])
@admin_only
def new_agency() -> ResponseReturnValue:
    """Add an agency."""
    maracs = queries.all_maracs()
    return _save_agency(AgencyForm(maracs=maracs), None, maracs)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_agency(agency_id: int) -> ResponseReturnValue:
    """Change an agency's details or the MARACs it sits on."""
    agency = db.get_or_404(Agency, agency_id)
    maracs = queries.all_maracs()
    form = AgencyForm(obj=_shown(agency), marac_ids=[m.id for m in agency.maracs], maracs=maracs)
    if request.method == "GET":
        form.version.data = str(agency.version)
    return _save_agency(form, agency, maracs)


def _save_agency(
    form: AgencyForm, agency: Agency | None, maracs: list[Marac]
) -> ResponseReturnValue:
    def page(
        problem: str | None = None, *, theirs: Any = None, status: int | None = None
    ) -> ResponseReturnValue:
        return _form_page(
            "admin/agency_form.html",
            form,
            agency=agency,
            problem=problem,
            theirs=theirs,
            status=status,
        )

    if not form.validate_on_submit():
        return page()
    chosen = [m for m in maracs if m.id in set(form.marac_ids.data)]
    on_refusal(_refused(form, page))
    saved = management.save_agency(
        current_actor(),
        agency,
        maracs=chosen,
        now=utcnow(),
        version=version_of(form.version),
        **form.values(),
    )
    verb = "added" if agency is None else "saved"
    return _done(f"{saved.name} {verb}.", ".agencies")


# Users


@bp.get("/users")
@admin_only
def users() -> ResponseReturnValue:
    """List users, searching by name or email, one page at a time."""
    text, problem = query_text(request.args, "q", 254)
    results = queries.search_users(
        "" if problem else text,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["ADMIN_PAGE_SIZE"],
    )
    return render(
        "admin/users.html",
        "admin/_user_results.html",
        results=results,
        q=text.strip(),
        problem=problem,
        now=utcnow(),
        status=422 if problem else 200,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user() -> ResponseReturnValue:
    """Add a user; they get no role and no password until the administrator gives them."""
    form = UserForm(agencies=queries.agency_choices())

    def page(problem: str | None = None) -> ResponseReturnValue:
        return _form_page("admin/user_form.html", form, user=None, problem=problem)

    if not form.validate_on_submit():
        return page()
    on_refusal(_refused(form, page))
    user = management.save_user(current_actor(), None, now=utcnow(), **form.values())
    message = (
        f"{user.name} added. Now grant them a role, then issue a password-set link so "
        "they can sign in."
    )
    return _done(message, ".user_detail", user_id=user.id)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int) -> ResponseReturnValue:
    """Change a user's name, email address, job title or agency."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=_shown(user), agencies=queries.agency_choices(user.agency_id))

    def page(problem: str | None = None) -> ResponseReturnValue:
        return _form_page("admin/user_form.html", form, user=user, problem=problem)

    if not form.validate_on_submit():
        return page()
    on_refusal(_refused(form, page))
    management.save_user(current_actor(), user, now=utcnow(), **form.values())
    return _done(f"Details saved for {user.name}.", ".user_detail", user_id=user.id)


@bp.get("/users/<int:user_id>")
@admin_only
def user_detail(user_id: int) -> ResponseReturnValue:
    """Show a user's details, roles and account status, with what can be done about them."""
    return _user_page(db.get_or_404(User, user_id))


def _user_page(
    user: User, grant_form: GrantRoleForm | None = None, problem: str | None = None
) -> ResponseReturnValue:
    form = grant_form or GrantRoleForm(formdata=None, maracs=user.agency.maracs)
    failed = bool(problem or form.errors)
    return render_template(
        "admin/user.html",
        user=user,
        grant_form=form,
        problem=problem,
        now=utcnow(),
        is_self=user.id == current_actor().id,
    ), (422 if failed else 200)


@bp.post("/users/<int:user_id>/roles")
@admin_only
def grant_role(user_id: int) -> ResponseReturnValue:
    """Grant the user a role: in one MARAC, or install-wide for an administrator."""
    user = db.get_or_404(User, user_id)
    form = GrantRoleForm(maracs=user.agency.maracs)
    if not form.validate_on_submit():
        return _user_page(user, form, None)
    role = Role(form.role.data)
    marac = db.session.get(Marac, form.marac_id.data) if form.marac_id.data else None
    on_refusal(_refused(form, lambda problem: _user_page(user, form, problem)))
    management.grant_role(current_actor(), user, role, marac, now=utcnow())
    where = f" in {marac.name}" if marac and role is not Role.ADMIN else ""
    message = f"{user.name} now has the {role.label} role{where}."
    return _done(message, ".user_detail", user_id=user.id)


@bp.post("/users/<int:user_id>/roles/<int:grant_id>/revoke")
@admin_only
def revoke_role(user_id: int, grant_id: int) -> ResponseReturnValue:
    """Take a role away from the user."""
    grant = db.get_or_404(RoleGrant, grant_id)
    if grant.user_id != user_id:
        abort(404)
    _require_confirmed()
    user = grant.user
    what = f"the {grant.role.label} role" + (f" in {grant.marac.name}" if grant.marac else "")
    on_refusal(_refused(ConfirmForm(), lambda problem: _user_page(user, problem=problem)))
    management.revoke_role(current_actor(), grant, now=utcnow())
    return _done(f"{user.name} no longer has {what}.", ".user_detail", user_id=user.id)


@bp.post("/users/<int:user_id>/deactivate")
@admin_only
def deactivate_user(user_id: int) -> ResponseReturnValue:
    """Stop the user signing in, and sign them out everywhere."""
    return _set_active(db.get_or_404(User, user_id), False)


@bp.post("/users/<int:user_id>/reactivate")
@admin_only
def reactivate_user(user_id: int) -> ResponseReturnValue:
    """Let a deactivated user sign in again."""
    return _set_active(db.get_or_404(User, user_id), True)


def _set_active(user: User, active: bool) -> ResponseReturnValue:
    _require_confirmed()
    on_refusal(_refused(ConfirmForm(), lambda problem: _user_page(user, problem=problem)))
    management.set_user_active(current_actor(), user, active, now=utcnow())
    if active:
        message = f"{user.name} can sign in again."
    else:
        message = f"{user.name} is deactivated and has been signed out everywhere."
    return _done(message, ".user_detail", user_id=user.id)


@bp.post("/users/<int:user_id>/password-link")
@admin_only
def issue_password_link(user_id: int) -> ResponseReturnValue:
    """Issue a one-time link for the user to set a password, and show it this once."""
    user = db.get_or_404(User, user_id)
    _require_confirmed()
    now = utcnow()
    token = services.issue_password_link(user, actor=current_actor(), now=now)
    link = services.find_password_link(token, now=now)
    # Shown in this response only, never redirected through the session: the token is kept
    # nowhere but on this page (the database holds its hash).
    return render_template(
        "admin/password_link.html",
        user=user,
        url=absolute_url("accounts.set_password", token=token),
        expires_at=link.expires_at if link else None,
    )


@bp.post("/users/<int:user_id>/two-factor/reset")
@admin_only
def reset_two_factor(user_id: int) -> ResponseReturnValue:
    """Remove the user's authenticator app so they can set up a new one."""
    user = db.get_or_404(User, user_id)
    _require_confirmed()
    if not user.has_two_factor:
        flash(f"{user.name} does not use two-step verification: nothing to reset.", "info")
        return redirect(url_for(".user_detail", user_id=user.id), 303)
    services.disable_two_factor(user, actor=current_actor(), now=utcnow())
    message = f"Two-step verification is reset for {user.name}. They can set it up again."
    return _done(message, ".user_detail", user_id=user.id)
