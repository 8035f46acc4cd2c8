"""Small helpers shared by the admin views: form errors from services, paging links."""

from __future__ import annotations

from typing import Any

from flask import flash, g, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from portal.admin import bp
from portal.services.errors import DomainError
from portal.services.identity.permissions import check
from portal.web import fragments

PER_PAGE = 25


def show_errors(form: FlaskForm, exc: DomainError) -> None:
    """Puts a service's field errors next to the form's fields; anything else is flashed."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*list(field.errors or []), message]
    if not exc.fields:
        flash(exc.message, "error")


def page_number() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


@bp.app_template_global()
def page_url(page: int) -> str:
    """The current page's URL with ``page`` replaced (filters are kept)."""
    args: dict[str, Any] = request.args.to_dict()
    args["page"] = page
    return url_for(request.endpoint or "admin.index", **(request.view_args or {}), **args)


@bp.app_template_global()
def can(*names: str) -> bool:
    """In templates: ``{% if can("staff.edit") %}`` for the signed-in staff member (the
    permission set is looked up once per request; unknown names still raise)."""
    granted = g.get("_staff_permissions")
    if granted is None:
        has = getattr(current_user, "has_permission", None)
        granted = current_user.role.permissions if has is not None else frozenset()
        g._staff_permissions = granted
    return any(check(n) in granted for n in names)


_PLAIN_URLS: dict[tuple[str, str], str] = {}


@bp.app_template_global()
def plain_url(endpoint: str) -> str:
    """``url_for(endpoint)`` for an endpoint without arguments, built once per script root
    (the navigation asks for the same fifteen links on every page)."""
    key = (request.script_root, endpoint)
    url = _PLAIN_URLS.get(key)
    if url is None:
        url = _PLAIN_URLS[key] = url_for(endpoint)
    return url


@bp.app_template_global()
def admin_nav_links() -> Markup:
    """The navigation links for the signed-in member on this page (rendered once per
    permission set, language and page)."""
    can("staff.view")  # fills g._staff_permissions
    return fragments.navigation("admin/_nav_links.html", g.get("_staff_permissions"))
