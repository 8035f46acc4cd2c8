"""The finance integration's rules: the queue of issued invoices a finance system takes, and
payments it reports back ("sales") by invoice number."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Invoice, Payment
from portal.models.base import utcnow
from portal.services.billing import payments
from portal.services.billing.drafts import flush
from portal.services.errors import ConflictError, ValidationError

#: The method stored on payments reported by the finance system when it names none.
SALE_METHOD = "finance"


def unprocessed_invoices() -> Select[tuple[Invoice]]:
    """Issued invoices (and credit notes, and invoices cancelled after issuing: their numbers
    belong to the series) that no finance system has marked processed; oldest first."""
    return select(Invoice).where(Invoice.number.is_not(None), Invoice.processed_at.is_(None))


UNPROCESSED_ORDER = (Invoice.issued_at, Invoice.id)


def mark_processed(invoice: Invoice, reference: str) -> bool:
    """Takes ``invoice`` off the queue with the finance system's ``reference``. The same
    reference again changes nothing (returns False); another reference is a conflict."""
    reference = reference.strip()
    if not reference:
        raise ValidationError(
            _("This field is required."), fields={"reference": _("This field is required.")}
        )
    if invoice.number is None:
        raise ConflictError(
            _("Only an issued invoice can be marked processed."), code="invoice_not_issued"
        )
    if invoice.processed_at is not None:
        if invoice.finance_reference == reference:
            return False
        raise ConflictError(
            _(
                "This invoice was already processed with reference %(reference)s.",
                reference=invoice.finance_reference or "",
            ),
            code="already_processed",
        )
    invoice.processed_at = utcnow()
    invoice.finance_reference = reference
    flush()
    return True


def invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.number == number.strip()))


def record_sale(
    invoice_number: str,
    reference: str,
    amount: Any,
    currency: str,
    paid_at: date | str,
    method: str | None = None,
) -> tuple[Payment, bool]:
    """Records a payment reported by the finance system on the invoice with this number.
    Returns ``(payment, created)``: the same reference with the same amount on the same invoice
    is the earlier payment again (``created`` False); with another amount it is a conflict."""
    invoice = invoice_by_number(invoice_number) if invoice_number.strip() else None
    if invoice is None or invoice.kind != "invoice":
        message = _("No invoice has this number.")
        raise ValidationError(message, fields={"invoice_number": message})
    earlier = db.session.scalar(
        select(Payment).where(Payment.invoice_id == invoice.id, Payment.reference == reference)
    )
    if earlier is not None:
        try:
            same = Decimal(str(amount)) == earlier.amount
        except InvalidOperation:
            same = False
        if same:
            return earlier, False
        raise ConflictError(
            _("A payment with this reference was already recorded with another amount."),
            code="payment_reference_used",
        )
    payment = payments.record_payment(
        invoice, amount, paid_at, method or SALE_METHOD, reference, currency=currency
    )
    return payment, True
