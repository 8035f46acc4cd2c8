"""Sales reported by the finance system (``POST /api/v1/sales``): a sale on an issued invoice
under the finance system's reference, ``paid`` (a payment is recorded, as before) or
``unpaid`` (an open receivable with the finance system's due date; no payment). The same
reference reported as paid later records the payment on the same sale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import SALE_STATUSES, Invoice, Payment, Sale
from portal.services.billing import payments
from portal.services.billing.drafts import flush
from portal.services.errors import ConflictError, ValidationError
from portal.services.integration.finance import SALE_METHOD, invoice_by_number


@dataclass
class SaleReport:
    """What the finance system reports; ``paid_at`` is required for a paid sale."""

    invoice_number: str
    reference: str
    amount: Any
    currency: str
    status: str = "paid"
    paid_at: date | None = None
    due_date: date | None = None
    method: str | None = None


def _invoice(number: str) -> Invoice:
    invoice = invoice_by_number(number) if number.strip() else None
    if invoice is None or invoice.kind != "invoice":
        message = _("No invoice has this number.")
        raise ValidationError(message, fields={"invoice_number": message})
    return invoice


def _amount(raw: Any) -> Decimal | None:
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def _check(report: SaleReport, invoice: Invoice) -> Decimal:
    fields: dict[str, str] = {}
    if report.status not in SALE_STATUSES:
        fields["status"] = _("Choose paid or unpaid.")
    if report.status == "paid" and report.paid_at is None:
        fields["paid_at"] = _("This field is required.")
    amount = _amount(report.amount)
    if amount is None or amount <= 0:
        fields["amount"] = _("Enter an amount greater than zero.")
    if report.currency.strip().upper() != invoice.currency.code:
        fields["currency"] = _("The invoice is in %(currency)s.", currency=invoice.currency.code)
    if fields:
        raise ValidationError(_("Please correct the marked fields."), fields=fields)
    assert amount is not None
    return amount


def _pay(sale: Sale, report: SaleReport) -> None:
    sale.payment = payments.record_payment(
        sale.invoice,
        report.amount,
        report.paid_at,
        report.method or SALE_METHOD,
        sale.reference,
        currency=report.currency,
    )
    sale.status, sale.paid_at = "paid", sale.payment.paid_at


def report_sale(report: SaleReport) -> tuple[Sale, bool]:
    """Records or updates the sale with ``report.reference`` on the invoice. Returns ``(sale,
    created)``. Reporting it again with the same amount changes nothing, except that an unpaid
    sale reported as paid records its payment (and a new due date is taken); another amount,
    or unpaid after paid, is a conflict."""
    invoice = _invoice(report.invoice_number)
    amount = _check(report, invoice)
    reference = report.reference.strip()
    sale = db.session.scalar(
        select(Sale).where(Sale.invoice_id == invoice.id, Sale.reference == reference)
    )
    if sale is None:
        sale = _earlier_payment(invoice, reference, amount)
        if sale is not None:
            return sale, False
        sale = Sale(invoice=invoice, reference=reference, amount=amount, status="unpaid")
        sale.due_date = report.due_date
        db.session.add(sale)
        if report.status == "paid":
            _pay(sale, report)
        flush()
        return sale, True
    if sale.amount != amount:
        raise _reference_used()
    if sale.status == "paid" and report.status == "unpaid":
        raise ConflictError(_("This sale was already reported as paid."), code="sale_paid")
    if report.due_date is not None and report.due_date != sale.due_date:
        sale.due_date = report.due_date
    if sale.status == "unpaid" and report.status == "paid":
        _pay(sale, report)
    flush()
    return sale, False


def _reference_used() -> ConflictError:
    return ConflictError(
        _("A payment with this reference was already recorded with another amount."),
        code="payment_reference_used",
    )


def _earlier_payment(invoice: Invoice, reference: str, amount: Decimal) -> Sale | None:
    """A payment reported before sales were kept (same invoice and reference): the same amount
    is that payment again, now kept as a paid sale; another amount is a conflict."""
    earlier = db.session.scalar(
        select(Payment).where(Payment.invoice_id == invoice.id, Payment.reference == reference)
    )
    if earlier is None:
        return None
    if earlier.amount != amount:
        raise _reference_used()
    sale = Sale(
        invoice=invoice,
        reference=reference,
        amount=amount,
        status="paid",
        paid_at=earlier.paid_at,
        payment=earlier,
    )
    db.session.add(sale)
    flush()
    return sale


def sales(
    *,
    status: str | None = None,
    invoice_number: str | None = None,
    customer_id: int | None = None,
    reference: str | None = None,
) -> Select[tuple[Sale]]:
    """The reported sales, filtered (not yet ordered or paged)."""
    stmt = select(Sale)
    if status is not None:
        stmt = stmt.where(Sale.status == status)
    if reference is not None:
        stmt = stmt.where(Sale.reference == reference.strip())
    if invoice_number is not None or customer_id is not None:
        stmt = stmt.join(Invoice, Invoice.id == Sale.invoice_id)
    if invoice_number is not None:
        stmt = stmt.where(Invoice.number == invoice_number.strip())
    if customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == customer_id)
    return stmt
