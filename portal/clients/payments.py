"""Online payment in the portal: paying an invoice (whole or a part) at the payment provider,
the pages the provider sends the contact back to, the list of payments and their receipts.

Without a configured provider (``PORTAL_STRIPE_SECRET_KEY``) there is no Pay button and the pay
pages answer 404. Every look-up is scoped to the contact's customer (another's record is 404).
"""

from __future__ import annotations

import io

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from portal.clients import area_required, bp, current_contact
from portal.i18n import locale_of
from portal.models import Invoice
from portal.models.base import utcnow
from portal.services.access import contacts as portal_scope
from portal.services.errors import DomainError
from portal.services.payments import checkout, receipts
from portal.services.payments import provider as providers
from portal.web.hooks import CSP
from portal.web.limits import contact_limited
from portal.web.pages import page_number
from portal.web.unit_of_work import fail, show_errors

PER_PAGE = 25


class PayForm(FlaskForm):
    amount = StringField(_l("Amount to pay"), validators=[Length(max=40)])
    attempt = HiddenField()


def _contact_id() -> int:
    return current_contact().id


def _payable_invoice_or_404(id: int) -> Invoice:
    if not providers.enabled():
        abort(404)
    return portal_scope.invoice_for_contact_or_404(id, current_contact())


def _pay_page(invoice: Invoice, form: PayForm, status: int = 200) -> ResponseReturnValue:
    page = render_template(
        "clients/payments/pay.html",
        invoice=invoice,
        form=form,
        minimum=checkout.minimum_amount(invoice),
    )
    response = make_response(page, status)
    # The form is answered with a redirect to the provider's checkout page, which browsers
    # check against this page's form-action.
    origin = providers.checkout_origin()
    response.headers["Content-Security-Policy"] = CSP.replace(
        "form-action 'self'", f"form-action 'self' {origin}"
    )
    return response


def _return_url(endpoint: str, id: int) -> str:
    """An absolute address the provider sends the contact back to (``PORTAL_BASE_URL``)."""
    path = url_for(endpoint, id=id)
    return current_app.config["BASE_URL"].rstrip("/") + path


@bp.get("/invoices/<int:id>/pay")
@area_required("invoices")
def invoice_pay(id: int) -> ResponseReturnValue:
    invoice = _payable_invoice_or_404(id)
    if not checkout.payable(invoice):
        flash(_("This invoice cannot be paid online."), "error")
        return redirect(url_for(".invoice", id=id))
    form = PayForm(
        formdata=None,
        data={"amount": f"{invoice.amount_due:.{invoice.currency.decimal_places}f}"},
    )
    form.attempt.data = checkout.new_attempt()
    return _pay_page(invoice, form)


@bp.post("/invoices/<int:id>/pay")
@area_required("invoices")
@contact_limited("PAY_LIMIT_CONTACT", "portal-pay", _contact_id)
def invoice_pay_start(id: int) -> ResponseReturnValue:
    invoice = _payable_invoice_or_404(id)
    form = PayForm()
    if not form.validate_on_submit():
        return _pay_page(invoice, form, 400)
    try:
        started = checkout.start_checkout(
            invoice,
            current_contact(),
            form.amount.data,
            form.attempt.data or "",
            success_url=_return_url(".invoice_pay_done", id),
            cancel_url=_return_url(".invoice_pay_cancelled", id),
        )
    except DomainError as exc:
        show_errors(form, exc)
        invoice = portal_scope.invoice_for_contact_or_404(id, current_contact())
        if not checkout.payable(invoice):
            return redirect(url_for(".invoice", id=id))
        form.attempt.data = checkout.new_attempt()
        return _pay_page(invoice, form, exc.status)
    except providers.ProviderError as exc:
        current_app.logger.warning("checkout not opened for invoice %s: %s", id, exc)
        fail()
        flash(_("The payment service could not be reached. Please try again."), "error")
        return _pay_page(portal_scope.invoice_for_contact_or_404(id, current_contact()), form, 503)
    return redirect(started.url, code=303)


@bp.get("/invoices/<int:id>/pay/done")
@area_required("invoices")
def invoice_pay_done(id: int) -> ResponseReturnValue:
    invoice = _payable_invoice_or_404(id)
    return render_template(
        "clients/payments/returned.html", invoice=invoice, paid=True, today=utcnow().date()
    )


@bp.get("/invoices/<int:id>/pay/cancelled")
@area_required("invoices")
def invoice_pay_cancelled(id: int) -> ResponseReturnValue:
    invoice = _payable_invoice_or_404(id)
    return render_template(
        "clients/payments/returned.html", invoice=invoice, paid=False, today=utcnow().date()
    )


@bp.get("/payments")
@area_required("invoices")
def payments() -> ResponseReturnValue:
    page = receipts.payment_page(current_contact(), page_number(), PER_PAGE)
    return render_template(
        "clients/payments/list.html", page=page, method_label=receipts.method_label
    )


@bp.get("/payments/<int:id>/receipt.pdf")
@area_required("invoices")
def payment_receipt(id: int) -> ResponseReturnValue:
    contact = current_contact()
    try:
        payment = receipts.payment_for_contact(id, contact)
    except DomainError:
        abort(404)
    return send_file(
        io.BytesIO(receipts.receipt_pdf(payment, locale_of(contact))),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=receipts.receipt_filename(payment),
        max_age=0,
    )
