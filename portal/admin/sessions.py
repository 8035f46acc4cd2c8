"""Staff sign-in (password, then the second factor when set up), sign-out and password reset:
the shared flows of :mod:`portal.web.flows` for :data:`~portal.web.audiences.STAFF`.

Failed sign-ins are rate limited per account and per address (Flask-Limiter; only failures
count). Limits come from ``PORTAL_LOGIN_LIMIT_ACCOUNT`` / ``PORTAL_LOGIN_LIMIT_ADDRESS``.
"""

from __future__ import annotations

from flask.typing import ResponseReturnValue

from portal.admin import bp
from portal.auth import staff_required
from portal.web import flows
from portal.web.audiences import STAFF
from portal.web.limits import login_limited, reset_limited

_limited = login_limited(STAFF.limit_side, STAFF.pending_key)


@bp.route("/login", methods=["GET", "POST"])
@_limited
def login() -> ResponseReturnValue:
    return flows.sign_in(STAFF)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def login_two_factor() -> ResponseReturnValue:
    return flows.sign_in_second_step(STAFF)


@bp.post("/logout")
@staff_required
def logout() -> ResponseReturnValue:
    return flows.sign_out(STAFF)


@bp.route("/reset-password", methods=["GET", "POST"])
@reset_limited("admin")
def reset_password() -> ResponseReturnValue:
    return flows.request_reset(STAFF)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_token(token: str) -> ResponseReturnValue:
    return flows.set_password(STAFF, token, "reset")
