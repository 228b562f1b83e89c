"""/healthz: for load balancers and monitors; open to anyone, so it tells nothing about cases."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from conference.operations.health import check_health

bp = Blueprint("operations", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 while this node can serve (database answers, migrated to head); 503 otherwise."""
    health = check_health(current_app.extensions["migrate"].directory)
    response = jsonify(health.as_dict())
    response.status_code = 200 if health.serving else 503
    response.headers["Cache-Control"] = "no-store"
    return response
