"""A verified provider event becomes a payment or a refund, exactly once.

Providers deliver an event at least once, sometimes several times at the same moment. Each
payment and each refund has a reference at the provider, unique on ``payments`` (``provider``,
``provider_reference``). Recording first locks the invoice (a row lock on PostgreSQL; SQLite's
webhook request holds the write lock already), then looks the reference up, so a second
delivery waits for the first and finds its row; should two inserts still meet, the unique
constraint refuses the second (caught in a savepoint) and it counts as a repeat.

The invoice, amount and contact come from the metadata we gave the checkout session (signed
by the provider with the event), so a payment is recorded even if the request that opened the
checkout never stored its row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Contact, Invoice, Payment, PaymentCheckout
from portal.services.billing import payments as billing_payments
from portal.services.billing.drafts import lock_invoice
from portal.services.errors import DomainError
from portal.services.payments import receipts
from portal.services.payments.provider import (
    Event,
    PaymentReceived,
    RefundReceived,
    from_minor,
)
from portal.services.platform import settings


@dataclass(frozen=True)
class Outcome:
    """What an event did: ``recorded``, ``repeat`` (recorded before), ``refused`` (the invoice
    does not take it; logged for staff) or ``ignored`` (not an event we act on)."""

    status: str
    payment: Payment | None = None


def record(event: Event, provider: str) -> Outcome:
    """Applies ``event`` from ``provider`` (flushes; the request commits)."""
    if isinstance(event, PaymentReceived):
        return _payment(event, provider)
    if isinstance(event, RefundReceived):
        return _refund(event, provider)
    return Outcome("ignored")


def _by_reference(provider: str, reference: str) -> Payment | None:
    return db.session.scalar(
        select(Payment).where(Payment.provider == provider, Payment.provider_reference == reference)
    )


def _invoice(metadata: dict[str, str], currency: str) -> Invoice | None:
    """The invoice the event's metadata names, locked; ``None`` if unknown or not in the
    event's currency."""
    raw = metadata.get("invoice_id", "")
    invoice = lock_invoice(int(raw)) if raw.isdigit() else None
    if invoice is None or invoice.currency.code != currency:
        return None
    return invoice


def _refused(what: str, reference: str, reason: str) -> Outcome:
    current_app.logger.warning("online %s %s not recorded: %s", what, reference, reason)
    return Outcome("refused")


def _insert(make: Callable[[], Payment]) -> Payment | None:
    """``make()`` in a savepoint; ``None`` when its provider reference is taken already."""
    try:
        with db.session.begin_nested():
            return make()
    except IntegrityError:
        return None


def _payment(event: PaymentReceived, provider: str) -> Outcome:
    invoice = _invoice(event.metadata, event.currency)
    if invoice is None:
        return _refused("payment", event.reference, "no invoice in that currency")
    if _by_reference(provider, event.reference) is not None:
        return Outcome("repeat")
    amount = from_minor(event.amount_minor, invoice.currency.decimal_places)
    try:
        payment = _insert(
            lambda: billing_payments.record_payment(
                invoice,
                amount,
                date.today(),
                event.method,
                event.reference,
                provider=provider,
                provider_reference=event.reference,
                received=True,
            )
        )
    except DomainError as exc:  # a cancelled invoice: staff refund it at the provider
        return _refused("payment", event.reference, exc.message)
    if payment is None:
        return Outcome("repeat")
    checkout = _checkout(provider, event.session_id)
    if checkout is not None:
        checkout.status, checkout.payment_id = "paid", payment.id
    payer = _payer(event.metadata, checkout, invoice)
    if payer is not None:
        receipts.queue_receipt(payment, payer)
    db.session.flush()
    return Outcome("recorded", payment)


def _checkout(provider: str, session_id: str | None) -> PaymentCheckout | None:
    if not session_id:
        return None
    return db.session.scalar(
        select(PaymentCheckout).where(
            PaymentCheckout.provider == provider, PaymentCheckout.session_id == session_id
        )
    )


def _payer(
    metadata: dict[str, str], checkout: PaymentCheckout | None, invoice: Invoice
) -> Contact | None:
    """Who gets the receipt: the contact who paid (if still an active contact of the
    invoice's customer), else the customer's primary contact."""
    raw = metadata.get("contact_id", "")
    contact_id = checkout.contact_id if checkout is not None else None
    if contact_id is None and raw.isdigit():
        contact_id = int(raw)
    contact = db.session.get(Contact, contact_id) if contact_id else None
    if contact is None or contact.customer_id != invoice.customer_id or not contact.is_active:
        contact = invoice.customer.primary_contact
    return contact


def _refund(event: RefundReceived, provider: str) -> Outcome:
    """The provider reports the running total refunded on a payment: what is not yet
    recorded becomes one negative payment, referenced by that total (a repeat of the same
    event, or an older one arriving late, adds nothing)."""
    reference = f"{event.charge_reference}:refunded:{event.refunded_minor}"
    original = _by_reference(provider, event.payment_reference)
    if original is None:
        return _refused("refund", reference, "the payment is not recorded")
    invoice = _invoice({"invoice_id": str(original.invoice_id)}, event.currency)
    if invoice is None:
        return _refused("refund", reference, "currency differs from the invoice")
    if _by_reference(provider, reference) is not None:
        return Outcome("repeat")
    refunded_before = -db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0)).where(
            Payment.provider == provider,
            Payment.amount < 0,
            Payment.provider_reference.startswith(
                f"{event.charge_reference}:refunded:", autoescape=True
            ),
        )
    )
    total = from_minor(event.refunded_minor, invoice.currency.decimal_places)
    amount = min(total, original.amount) - refunded_before
    if amount <= 0:
        return Outcome("repeat")
    locale = settings.get("default_language") or current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        note = _("Refunded through %(provider)s", provider=provider.capitalize())
    try:
        payment = _insert(
            lambda: billing_payments.record_refund(
                invoice,
                amount,
                note,
                method=original.method,
                reference=original.reference,
                provider=provider,
                provider_reference=reference,
            )
        )
    except DomainError as exc:
        return _refused("refund", reference, exc.message)
    if payment is None:
        return Outcome("repeat")
    return Outcome("recorded", payment)
