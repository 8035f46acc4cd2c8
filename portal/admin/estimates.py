"""Estimates for staff: the list with filters, draft editing, the detail page with its
actions (send, convert an accepted estimate into an invoice, duplicate, delete) and the PDF.
Look-ups are scoped with the area ``estimates``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.admin import bp
from portal.admin.billing_forms import DraftKind, EstimateForm, draft_page
from portal.admin.helpers import PER_PAGE, current_staff
from portal.admin.invoices import document_action, document_locale, zip_file
from portal.auth import permission_required
from portal.extensions import db
from portal.i18n import LANGUAGES
from portal.models import ESTIMATE_STATUSES, Customer, Estimate, Invoice
from portal.services import billing
from portal.services.access.staff import get_customer_or_404, get_scoped_or_404, scope_query
from portal.services.billing import document_links, exports
from portal.services.billing import estimates as estimate_service
from portal.services.billing import search as document_search
from portal.services.billing.drafts import save_estimate_draft
from portal.services.billing.totals import compute_totals
from portal.services.errors import DomainError
from portal.web.pages import page_number
from portal.web.responses import pdf_response

VIEW = ("estimates.view", "estimates.view_own")


def _estimate(estimate_id: int) -> Estimate:
    return get_scoped_or_404(Estimate, estimate_id, current_staff(), "estimates")


@bp.get("/estimates")
@permission_required(*VIEW)
def estimate_list() -> ResponseReturnValue:
    args = request.args
    stmt = scope_query(select(Estimate), current_staff(), "estimates", Estimate).options(
        selectinload(Estimate.customer)
    )
    status = args.get("status", "")
    today = date.today()
    if status == "expired":
        stmt = stmt.where(and_(Estimate.status == "sent", Estimate.expiry_date < today))
    elif status == "sent":  # open: sent and not expired
        stmt = stmt.where(
            Estimate.status == "sent",
            (Estimate.expiry_date.is_(None)) | (Estimate.expiry_date >= today),
        )
    elif status in ESTIMATE_STATUSES:
        stmt = stmt.where(Estimate.status == status)
    customer_id = args.get("customer", "")
    customer = None
    if customer_id.isdigit() and len(customer_id) <= 9:
        customer = get_customer_or_404(int(customer_id), current_staff(), "estimates")
        stmt = stmt.where(Estimate.customer_id == customer.id)
    for name, op in (("start", "__ge__"), ("end", "__le__")):
        try:
            day = date.fromisoformat(args.get(name, "").strip())
        except ValueError:
            continue
        stmt = stmt.where(getattr(Estimate.issue_date, op)(day))
    q = document_search.clean_query(args.get("q"))
    found = document_search.matches(Estimate, q)
    if found is not None:
        stmt = stmt.where(found)
    stmt = stmt.order_by(Estimate.issue_date.desc().nulls_first(), Estimate.id.desc())
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/estimates/list.html",
        page=page,
        status=status,
        customer=customer,
        q=q,
        today=today,
    )


def _heading(customer: Customer, estimate: Estimate | None) -> str:
    if estimate is None:
        return _("New estimate for %(name)s", name=customer.company_name)
    return _("Edit draft estimate")


DRAFT = DraftKind(
    name="estimate",
    form_class=EstimateForm,
    end_field="expiry_date",
    save=save_estimate_draft,
    heading=_heading,
    error_status=lambda exc: exc.status,
)


@bp.route("/customers/<int:customer_id>/estimates/new", methods=["GET", "POST"])
@permission_required("estimates.create")
def estimate_create(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "estimates")
    if not customer.is_active:
        flash(_("This customer is inactive."), "error")
        return redirect(url_for(".customer_card", customer_id=customer.id, tab="estimates"))
    return draft_page(DRAFT, customer, None)


@bp.route("/estimates/<int:estimate_id>/edit", methods=["GET", "POST"])
@permission_required("estimates.edit")
def estimate_edit(estimate_id: int) -> ResponseReturnValue:
    estimate = _estimate(estimate_id)
    if estimate.status != "draft":
        flash(_("A sent estimate cannot be changed; duplicate it instead."), "error")
        return redirect(url_for(".estimate_detail", estimate_id=estimate.id))
    return draft_page(DRAFT, estimate.customer, estimate)


@bp.get("/estimates/<int:estimate_id>")
@permission_required(*VIEW)
def estimate_detail(estimate_id: int) -> ResponseReturnValue:
    estimate = _estimate(estimate_id)
    invoices = db.session.scalars(
        select(Invoice).where(Invoice.estimate_id == estimate.id).order_by(Invoice.id)
    ).all()
    return render_template(
        "admin/estimates/detail.html",
        estimate=estimate,
        totals=compute_totals(estimate.lines, estimate.currency.decimal_places),
        invoices=invoices,
        primary=estimate.customer.primary_contact,
        today=date.today(),
        languages=LANGUAGES,
        sent_links=document_links.sent_links(estimate),
    )


@bp.get("/estimates/<int:estimate_id>/pdf")
@permission_required(*VIEW)
def estimate_pdf(estimate_id: int) -> ResponseReturnValue:
    estimate = _estimate(estimate_id)
    return pdf_response(estimate, document_locale(estimate.customer), as_attachment=False)


def _act(
    estimate_id: int,
    action: Callable[[Estimate], Estimate | Invoice | None],
    success: Callable[[Estimate | Invoice], str],
) -> Response:
    return document_action("estimate", estimate_id, _estimate(estimate_id), action, success)


def _send(estimate: Estimate) -> Estimate:
    """Marks a draft as sent (it gets its number), then emails it to the primary contact
    when the customer has an active one; a sent estimate is emailed again."""
    contact = estimate.customer.primary_contact
    if estimate.status == "draft":
        billing.send_estimate(estimate)
    elif contact is None or not contact.is_active:
        raise DomainError(_("The customer has no active primary contact to email."))
    if contact is not None and contact.is_active:
        billing.queue_estimate_email(estimate, contact)
    return estimate


@bp.post("/estimates/<int:estimate_id>/send")
@permission_required("estimates.edit")
def estimate_send(estimate_id: int) -> ResponseReturnValue:
    return _act(
        estimate_id,
        _send,
        lambda doc: _("Estimate %(number)s was sent.", number=doc.number),
    )


@bp.post("/estimates/<int:estimate_id>/convert")
@permission_required("estimates.edit")
@permission_required("invoices.create")
def estimate_convert(estimate_id: int) -> ResponseReturnValue:
    return _act(
        estimate_id,
        estimate_service.convert_estimate_to_invoice,
        lambda doc: _("A draft invoice was created from the estimate."),
    )


@bp.post("/estimates/<int:estimate_id>/duplicate")
@permission_required("estimates.edit")
def estimate_duplicate(estimate_id: int) -> ResponseReturnValue:
    return _act(
        estimate_id, billing.duplicate_estimate, lambda doc: _("A copy was created as a new draft.")
    )


@bp.post("/estimates/<int:estimate_id>/delete")
@permission_required("estimates.delete")
def estimate_delete(estimate_id: int) -> ResponseReturnValue:
    return _act(estimate_id, billing.delete_draft, lambda doc: _("The draft was deleted."))


@bp.get("/customers/<int:customer_id>/estimates.zip")
@permission_required(*VIEW)
def estimate_export_zip(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "estimates")
    statuses = [s for s in request.args.getlist("status") if s]
    try:
        data = exports.estimates_zip(customer, statuses)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".estimate_list", customer=customer.id))
    return zip_file(data, _("Estimates"), customer)
