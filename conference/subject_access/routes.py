"""Subject access: the coordinator's search, the pack on screen (printable) and as a file.

Names and dates of birth travel only in a post; the pack's address names the chosen records
by part and id. Every search, view and download is in the audit trail, by reference.
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_required

from conference import audit
from conference.accounts.models import Role
from conference.accounts.permissions import marac_ids_with
from conference.db import utcnow
from conference.subject_access import queries
from conference.subject_access.forms import SearchForm
from conference.web.auth import current_actor, require

bp = Blueprint("subject_access", __name__, url_prefix="/subject-access")


def _marac_ids() -> set[int]:
    """The MARACs the user coordinates; anyone who coordinates none is refused."""
    ids = set(marac_ids_with(current_actor(), Role.COORDINATOR))
    require(bool(ids))
    return ids


@bp.route("/", methods=["GET", "POST"])
@login_required
def search() -> ResponseReturnValue:
    """Search by name and date of birth; then choose the records that are the person."""
    marac_ids = _marac_ids()
    form = SearchForm()
    if request.method == "GET":
        return render_template(
            "subject_access/search.html",
            form=form,
            candidates=None,
            maracs=queries.marac_names(marac_ids),
        )
    if not form.validate():
        return render_template(
            "subject_access/search.html",
            form=form,
            candidates=None,
            maracs=queries.marac_names(marac_ids),
        ), 422
    assert form.dob.data is not None
    candidates = queries.search(form.name.data or "", form.dob.data, marac_ids)
    choice_error = None
    if "choose" in request.form:
        chosen = [k for k in request.form.getlist("subject") if k]
        offered = {c.key for c in candidates}
        if chosen and set(chosen) <= offered and queries.parse_keys(chosen):
            return redirect(url_for("subject_access.pack", subject=chosen), 303)
        choice_error = "Choose at least one record that is this person"
    now = utcnow()
    for marac_id in sorted(marac_ids):
        audit.record(
            current_actor(),
            "subject_access.searched",
            marac_id=marac_id,
            now=now,
            detail={"page": "subject_access", "results": len(candidates)},
        )
    return render_template(
        "subject_access/search.html",
        form=form,
        candidates=candidates,
        chosen=set(request.form.getlist("subject")),
        choice_error=choice_error,
        maracs=queries.marac_names(marac_ids),
    ), (422 if choice_error else 200)


def _pack(verb: str) -> queries.Pack:
    marac_ids = _marac_ids()
    pairs = queries.parse_keys(request.args.getlist("subject"))
    require(pairs is not None, hide=True)
    assert pairs is not None
    found = queries.chosen(pairs, marac_ids)
    require(found is not None, hide=True)
    assert found is not None
    pack = queries.build(found)
    now = utcnow()
    # One event per case or lone referral, by reference: no name or date of birth in it.
    for case_pack in pack.cases:
        audit.record(
            current_actor(),
            verb,
            case_pack.case or case_pack.referral,
            now=now,
            detail={"page": "subject_access_pack", "part": case_pack.part.value},
        )
    return pack


@bp.get("/pack")
@login_required
def pack() -> ResponseReturnValue:
    """Everything held about the person chosen, other people by role only; printable."""
    if not request.args.getlist("subject"):
        _marac_ids()
        return redirect(url_for("subject_access.search"), 303)
    found = _pack("subject_access.pack_viewed")
    return render_template(
        "subject_access/pack.html", pack=found, subjects=found.keys, produced_at=utcnow()
    )


@bp.get("/pack/download")
@login_required
def download() -> ResponseReturnValue:
    """The same pack as a file of its own (a web page that opens without the app)."""
    if not request.args.getlist("subject"):
        _marac_ids()
        return redirect(url_for("subject_access.search"), 303)
    found = _pack("subject_access.pack_downloaded")
    now = utcnow()
    body = render_template("subject_access/pack_file.html", pack=found, produced_at=now)
    return Response(
        body,
        mimetype="text/html",
        headers={
            "Content-Disposition": (
                f'attachment; filename="subject-access-pack-{now:%Y%m%d-%H%M}.html"'
            ),
            "Cache-Control": "no-store",
        },
    )
