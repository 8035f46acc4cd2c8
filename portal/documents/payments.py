"""Paying a link's invoice online, without signing in: the pay form on the link's page (given to
``documents/invoice.html`` by a context processor), the checkout at the provider for the link's
recipient (the payer, who gets the receipt), and the addresses the provider sends the visitor
back to. The rules are the portal's (:mod:`portal.services.payments.checkout`); attempts count
in the same per-contact bucket as the portal's (``PORTAL_PAY_LIMIT_CONTACT``)."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from portal.documents import bp, current_link, views
from portal.extensions import limiter
from portal.models import Invoice
from portal.services.errors import DomainError
from portal.services.payments import checkout
from portal.services.payments import provider as providers
from portal.web.hooks import CSP
from portal.web.unit_of_work import fail, show_errors

#: The pages that show the pay form.
PAGE_ENDPOINTS = {"documents.view", "documents.pay"}


class LinkPayForm(FlaskForm):
    amount = StringField(_l("Amount to pay"), validators=[Length(max=40)])
    attempt = HiddenField()


def _payable_invoice() -> Invoice | None:
    """The link's invoice when it can be paid online now."""
    document = g.get("link_document")
    if not isinstance(document, Invoice) or not providers.enabled():
        return None
    return document if checkout.payable(document) else None


@bp.context_processor
def _pay_context() -> dict[str, Any]:
    if request.endpoint not in PAGE_ENDPOINTS:
        return {}
    invoice = _payable_invoice()
    if invoice is None:
        return {"pay_online": False}
    form = g.get("pay_form")
    if form is None:
        places = invoice.currency.decimal_places
        form = LinkPayForm(formdata=None, data={"amount": f"{invoice.amount_due:.{places}f}"})
        form.attempt.data = checkout.new_attempt()
    return {"pay_online": True, "pay_form": form, "pay_minimum": checkout.minimum_amount(invoice)}


@bp.after_request
def _allow_checkout(response: Response) -> Response:
    """A page with the pay form lets it be answered with a redirect to the provider's checkout
    page (browsers check the redirect against the page's CSP ``form-action``)."""
    if request.endpoint in PAGE_ENDPOINTS and _payable_invoice() is not None:
        origin = providers.checkout_origin()
        response.headers["Content-Security-Policy"] = CSP.replace(
            "form-action 'self'", f"form-action 'self' {origin}"
        )
    return response


def _contact_key() -> str:
    link, _document = current_link()
    return f"contact:{link.contact_id}"


def _return_url(endpoint: str, token: str) -> str:
    return current_app.config["BASE_URL"].rstrip("/") + url_for(endpoint, token=token)


@bp.post("/<token>/pay")
@limiter.limit(
    lambda: str(current_app.config["PAY_LIMIT_CONTACT"]),
    key_func=_contact_key,
    methods=["POST"],
    scope="portal-pay",
)
def pay(token: str) -> ResponseReturnValue:
    link, document = current_link()
    if not providers.enabled() or not isinstance(document, Invoice) or link.contact is None:
        abort(404)
    if not checkout.payable(document):
        flash(_("This invoice cannot be paid online."), "error")
        return redirect(url_for(".view", token=token))
    form = g.pay_form = LinkPayForm()
    if not form.validate_on_submit():
        return views._page(status=400)
    try:
        started = checkout.start_checkout(
            document,
            link.contact,
            form.amount.data,
            form.attempt.data or "",
            success_url=_return_url(".pay_done", token),
            cancel_url=_return_url(".pay_cancelled", token),
        )
    except DomainError as exc:
        show_errors(form, exc)  # rolls back: the page reads the invoice as it is stored
        form.attempt.data = checkout.new_attempt()
        return views._page(status=exc.status)
    except providers.ProviderError as exc:
        current_app.logger.warning("checkout not opened for invoice %s: %s", document.id, exc)
        fail()
        flash(_("The payment service could not be reached. Please try again."), "error")
        return views._page(status=503)
    return redirect(started.url, code=303)


@bp.get("/<token>/pay/done")
def pay_done(token: str) -> ResponseReturnValue:
    flash(
        _(
            "Your payment was sent. The invoice shows it as soon as the payment provider "
            "confirms it; a receipt follows by email."
        ),
        "success",
    )
    return redirect(url_for(".view", token=token))


@bp.get("/<token>/pay/cancelled")
def pay_cancelled(token: str) -> ResponseReturnValue:
    flash(_("You left the payment page. Nothing was charged."), "success")
    return redirect(url_for(".view", token=token))
