"""The audit log viewer: read-only. No route edits or deletes an audit event."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from conference import audit
from conference.accounts import permissions
from conference.accounts.models import Marac, User
from conference.accounts.queries import users_with_roles_in
from conference.accounts.services import find_user_by_email
from conference.audit import queries
from conference.audit.forms import AuditFilterForm
from conference.audit.words import describe_detail, describe_object, describe_verb
from conference.extensions import db
from conference.web.auth import current_actor, requires

bp = Blueprint("audit", __name__, url_prefix="/audit")


def scope_for(user: User) -> queries.AuditScope:
    """Administrators read the whole trail; coordinators their MARACs' and their staff's."""
    marac_ids = permissions.audit_marac_ids(user)
    if marac_ids is None:
        return queries.AuditScope.everything()
    return queries.AuditScope(marac_ids, staff=users_with_roles_in(marac_ids))


@bp.get("/")
@requires(permissions.can_view_audit)
def index() -> tuple[str, int]:
    """Search the audit trail within what the reader may see."""
    actor = current_actor()
    scope = scope_for(actor)
    form = AuditFilterForm(request.args)
    verbs = sorted(queries.known_verbs(scope), key=describe_verb)
    form.verb.choices = [("", "Any")] + [(v, describe_verb(v)) for v in verbs]
    types = sorted(queries.known_object_types(scope), key=describe_object)
    form.object_type.choices = [("", "Any")] + [(t, describe_object(t)) for t in types]
    valid = form.validate() if request.args else True
    user_id = None
    if valid and form.user_email.data:
        user = find_user_by_email(form.user_email.data)
        if user is None:
            form.user_email.errors = ["No user has this email address"]
            valid = False
        else:
            user_id = user.id
    filters = (
        queries.AuditFilters(
            verb=form.verb.data or None,
            user_id=user_id,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data,
            ip=form.ip.data or None,
            on_or_after=form.on_or_after.data,
            on_or_before=form.on_or_before.data,
        )
        if valid
        else queries.AuditFilters()
    )
    page = queries.search(
        filters,
        scope=scope,
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=current_app.config["AUDIT_PAGE_SIZE"],
    )
    audit.record(actor, "audit.searched", detail={"filters": filters.used(), "page": page.page})
    marac_names = {m.id: m.name for m in db.session.scalars(db.select(Marac))}
    dated = ("on_or_after", "on_or_before")
    args = {k: v for k, v in request.args.items() if k not in ("page", *dated) and v}
    if valid:
        args.update(form.links())
    return render_template(
        "audit/index.html",
        form=form,
        page=page,
        marac_names=marac_names,
        args=args,
        describe_verb=describe_verb,
        describe_detail=describe_detail,
        describe_object=describe_object,
    ), (200 if valid else 422)
