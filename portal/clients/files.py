"""The portal's Documents page: the files and links staff marked "visible to contacts" on the
contact's own customer, and the files' downloads. The whole area needs the ``documents``
permission and answers 404 without it, as it does for another customer's or a hidden file
(:func:`portal.services.customers.files.visible_to`), so guessing ids reveals nothing."""

from __future__ import annotations

from flask import abort, render_template, send_file
from flask.typing import ResponseReturnValue

from portal.clients import area_required, bp, current_contact
from portal.extensions import db
from portal.models import CustomerFile
from portal.services.customers import files
from portal.services.tickets import attachments
from portal.web.pages import page_number

PER_PAGE = 50


@bp.get("/documents")
@area_required("documents", refusal=404)
def documents() -> ResponseReturnValue:
    stmt = files.visible_to(current_contact()).order_by(
        CustomerFile.created_at.desc(), CustomerFile.id.desc()
    )
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("clients/files/list.html", page=page)


@bp.get("/documents/<int:id>/download")
@area_required("documents", refusal=404)
def document_download(id: int) -> ResponseReturnValue:
    item = files.for_contact(id, current_contact())
    if item is None or item.stored_name is None:
        abort(404)
    return send_file(
        attachments.path_of(item.stored_name),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_name or "file",
        max_age=0,
    )
