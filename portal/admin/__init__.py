"""Staff blueprint (``/admin``). Every view needs a signed-in staff member (the guard below);
views add ``@permission_required`` for their area."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from portal.auth import is_staff

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Endpoints reachable without a staff session.
PUBLIC_ENDPOINTS = {"admin.login", "admin.reset_password", "admin.reset_password_token"}


@bp.before_request
def require_staff() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS or is_staff():
        return None
    return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))


from portal.admin import views  # noqa: E402,F401
