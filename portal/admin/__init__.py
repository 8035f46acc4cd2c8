"""Staff blueprint (``/admin``).

Authorization has three layers: this blueprint's guard (a signed-in, active staff member whose
device session is still active - checked by the user loader on every request - and, when an
Administrator requires it, two-factor sign-in set up); ``@permission_required`` (or
``@staff_required`` for the few pages every member may open) on every view; and the scoped
queries of :mod:`portal.services.access.staff` for ``view_own``.
``tests/admin/test_access.py`` walks ``url_map`` and fails on any admin view without one of
the two decorators.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth import is_staff

bp = Blueprint("admin", __name__, url_prefix="/admin")

#: Endpoints reachable without a staff session.
PUBLIC_ENDPOINTS = {
    "admin.activities_feed",
    "admin.login",
    "admin.login_two_factor",
    "admin.reset_password",
    "admin.reset_password_token",
}
#: Endpoints a member without two-factor sign-in may still use when it is required.
TWO_FACTOR_SETUP_ENDPOINTS = {"admin.two_factor", "admin.logout"}


@bp.before_request
def require_staff() -> Response | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not is_staff():
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    if request.endpoint not in TWO_FACTOR_SETUP_ENDPOINTS and not current_user.totp_secret:
        from portal.services.platform import settings

        if settings.get("require_staff_2fa"):
            flash(_("Set up two-factor sign-in to continue."), "error")
            return redirect(url_for("admin.two_factor"))
    return None


from portal.admin import (  # noqa: E402,F401
    account,
    activities,
    api_tokens,
    classifications,
    contacts_list,
    customer_admins,
    customer_files,
    customer_import,
    customer_parts,
    customer_welcome,
    customers,
    dashboard,
    document_links,
    document_picker,
    estimates,
    finance_queue,
    helpers,
    invoices,
    outbox,
    reference,
    registrations,
    registry,
    reports,
    sessions,
    settings_views,
    staff,
    tickets,
    view_as,
)
