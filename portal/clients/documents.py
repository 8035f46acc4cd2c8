"""Invoices (list, detail with taxes and payments, PDF), estimates (list, detail, PDF, accept
by typing one's name, decline with a reason) and the statement of account. Every look-up is
scoped by :mod:`portal.services.access.contacts`; PDFs are in the language of their reader, and
who is told of an estimate's answer is the estimates service's rule."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from portal.clients import area_required, bp, current_contact, viewing_as
from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Estimate, Invoice
from portal.models.base import utcnow
from portal.services.access import contacts as portal_scope
from portal.services.billing import estimates as estimate_service
from portal.services.billing import payments, statements
from portal.services.billing.totals import compute_totals
from portal.services.errors import DomainError
from portal.services.payments import checkout
from portal.services.payments import provider as providers
from portal.web.pages import page_number, statement_period
from portal.web.responses import pdf_response, statement_file
from portal.web.unit_of_work import show_errors

PER_PAGE = 25


class AcceptForm(FlaskForm):
    name = StringField(_l("Type your full name to accept"), validators=[Length(max=255)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why do you decline?"), validators=[Length(max=5000)])


@bp.get("/invoices")
@area_required("invoices")
def invoices() -> ResponseReturnValue:
    today = utcnow().date()
    page = portal_scope.invoice_page(current_contact(), page_number(), PER_PAGE, today)
    return render_template("clients/invoices/list.html", page=page, today=today)


@bp.get("/invoices/<int:id>")
@area_required("invoices")
def invoice(id: int) -> ResponseReturnValue:
    document = portal_scope.invoice_for_contact_or_404(id, current_contact())
    credited = (
        db.session.get(Invoice, document.credited_invoice_id)
        if document.credited_invoice_id
        else None
    )
    return render_template(
        "clients/invoices/detail.html",
        invoice=document,
        totals=compute_totals(document.lines, document.currency.decimal_places),
        payments_total=payments.payments_total(document),
        credited=credited if credited is not None and credited.number else None,
        today=utcnow().date(),
        pay_online=providers.enabled() and checkout.payable(document) and not viewing_as(),
    )


@bp.get("/invoices/<int:id>/pdf")
@area_required("invoices")
def invoice_pdf(id: int) -> ResponseReturnValue:
    contact = current_contact()
    invoice = portal_scope.invoice_for_contact_or_404(id, contact)
    return pdf_response(invoice, locale_of(contact), as_attachment=True)


@bp.get("/estimates")
@area_required("estimates")
def estimates() -> ResponseReturnValue:
    today = utcnow().date()
    page = portal_scope.estimate_page(current_contact(), page_number(), PER_PAGE, today)
    return render_template("clients/estimates/list.html", page=page, today=today)


def _estimate_page(
    document: Estimate,
    accept_form: AcceptForm | None = None,
    decline_form: DeclineForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    today = utcnow().date()
    return (
        render_template(
            "clients/estimates/detail.html",
            estimate=document,
            totals=compute_totals(document.lines, document.currency.decimal_places),
            answerable=document.status == "sent"
            and not document.is_expired(today)
            and not viewing_as(),
            accept_form=accept_form or AcceptForm(formdata=None),
            decline_form=decline_form or DeclineForm(formdata=None),
            today=today,
        ),
        status,
    )


@bp.get("/estimates/<int:id>")
@area_required("estimates")
def estimate(id: int) -> ResponseReturnValue:
    return _estimate_page(portal_scope.estimate_for_contact_or_404(id, current_contact()))


@bp.get("/estimates/<int:id>/pdf")
@area_required("estimates")
def estimate_pdf(id: int) -> ResponseReturnValue:
    contact = current_contact()
    estimate = portal_scope.estimate_for_contact_or_404(id, contact)
    return pdf_response(estimate, locale_of(contact), as_attachment=True)


def _answer(id: int, accept: bool) -> ResponseReturnValue:
    contact = current_contact()
    document = portal_scope.estimate_for_contact_or_404(id, contact)
    accept_form = AcceptForm(formdata=request.form if accept else None)
    decline_form = DeclineForm(formdata=None if accept else request.form)
    form = accept_form if accept else decline_form
    if not form.validate_on_submit():
        return _estimate_page(document, accept_form, decline_form, 400)
    try:
        if accept:
            estimate_service.accept_estimate(document, accept_form.name.data, contact=contact)
        else:
            estimate_service.decline_estimate(document, decline_form.reason.data, contact=contact)
    except DomainError as exc:
        show_errors(form, exc)  # rolls back before the estimate is read again
        document = portal_scope.estimate_for_contact_or_404(id, contact)
        return _estimate_page(document, accept_form, decline_form, exc.status)
    flash(
        _("Thank you: you accepted the estimate.")
        if accept
        else _("You declined the estimate. Thank you for letting us know."),
        "success",
    )
    return redirect(url_for(".estimate", id=id))


@bp.post("/estimates/<int:id>/accept")
@area_required("estimates")
def estimate_accept(id: int) -> ResponseReturnValue:
    return _answer(id, accept=True)


@bp.post("/estimates/<int:id>/decline")
@area_required("estimates")
def estimate_decline(id: int) -> ResponseReturnValue:
    return _answer(id, accept=False)


# -- statement of account ---------------------------------------------------------------------


@bp.get("/statement")
@area_required("invoices")
def statement() -> ResponseReturnValue:
    start, end, errors = statement_period()
    customer = current_contact().customer
    result = None if errors else statements.statement(customer, start, end)
    return render_template(
        "clients/statement.html", statement=result, start=start, end=end, errors=errors
    ), (400 if errors else 200)


@bp.get("/statement/pdf")
@area_required("invoices")
def statement_pdf() -> ResponseReturnValue:
    return _statement_file("pdf")


@bp.get("/statement/csv")
@area_required("invoices")
def statement_csv() -> ResponseReturnValue:
    return _statement_file("csv")


def _statement_file(kind: str) -> ResponseReturnValue:
    start, end, errors = statement_period()
    if errors:
        abort(400)
    contact = current_contact()
    result = statements.statement(contact.customer, start, end)
    return statement_file(result, kind, locale_of(contact), start, end, as_attachment=True)
