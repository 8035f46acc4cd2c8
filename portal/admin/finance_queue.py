"""The finance queue as staff see it: issued invoices and credit notes, filtered by whether a
finance system has processed them, and "return to the queue" to undo a wrong "processed"
(audited like every change of an invoice)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from portal.admin import bp
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.models import Invoice
from portal.services.access.staff import get_scoped_or_404, scope_query
from portal.services.integration import finance
from portal.web.forms import EmptyForm
from portal.web.pages import page_number

#: The filter's values: not processed (the queue, the default), processed, all.
FILTERS = {"no": False, "yes": True, "all": None}


@bp.get("/invoices/queue")
@permission_required("invoices.view", "invoices.view_own")
def finance_queue() -> ResponseReturnValue:
    processed = request.args.get("processed", "no")
    if processed not in FILTERS:
        processed = "no"
    stmt = scope_query(
        finance.processed_filter(FILTERS[processed]), current_staff(), "invoices", Invoice
    )
    order = (
        (Invoice.processed_at.desc(), Invoice.id.desc())
        if processed == "yes"
        else finance.UNPROCESSED_ORDER
    )
    stmt = stmt.options(joinedload(Invoice.customer)).order_by(*order)
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/finance_queue.html", page=page, processed=processed, action_form=EmptyForm()
    )


@bp.post("/invoices/<int:invoice_id>/return-to-queue")
@permission_required("invoices.edit")
def finance_queue_return(invoice_id: int) -> ResponseReturnValue:
    invoice = get_scoped_or_404(Invoice, invoice_id, current_staff(), "invoices")
    if EmptyForm().validate_on_submit():
        if finance.return_to_queue(invoice):
            flash(
                _("%(number)s is in the finance queue again.", number=invoice.number),
                "success",
            )
        else:
            flash(_("This invoice was not processed."), "error")
    return redirect(url_for(".finance_queue", processed=request.args.get("processed") or None))
