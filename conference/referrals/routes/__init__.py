"""The referrals blueprint: the referral form, the screening queue and the case record."""

from __future__ import annotations

from flask import Blueprint, abort

from conference.referrals import permissions, queries
from conference.referrals.models import Referral
from conference.web.auth import current_actor, require

bp = Blueprint("referrals", __name__)


def load_referral(referral_id: int) -> Referral:
    """The referral if the user may read it; 404 otherwise, so its existence stays hidden."""
    referral = queries.get_referral(referral_id)
    if referral is None:
        abort(404)
    require(permissions.can_view_referral(current_actor(), referral, referral.case), hide=True)
    return referral


from conference.referrals.routes import cases, form, perpetrators, screening  # noqa: E402, F401
