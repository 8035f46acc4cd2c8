"""The customer picker of "New invoice" and "New estimate", and "Change customer" on a draft.

A plain search-and-choose step that needs no JavaScript: a GET form with ``q``, the matching
customers (those the member may bill in the area) each with a "Choose" button. For a new
document the button opens the draft form for that customer; on a draft it is a POST (with the
form token) that moves the draft to the customer.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.models import Estimate, Invoice
from portal.services.access.staff import get_customer_or_404, get_scoped_or_404
from portal.services.billing import draft_customer
from portal.services.billing.search import clean_query
from portal.services.errors import DomainError
from portal.web.unit_of_work import fail


class ChooseForm(FlaskForm):
    customer_id = HiddenField()
    version = HiddenField()


def _picker(area: str, document: Invoice | Estimate | None) -> str:
    q = clean_query(request.args.get("q"))
    found = draft_customer.customer_choices(current_staff(), area, q)
    limit = draft_customer.PICKER_LIMIT
    return render_template(
        "admin/invoices/pick_customer.html",
        area=area,
        document=document,
        q=q,
        choices=found[:limit],
        more=len(found) > limit,
        form=ChooseForm(),
    )


def _new(area: str, endpoint: str) -> ResponseReturnValue:
    chosen = request.args.get("customer", "")
    if chosen.isdigit() and len(chosen) <= 9:
        customer = get_customer_or_404(int(chosen), current_staff(), area)
        return redirect(url_for(endpoint, customer_id=customer.id))
    return _picker(area, None)


@bp.get("/invoices/new")
@permission_required("invoices.create")
def invoice_new() -> ResponseReturnValue:
    return _new("invoices", ".invoice_create")


@bp.get("/estimates/new")
@permission_required("estimates.create")
def estimate_new() -> ResponseReturnValue:
    return _new("estimates", ".estimate_create")


def _change(area: str, document: Invoice | Estimate) -> ResponseReturnValue:
    name = "invoice" if isinstance(document, Invoice) else "estimate"
    detail = url_for(f".{name}_detail", **{f"{name}_id": document.id})
    if request.method != "POST":
        if document.status != "draft":
            return redirect(detail)
        return _picker(area, document)
    form = ChooseForm()
    if not form.validate_on_submit() or not (form.customer_id.data or "").isdigit():
        abort(400)
    customer = get_customer_or_404(int(form.customer_id.data), current_staff(), area)
    try:
        draft_customer.change_customer(document, customer, form.version.data or None)
    except DomainError as exc:
        fail(exc)
        return redirect(detail)
    flash(_("The draft now belongs to %(name)s.", name=customer.company_name), "success")
    return redirect(detail)


@bp.route("/invoices/<int:invoice_id>/customer", methods=["GET", "POST"])
@permission_required("invoices.edit")
def invoice_change_customer(invoice_id: int) -> ResponseReturnValue:
    invoice = get_scoped_or_404(Invoice, invoice_id, current_staff(), "invoices")
    return _change("invoices", invoice)


@bp.route("/estimates/<int:estimate_id>/customer", methods=["GET", "POST"])
@permission_required("estimates.edit")
def estimate_change_customer(estimate_id: int) -> ResponseReturnValue:
    estimate = get_scoped_or_404(Estimate, estimate_id, current_staff(), "estimates")
    return _change("estimates", estimate)
