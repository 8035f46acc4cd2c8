"""Integration API blueprint (``/api/v1``): JSON only, bearer tokens, no cookies, no CSRF."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from portal.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.get("/health")
def health() -> ResponseReturnValue:
    return jsonify({"status": "ok"})
