"""The referrals blueprint: the referral form, the screening queue and the case record."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__)

from conference.referrals.routes import cases, form, screening  # noqa: E402, F401
