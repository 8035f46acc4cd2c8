"""Contact blueprint (``/clients``). Every view needs a signed-in contact (the guard below);
records are looked up scoped to the contact's customer, so another customer's id is a 404."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from portal.auth import is_contact

bp = Blueprint("clients", __name__, url_prefix="/clients")

PUBLIC_ENDPOINTS = {
    "clients.login",
    "clients.register",
    "clients.reset_password",
    "clients.reset_password_token",
    "clients.set_password",
}


@bp.before_request
def require_contact() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS or is_contact():
        return None
    return redirect(url_for("clients.login", next=request.full_path.rstrip("?")))


from portal.clients import views  # noqa: E402,F401
