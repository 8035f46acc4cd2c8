"""Small helpers shared by the admin views: form errors from services, paging links."""

from __future__ import annotations

from typing import Any

from flask import flash, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from portal.admin import bp
from portal.services.errors import DomainError

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
    """In templates: ``{% if can("staff.edit") %}`` for the signed-in staff member."""
    has = getattr(current_user, "has_permission", None)
    return bool(has) and any(has(n) for n in names)
