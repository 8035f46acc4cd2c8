"""Payments: recorded against an issued invoice in its currency; they move its status from
``unpaid`` to ``partially_paid`` to ``paid``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Currency, Invoice, Payment
from portal.services.billing import settle_status
from portal.services.billing.drafts import flush, lock_invoice, parse_text
from portal.services.billing.parsing import parse_amount, parse_date
from portal.services.errors import ConflictError
from portal.services.platform.validation import Errors


def record_payment(
    invoice: Invoice,
    amount: Any,
    paid_at: Any,
    method: str | None = None,
    reference: str | None = None,
    *,
    currency: str | Currency | None = None,
    provider: str | None = None,
    provider_reference: str | None = None,
    received: bool = False,
) -> Payment:
    """Records a payment of ``amount`` (in the invoice's currency; ``currency``, when given,
    must be that one) on an issued invoice. Refuses drafts, cancelled invoices, credit notes,
    amounts that are not positive, have more decimals than the currency or exceed the amount
    due. Raises :class:`ValidationError` naming ``amount``, ``paid_at``, ``method``,
    ``reference`` or ``currency``; nothing is written then. An online payment names its
    ``provider`` and the provider's reference, unique per provider (a second row with the same
    reference fails at the flush with ``IntegrityError``). ``received`` is money a provider has
    taken already (an online payment): it is recorded even when the invoice was settled
    meanwhile or it is more than is due, so the books show every payment; the excess is an
    overpayment (a negative amount due) for staff to refund or carry over."""
    # Serialise payments on one invoice (a row lock on PostgreSQL) and read its current amounts.
    lock_invoice(invoice.id)
    _check_payable(invoice, settled_ok=received)
    value, day, clean_method, clean_reference = _clean_payment(
        invoice, amount, paid_at, method, reference, currency, capped=not received
    )
    payment = Payment(
        invoice=invoice,
        amount=value,
        currency_id=invoice.currency_id,
        paid_at=day,
        method=clean_method,
        reference=clean_reference,
        provider=provider,
        provider_reference=provider_reference,
    )
    db.session.add(payment)
    invoice.amount_paid = (invoice.amount_paid or Decimal(0)) + value
    settle_status(invoice)
    flush()
    return payment


def record_refund(
    invoice: Invoice,
    amount: Decimal,
    note: str,
    *,
    method: str | None,
    reference: str | None,
    provider: str,
    provider_reference: str,
) -> Payment:
    """Records money given back through a payment provider as a negative payment of
    ``-amount`` dated today, with ``note``: the invoice's paid amount goes down and its status
    follows (``paid`` back to ``partially_paid`` or ``unpaid``). ``amount`` must be positive and
    at most what the invoice has received; the provider's reference is unique as for
    :func:`record_payment`."""
    lock_invoice(invoice.id)
    received = invoice.amount_paid or Decimal(0)
    if amount <= 0 or amount > received:
        raise ConflictError(
            _("A refund cannot be more than what the invoice has received."),
            code="refund_too_high",
        )
    payment = Payment(
        invoice=invoice,
        amount=-amount,
        currency_id=invoice.currency_id,
        paid_at=date.today(),
        method=method,
        reference=reference,
        provider=provider,
        provider_reference=provider_reference,
        note=note,
    )
    db.session.add(payment)
    invoice.amount_paid = received - amount
    settle_status(invoice)
    flush()
    return payment


def _check_payable(invoice: Invoice, *, settled_ok: bool = False) -> None:
    """Raises :class:`ConflictError` unless ``invoice`` is an issued, open invoice (or, with
    ``settled_ok``, an issued one already paid)."""
    if invoice.kind != "invoice":
        raise ConflictError(
            _("Payments are recorded on invoices, not on credit notes."),
            code="payment_on_credit_note",
        )
    if invoice.status in ("draft", "cancelled"):
        raise ConflictError(
            _("Payments can only be recorded on issued invoices that are not cancelled."),
            code="invoice_not_payable",
        )
    if invoice.status == "paid" and not settled_ok:
        raise ConflictError(_("This invoice is already paid."), code="invoice_paid")
    if invoice.status == "credited" and not settled_ok:
        raise ConflictError(_("This invoice is fully credited."), code="invoice_credited")


def _clean_payment(
    invoice: Invoice,
    amount: Any,
    paid_at: Any,
    method: str | None,
    reference: str | None,
    currency: str | Currency | None,
    *,
    capped: bool = True,
) -> tuple[Decimal, date, str | None, str | None]:
    """The checked amount, payment date, method and reference of a payment on ``invoice``;
    raises :class:`ValidationError` naming every bad field."""
    errors = Errors()
    places = invoice.currency.decimal_places
    value = parse_amount(amount, "amount", errors, positive=True, places=places)
    if capped and value is not None and value > invoice.amount_due:
        errors.add("amount", _("The amount is more than the amount due."))
    day = parse_date(paid_at, "paid_at", errors)
    if day is None and "paid_at" not in errors.fields:
        errors.add("paid_at", _("This field is required."))
    elif day is not None and day > date.today():
        errors.add("paid_at", _("The payment date cannot be in the future."))
    clean_method = parse_text(method, "method", errors, 60)
    clean_reference = parse_text(reference, "reference", errors, 120)
    code = currency.code if isinstance(currency, Currency) else currency
    if code not in (None, "") and str(code).upper() != invoice.currency.code:
        errors.add(
            "currency",
            _(
                "The payment must be in the invoice currency (%(code)s).",
                code=invoice.currency.code,
            ),
        )
    errors.raise_if_any()
    assert value is not None and day is not None
    return value, day, clean_method, clean_reference


def payments_total(invoice: Invoice) -> Decimal:
    """Money received (without credit notes)."""
    return sum((p.amount for p in invoice.payments), Decimal(0))


__all__ = ["payments_total", "record_payment", "record_refund"]
