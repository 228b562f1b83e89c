"""/healthz: for load balancers and monitors; open to anyone, so it tells nothing about cases.
/marking.css: the install's protective marking at the top and foot of every printed sheet."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue

from conference.operations.health import check_health

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while this node can serve (database answers, migrated to head); 503 otherwise."""
    health = check_health(current_app.extensions["migrations_directory"])
    response = jsonify(health.as_dict())
    response.status_code = 200 if health.serving else 503
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/marking.css")
def marking_css() -> ResponseReturnValue:
    """The protective marking in the margin of every printed page, top and foot, with the page
    number: in the margin, it can never cover what the page prints. Public like any stylesheet:
    it holds only the install's marking."""
    text = json.dumps(current_app.config["PROTECTIVE_MARKING"], ensure_ascii=False)  # CSS string
    css = (
        "@media print {\n"
        "  @page {\n"
        f"    @top-center {{ content: {text}; font: bold 11pt arial, sans-serif; }}\n"
        f"    @bottom-center {{ content: {text}; font: bold 11pt arial, sans-serif; }}\n"
        '    @bottom-right { content: "Page " counter(page) " of " counter(pages);'
        " font: 9pt arial, sans-serif; }\n"
        "  }\n"
        "}\n"
    )
    return Response(css, mimetype="text/css")
