"""Contacts across customers: the list filtered by keyword, name or email (paged; ``view_own``
staff see only their customers' contacts) and its CSV export for a mailing tool."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.i18n import file_name
from portal.services.customers import keywords
from portal.web.pages import page_number

PAGE_SIZE = 50


def _filter_from_args() -> keywords.ContactFilter:
    status = request.args.get("status", "active")
    return keywords.ContactFilter(
        q=(request.args.get("q") or "").strip()[:200],
        keyword=(request.args.get("keyword") or "").strip()[: keywords.MAX_LENGTH],
        active={"active": True, "inactive": False}.get(status),
    )


@bp.get("/contacts")
@permission_required("customers.view", "customers.view_own")
def contact_directory() -> ResponseReturnValue:
    flt = _filter_from_args()
    page = keywords.contact_page(current_staff(), flt, page_number(), PAGE_SIZE)
    return render_template(
        "admin/contacts/list.html",
        page=page,
        flt=flt,
        status=request.args.get("status", "active"),
        suggestions=keywords.suggestions(),
    )


@bp.get("/contacts/export.csv")
@permission_required("customers.view", "customers.view_own")
def contact_directory_export() -> ResponseReturnValue:
    staff, flt = current_staff(), _filter_from_args()

    def lines() -> Iterator[str]:
        # The query runs inside the stream: a server-side cursor (PostgreSQL) must not outlive
        # the view's transaction, as it would if the rows were read before the response.
        yield from keywords.export_csv(keywords.export_rows(staff, flt))

    filename = file_name(_("Contacts"), date.today().isoformat(), extension="csv")
    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
