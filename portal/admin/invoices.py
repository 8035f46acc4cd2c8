"""Invoices and credit notes for staff: the list with filters, draft editing with line rows,
the detail page with its actions (issue, email, cancel, payments, credit note, duplicate,
delete), the PDF, and per customer the ZIP export and the statement of account.

Every look-up is scoped (:mod:`portal.services.access.staff`, area ``invoices``); the views call
the billing services; the request commits once (:mod:`portal.web.unit_of_work`).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from portal.admin import bp
from portal.admin.billing_forms import DraftKind, InvoiceForm, PaymentForm, amount_text, draft_page
from portal.admin.helpers import PER_PAGE, current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.i18n import LANGUAGES, current_locale_code, file_name, locale_of, number_from_input
from portal.models import INVOICE_STATUSES, Customer, Estimate, Invoice
from portal.services import billing
from portal.services.access.staff import get_customer_or_404, get_scoped_or_404, scope_query
from portal.services.billing import document_links, exports, payments, statements
from portal.services.billing import search as document_search
from portal.services.billing.drafts import save_invoice_draft
from portal.services.billing.totals import compute_totals
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm
from portal.web.pages import page_number, statement_period
from portal.web.responses import pdf_response, statement_file
from portal.web.unit_of_work import fail, show_errors

VIEW = ("invoices.view", "invoices.view_own")
LIST_STATUSES = (*INVOICE_STATUSES, "overdue")


def _invoice(invoice_id: int) -> Invoice:
    return get_scoped_or_404(Invoice, invoice_id, current_staff(), "invoices")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None


def _customer_arg() -> int | None:
    value = request.args.get("customer", "")
    return int(value) if value.isdigit() and len(value) <= 9 else None


def document_locale(customer: Customer) -> str:
    """``?lang=xx`` when it is a shipped language, else the primary contact's or the
    customer's language."""
    chosen = request.args.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    primary = customer.primary_contact
    return locale_of(primary) if primary is not None else locale_of(customer)


# -- list -------------------------------------------------------------------------------------


@bp.get("/invoices")
@permission_required(*VIEW)
def invoice_list() -> ResponseReturnValue:
    args = request.args
    stmt = scope_query(select(Invoice), current_staff(), "invoices", Invoice).options(
        selectinload(Invoice.customer)
    )
    q = document_search.clean_query(args.get("q"))
    status = args.get("status", "")
    wanted = document_search.invoice_status(status, date.today(), searching=bool(q))
    if wanted is not None:
        stmt = stmt.where(wanted)
    kind = args.get("kind", "")
    if kind in ("invoice", "credit_note"):
        stmt = stmt.where(Invoice.kind == kind)
    customer_id = _customer_arg()
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    start, end = _date_arg("start"), _date_arg("end")
    if start is not None:
        stmt = stmt.where(Invoice.issue_date >= start)
    if end is not None:
        stmt = stmt.where(Invoice.issue_date <= end)
    due_start, due_end = _date_arg("due_start"), _date_arg("due_end")
    if due_start is not None:
        stmt = stmt.where(Invoice.due_date >= due_start)
    if due_end is not None:
        stmt = stmt.where(Invoice.due_date <= due_end)
    currency = args.get("currency", "")[:3]
    if currency:
        stmt = stmt.where(Invoice.currency.has(code=currency))
    found = document_search.matches(Invoice, q)
    if found is not None:
        stmt = stmt.where(found)
    stmt = stmt.order_by(Invoice.issue_date.desc().nulls_first(), Invoice.id.desc())
    page = db.paginate(stmt, page=page_number(), per_page=PER_PAGE, error_out=False)
    customer = (
        get_customer_or_404(customer_id, current_staff(), "invoices")
        if customer_id is not None
        else None
    )
    return render_template(
        "admin/invoices/list.html",
        page=page,
        status=status,
        kind=kind,
        customer=customer,
        start=start,
        end=end,
        due_start=due_start,
        due_end=due_end,
        currency=currency,
        q=q,
        invoice_filters=document_search.INVOICE_FILTERS,
        today=date.today(),
    )


# -- drafts -----------------------------------------------------------------------------------


def _heading(customer: Customer, invoice: Invoice | None) -> str:
    if invoice is None:
        return _("New invoice for %(name)s", name=customer.company_name)
    if invoice.kind == "credit_note":
        return _("Edit draft credit note")
    return _("Edit draft invoice")


DRAFT = DraftKind(
    name="invoice",
    form_class=InvoiceForm,
    end_field="due_date",
    save=save_invoice_draft,
    heading=_heading,
    error_status=lambda exc: 409 if exc.status == 409 else 422,
)


@bp.route("/customers/<int:customer_id>/invoices/new", methods=["GET", "POST"])
@permission_required("invoices.create")
def invoice_create(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "invoices")
    if not customer.is_active:
        flash(_("This customer is inactive."), "error")
        return redirect(url_for(".customer_card", customer_id=customer.id, tab="invoices"))
    return draft_page(DRAFT, customer, None)


@bp.route("/invoices/<int:invoice_id>/edit", methods=["GET", "POST"])
@permission_required("invoices.edit")
def invoice_edit(invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice(invoice_id)
    if invoice.status != "draft":
        flash(_("An issued invoice cannot be changed; correct it with a credit note."), "error")
        return redirect(url_for(".invoice_detail", invoice_id=invoice.id))
    return draft_page(DRAFT, invoice.customer, invoice)


# -- detail and actions -----------------------------------------------------------------------


def _detail(invoice: Invoice, payment_form: PaymentForm | None = None) -> str:
    if payment_form is None:
        payment_form = PaymentForm(data={"paid_at": date.today().isoformat()})
        payment_form.amount.data = amount_text(invoice.amount_due, invoice.currency.decimal_places)
    credit_notes = db.session.scalars(
        select(Invoice).where(Invoice.credited_invoice_id == invoice.id).order_by(Invoice.id)
    ).all()
    credited = (
        db.session.get(Invoice, invoice.credited_invoice_id)
        if invoice.credited_invoice_id
        else None
    )
    return render_template(
        "admin/invoices/detail.html",
        invoice=invoice,
        totals=compute_totals(invoice.lines, invoice.currency.decimal_places),
        payments_total=payments.payments_total(invoice),
        payment_form=payment_form,
        action_form=EmptyForm(),
        credit_notes=credit_notes,
        credited=credited,
        primary=invoice.customer.primary_contact,
        today=date.today(),
        languages=LANGUAGES,
        sent_links=document_links.sent_links(invoice),
    )


@bp.get("/invoices/<int:invoice_id>")
@permission_required(*VIEW)
def invoice_detail(invoice_id: int) -> ResponseReturnValue:
    return _detail(_invoice(invoice_id))


@bp.get("/invoices/<int:invoice_id>/pdf")
@permission_required(*VIEW)
def invoice_pdf(invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice(invoice_id)
    return pdf_response(invoice, document_locale(invoice.customer), as_attachment=False)


def document_action(
    name: str,
    document_id: int,
    document: Invoice | Estimate,
    action: Callable[[Any], Invoice | Estimate | None],
    success: Callable[[Any], str],
) -> Response:
    """Runs ``action(document)`` for a POST button, then shows the document it returned (a
    copy, a credit note, an estimate's invoice) or, when it returned nothing, the list of
    ``name`` (``invoice`` or ``estimate``); a refusal is flashed on the document's page."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        result = action(document)
    except DomainError as exc:
        fail(exc)
        return redirect(url_for(f".{name}_detail", **{f"{name}_id": document_id}))
    flash(success(result or document), "success")
    if result is None:
        return redirect(url_for(f".{name}_list"))
    shown = "invoice" if isinstance(result, Invoice) else "estimate"
    return redirect(url_for(f".{shown}_detail", **{f"{shown}_id": result.id}))


def _act(
    invoice_id: int,
    action: Callable[[Invoice], Invoice | None],
    success: Callable[[Invoice], str],
) -> Response:
    return document_action("invoice", invoice_id, _invoice(invoice_id), action, success)


@bp.post("/invoices/<int:invoice_id>/issue")
@permission_required("invoices.edit")
def invoice_issue(invoice_id: int) -> ResponseReturnValue:
    return _act(
        invoice_id,
        billing.issue_invoice,
        lambda issued: _("Issued as %(number)s.", number=issued.number),
    )


def _send(invoice: Invoice) -> Invoice:
    contact = invoice.customer.primary_contact
    if contact is None or not contact.is_active:
        raise DomainError(_("The customer has no active primary contact to email."))
    billing.queue_invoice_email(invoice, contact)
    return invoice


@bp.post("/invoices/<int:invoice_id>/send")
@permission_required("invoices.edit")
def invoice_send(invoice_id: int) -> ResponseReturnValue:
    return _act(invoice_id, _send, lambda doc: _("The invoice was queued for email with its PDF."))


@bp.post("/invoices/<int:invoice_id>/cancel")
@permission_required("invoices.delete")
def invoice_cancel(invoice_id: int) -> ResponseReturnValue:
    return _act(invoice_id, billing.cancel_invoice, lambda doc: _("The invoice was cancelled."))


@bp.post("/invoices/<int:invoice_id>/credit-note")
@permission_required("invoices.edit")
def invoice_credit_note(invoice_id: int) -> ResponseReturnValue:
    return _act(
        invoice_id,
        billing.create_credit_note,
        lambda doc: _("A draft credit note was created: check its lines, then issue it."),
    )


@bp.post("/invoices/<int:invoice_id>/duplicate")
@permission_required("invoices.edit")
def invoice_duplicate(invoice_id: int) -> ResponseReturnValue:
    return _act(
        invoice_id, billing.duplicate_invoice, lambda doc: _("A copy was created as a new draft.")
    )


@bp.post("/invoices/<int:invoice_id>/delete")
@permission_required("invoices.delete")
def invoice_delete(invoice_id: int) -> ResponseReturnValue:
    return _act(invoice_id, billing.delete_draft, lambda doc: _("The draft was deleted."))


@bp.post("/invoices/<int:invoice_id>/payments")
@permission_required("payments.create")
def invoice_payment(invoice_id: int) -> ResponseReturnValue:
    invoice = _invoice(invoice_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return _detail(invoice, form), 400
    try:
        payments.record_payment(
            invoice,
            number_from_input(form.amount.data),
            form.paid_at.data,
            form.method.data,
            form.reference.data,
        )
    except DomainError as exc:
        show_errors(form, exc)
        return _detail(_invoice(invoice_id), form), exc.status
    flash(_("The payment was recorded."), "success")
    return redirect(url_for(".invoice_detail", invoice_id=invoice_id))


# -- per customer: ZIP export and statement ---------------------------------------------------


@bp.get("/customers/<int:customer_id>/invoices.zip")
@permission_required(*VIEW)
def invoice_export_zip(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "invoices")
    statuses = [s for s in request.args.getlist("status") if s]
    kind = request.args.get("kind") if request.args.get("kind") == "credit_note" else None
    try:
        data = exports.invoices_zip(customer, statuses, kind=kind)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".customer_card", customer_id=customer.id, tab="invoices"))
    return zip_file(data, _("Credit notes") if kind else _("Invoices"), customer)


def zip_file(data: bytes, title: str, customer: Customer) -> Response:
    """A ZIP export as a download named after ``title`` and the customer's number."""
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=file_name(title, customer.number, extension="zip"),
        max_age=0,
    )


@bp.get("/customers/<int:customer_id>/statement")
@permission_required(*VIEW)
def customer_statement(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "invoices")
    start, end, errors = statement_period()
    result = None if errors else statements.statement(customer, start, end)
    return render_template(
        "admin/invoices/statement.html",
        customer=customer,
        statement=result,
        start=start,
        end=end,
        errors=errors,
    ), (400 if errors else 200)


@bp.get("/customers/<int:customer_id>/statement/pdf")
@permission_required(*VIEW)
def customer_statement_pdf(customer_id: int) -> ResponseReturnValue:
    return _statement_file(customer_id, "pdf")


@bp.get("/customers/<int:customer_id>/statement/csv")
@permission_required(*VIEW)
def customer_statement_csv(customer_id: int) -> ResponseReturnValue:
    return _statement_file(customer_id, "csv")


def _statement_file(customer_id: int, kind: str) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff(), "invoices")
    start, end, errors = statement_period()
    if errors:
        abort(400)
    result = statements.statement(customer, start, end)
    # The PDF in the customer's language (it may be sent on), the CSV in the reader's.
    locale = document_locale(customer) if kind == "pdf" else current_locale_code()
    parts = (customer.number, start, end)
    return statement_file(result, kind, locale, *parts, as_attachment=kind == "csv")
