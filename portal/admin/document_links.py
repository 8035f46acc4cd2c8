"""The links sent for a document (shown on the invoice and estimate pages) and revoking one:
a POST with a confirmation, for staff who may edit that kind of document and see its customer;
audited through the link row (:mod:`portal.services.billing.document_links`)."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.models import Estimate, Invoice
from portal.services.access.staff import get_scoped_or_404
from portal.services.billing import document_links
from portal.services.errors import NotFound
from portal.web.forms import EmptyForm


def _revoke(document: Invoice | Estimate, link_id: int) -> None:
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        link = document_links.link_of(document, link_id)
    except NotFound:
        abort(404)
    document_links.revoke(link, current_staff())
    flash(_("The link to %(email)s no longer works.", email=link.recipient_email), "success")


@bp.post("/invoices/<int:invoice_id>/links/<int:link_id>/revoke")
@permission_required("invoices.edit")
def invoice_link_revoke(invoice_id: int, link_id: int) -> ResponseReturnValue:
    _revoke(get_scoped_or_404(Invoice, invoice_id, current_staff(), "invoices"), link_id)
    return redirect(url_for(".invoice_detail", invoice_id=invoice_id))


@bp.post("/estimates/<int:estimate_id>/links/<int:link_id>/revoke")
@permission_required("estimates.edit")
def estimate_link_revoke(estimate_id: int, link_id: int) -> ResponseReturnValue:
    _revoke(get_scoped_or_404(Estimate, estimate_id, current_staff(), "estimates"), link_id)
    return redirect(url_for(".estimate_detail", estimate_id=estimate_id))
