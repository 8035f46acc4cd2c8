"""Integration API blueprint (``/api/v1``): JSON only, bearer tokens, no cookies, no CSRF.

Authorization: the blueprint guard admits a request only with ``Authorization: Bearer
<token>`` naming an active token (401 otherwise; a token in the query string or a session
cookie counts for nothing) whose scopes cover the operation (``read`` for GET, ``write`` for
the rest; 403 otherwise). Requests are rate limited per token (``PORTAL_API_RATELIMIT``).
The operations live in the resource modules imported at the bottom (see :mod:`.core`).
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_limiter.util import get_remote_address
from werkzeug.exceptions import HTTPException

from portal.extensions import csrf, db, limiter
from portal.models.database import begin_write
from portal.services.integration import api_tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

#: Endpoints that need no token.
PUBLIC_ENDPOINTS = {"api.health", "api.openapi"}
DEFAULT_RATELIMIT = "600/minute"


def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value:
        return None
    return value


def rate_limit_key() -> str:
    """One bucket per token (its hash identifies it without a query); per address without."""
    raw = bearer_token()
    if raw is None:
        return "addr:" + get_remote_address()
    return "token:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATELIMIT") or DEFAULT_RATELIMIT)


limiter.shared_limit(_rate_limit, scope="api", key_func=rate_limit_key)(bp)


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    from portal.api.core import OPERATIONS, error_response

    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    raw = bearer_token()
    token = api_tokens.find_active(raw) if raw else None
    if token is None:
        response = error_response(
            401, "unauthorized", "Send a valid API token: Authorization: Bearer <token>."
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    op = OPERATIONS.get(request.endpoint or "")
    scope = op.scope if op is not None else ("read" if request.method == "GET" else "write")
    if scope not in token.scope_set:
        return error_response(403, "forbidden", f"This token does not have the {scope!r} scope.")
    if api_tokens.needs_touch(token):
        _touch(token.id)
    g.api_token = token
    return None


def _touch(token_id: int) -> None:
    """Writes ``last_used_at`` in a short transaction of its own (at most once a minute)."""
    db.session.rollback()
    begin_write()
    api_tokens.touch(token_id)
    db.session.commit()
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        begin_write()


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> ResponseReturnValue:
    from portal.api.core import error_response

    code = exc.code or 500
    name = exc.name.lower().replace(" ", "_")
    return error_response(code, name, exc.description or exc.name)


@bp.get("/health")
def health() -> ResponseReturnValue:
    from flask import jsonify

    return jsonify({"status": "ok"})


from portal.api import (  # noqa: E402,F401
    activities,
    customers,
    documents,
    finance,
    openapi,
    registry,
    sync,
    tickets,
    webhooks,
)
