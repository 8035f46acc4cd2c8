"""Small helpers shared by the admin views: the signed-in member, paging links, permission
checks and the navigation in templates."""

from __future__ import annotations

from typing import Any

from flask import g, request, url_for
from flask_login import current_user
from markupsafe import Markup

from portal.admin import bp
from portal.models import Staff
from portal.models.permissions import check
from portal.web import fragments

PER_PAGE = 25


def current_staff() -> Staff:
    """The signed-in staff member (the object behind ``current_user``)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


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
