"""Contact blueprint (``/clients``).

Authorization has three layers, as on the admin side:

1. this blueprint's guard: every page needs a signed-in, active contact of an active customer
   (the user loader checks the device session on every request), except the public sign-in
   pages. A staff session is not a contact session - it is sent to the portal login - unless it
   carries a valid "view as contact" marker (see :mod:`portal.services.identity.view_as`); such a
   session is read-only: any request but GET/HEAD answers 403, except leaving that mode;
2. ``@area_required("invoices")`` (or ``@contact_required``) on every view: an area the contact
   may not use answers 403 and is absent from the navigation;
3. the scoped look-ups of :mod:`portal.services.access.contacts`: another customer's record is 404.

``tests/clients/test_access.py`` walks ``url_map`` and fails on a view without layer 2.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, abort, g, redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from portal.auth import is_contact, is_staff
from portal.i18n import LANGUAGES, locale_of
from portal.models import CONTACT_PERMISSIONS, Contact
from portal.web import fragments

bp = Blueprint("clients", __name__, url_prefix="/clients")

F = TypeVar("F", bound=Callable[..., Any])

#: Endpoints reachable without a contact session.
PUBLIC_ENDPOINTS = {
    "clients.login",
    "clients.login_two_factor",
    "clients.register",
    "clients.reset_password",
    "clients.reset_password_token",
    "clients.set_password",
    "clients.language",
    "clients.logo",
}
#: The one state-changing endpoint a read-only "view as contact" session may use.
VIEW_AS_EXIT = "clients.view_as_end"
#: The session key holding an anonymous visitor's language choice.
LOCALE_KEY = "portal_locale"


def current_contact() -> Contact:
    """The contact whose portal this request shows: the signed-in contact, or the contact a
    staff member views the portal as."""
    contact = g.get("portal_contact")
    if contact is None:
        abort(404)
    return contact  # type: ignore[no-any-return]


def viewing_as() -> bool:
    return bool(g.get("view_as"))


def _view_as_contact() -> Contact | None:
    from portal.services.identity import view_as

    marker = session.get(view_as.SESSION_KEY)
    if marker is None:
        return None
    contact = view_as.resolve(current_user._get_current_object(), marker)
    if contact is None:
        session.pop(view_as.SESSION_KEY, None)
    return contact


def _use_locale(locale: str) -> None:
    g.locale = locale
    refresh()


@bp.before_request
def require_contact() -> Response | None:
    g.portal_contact = None
    g.view_as = False
    if is_contact():
        g.portal_contact = current_user._get_current_object()
        return None
    if is_staff() and request.endpoint != "clients.logo":
        contact = _view_as_contact()
        if contact is not None:
            g.portal_contact, g.view_as = contact, True
            _use_locale(locale_of(contact))
            if request.method not in ("GET", "HEAD") and request.endpoint != VIEW_AS_EXIT:
                abort(403)
            return None
    chosen = session.get(LOCALE_KEY)
    if chosen in LANGUAGES:
        _use_locale(chosen)
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return redirect(url_for("clients.login", next=request.full_path.rstrip("?")))


def contact_required(view: F) -> F:
    """For pages every contact may open (dashboard, profile): marks the view as deliberately
    open to all contacts, so the test walking ``url_map`` can tell it from a forgotten check."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("portal_contact") is None:
            abort(403)
        return view(*args, **kwargs)

    wrapped.area = ()  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def area_required(area: str, *, refusal: int = 403) -> Callable[[F], F]:
    """Views of one portal area: 403 for a contact without that permission (``refusal``
    404 for an area that reveals nothing, the Documents page)."""
    if area not in CONTACT_PERMISSIONS:
        raise ValueError(f"unknown portal area {area!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            contact = g.get("portal_contact")
            if contact is None or not contact.may(area):
                abort(refusal)
            return view(*args, **kwargs)

        wrapped.area = (area,)  # type: ignore[attr-defined]
        wrapped.refusal = refusal  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


@bp.app_template_global()
def portal_may(area: str) -> bool:
    contact = g.get("portal_contact")
    return contact is not None and contact.may(area)


@bp.app_template_global()
def portal_nav_links() -> Markup:
    """The navigation links for the signed-in contact on this page (rendered once per
    permission set, language and page)."""
    contact = g.get("portal_contact")
    permissions = tuple(contact.permissions) if contact is not None else ()
    return fragments.navigation("clients/_nav_links.html", permissions)


@bp.context_processor
def _portal_globals() -> dict[str, Any]:
    from portal.services.platform import settings

    values = settings.get_all()
    return {
        "me": g.get("portal_contact"),
        "view_as": g.get("view_as", False),
        "company_name": values["company_name"],
        "has_logo": bool(values["logo_path"]),
    }


from portal.clients import (  # noqa: E402,F401
    account,
    dashboard,
    documents,
    files,
    payments,
    sessions,
    team,
    tickets,
)
