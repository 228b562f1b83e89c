"""The meetings blueprint: opening a meeting, the chair's console and the follow view."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meetings", __name__)
