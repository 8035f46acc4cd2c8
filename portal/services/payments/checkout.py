"""Starting an online payment: the amount a contact may pay on an invoice, and one checkout
session per attempt.

An attempt is the random token of one pay form (:func:`new_attempt`). The provider's
idempotency key is made of the invoice, the contact, the amount and that token, so submitting
the same form twice (a double click, a reload) finds the first checkout - in our table, or, when
two requests race, at the provider, which answers the same key with the same session.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.i18n import current_locale_code, locale_of
from portal.models import Contact, Invoice, PaymentCheckout
from portal.services.billing.drafts import lock_invoice
from portal.services.billing.money import format_money
from portal.services.billing.parsing import parse_amount
from portal.services.errors import ConflictError, NotFound, ValidationError
from portal.services.payments import provider as providers
from portal.services.platform import settings
from portal.services.platform.validation import Errors

_ATTEMPT = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_attempt() -> str:
    """The token of a new pay form."""
    return secrets.token_urlsafe(18)


def payable(invoice: Invoice) -> bool:
    """Whether ``invoice`` can be paid online (an issued, open invoice with something due)."""
    return (
        invoice.kind == "invoice"
        and invoice.status in ("unpaid", "partially_paid")
        and invoice.amount_due > 0
    )


def minimum_amount(invoice: Invoice) -> Decimal:
    """The smallest part payment (the setting ``online_payment_minimum`` in the invoice's
    currency), or the whole amount due when that is less."""
    configured = Decimal(str(settings.get("online_payment_minimum") or "0"))
    return min(configured, invoice.amount_due)


def check_amount(invoice: Invoice, raw: object) -> Decimal:
    """The amount to pay from the form, between :func:`minimum_amount` and the amount due;
    raises :class:`ValidationError` naming ``amount``."""
    errors = Errors()
    currency = invoice.currency
    value = parse_amount(raw, "amount", errors, positive=True, places=currency.decimal_places)
    if value is not None:
        smallest = minimum_amount(invoice)
        if value > invoice.amount_due:
            errors.add("amount", _("The amount is more than the amount due."))
        elif value < smallest:
            shown = format_money(
                smallest, currency.code, current_locale_code(), currency.decimal_places
            )
            errors.add("amount", _("Pay at least %(amount)s.", amount=shown))
    errors.raise_if_any()
    assert value is not None
    return value


def _key(invoice: Invoice, contact: Contact, amount: Decimal, attempt: str) -> str:
    raw = f"{invoice.id}:{contact.id}:{amount.normalize()}:{attempt}"
    return "portal-checkout-" + hashlib.sha256(raw.encode()).hexdigest()[:48]


def _existing(key: str) -> PaymentCheckout | None:
    return db.session.scalar(select(PaymentCheckout).where(PaymentCheckout.idempotency_key == key))


def start_checkout(
    invoice: Invoice,
    contact: Contact,
    amount: object,
    attempt: str,
    *,
    success_url: str,
    cancel_url: str,
) -> PaymentCheckout:
    """The checkout for this attempt to pay ``amount`` on ``invoice``: the one made before for
    the same attempt, or a new session at the provider (stored, flushed). Raises
    :class:`ValidationError` (``amount``), :class:`ConflictError` (not payable, a stale form),
    :class:`NotFound` (no provider) or :class:`~.provider.ProviderError`."""
    provider = providers.configured()
    if provider is None:
        raise NotFound(_("Page not found"))
    # Serialises attempts on one invoice (a row lock on PostgreSQL; SQLite's write lock).
    locked = lock_invoice(invoice.id)
    if locked is None or not payable(locked):
        raise ConflictError(_("This invoice cannot be paid online."), code="invoice_not_payable")
    value = check_amount(locked, amount)
    if not _ATTEMPT.match(attempt or ""):
        message = _("This form has expired. Please try again.")
        raise ValidationError(message, fields={"amount": message})
    key = _key(locked, contact, value, attempt)
    found = _existing(key)
    if found is not None:
        return found
    session = provider.create_checkout(
        _request(locked, contact, value, key, success_url, cancel_url), key
    )
    row = PaymentCheckout(
        invoice_id=locked.id,
        contact_id=contact.id,
        provider=provider.name,
        idempotency_key=key,
        amount=value,
        currency_id=locked.currency_id,
        session_id=session.session_id,
        url=session.url,
        status="open",
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same attempt, stored by a request that raced this one
        found = _existing(key)
        if found is None:
            raise
        return found
    return row


def _request(
    invoice: Invoice,
    contact: Contact,
    amount: Decimal,
    key: str,
    success_url: str,
    cancel_url: str,
) -> providers.CheckoutRequest:
    places = invoice.currency.decimal_places
    locale = locale_of(contact)
    with force_locale(locale):
        description = _("Invoice %(number)s", number=invoice.number)
    return providers.CheckoutRequest(
        amount_minor=providers.to_minor(amount, places),
        currency=invoice.currency.code,
        description=description,
        locale=locale,
        customer_email=contact.email,
        success_url=success_url,
        cancel_url=cancel_url,
        metadata={
            "invoice_id": str(invoice.id),
            "invoice_number": invoice.number or "",
            "amount": f"{amount:.{places}f}",
            "currency": invoice.currency.code,
            "contact_id": str(contact.id),
            "checkout": key,
        },
    )
