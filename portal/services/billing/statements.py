"""Statement of account: a customer's issued invoices, credit notes and payments over a
period, with the opening balance, a running balance and the closing balance.

Invoices add to the balance (debit), payments and credit notes reduce it (credit). Drafts
and cancelled invoices are left out. All amounts are in the customer's currency (it cannot
change once the customer has invoices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import Currency, Customer, Invoice, Payment
from portal.models.base import as_decimal
from portal.services.billing import ISSUED_STATUSES
from portal.services.errors import ValidationError


@dataclass
class StatementRow:
    date: date
    kind: str  # invoice | credit_note | payment
    number: str
    #: The invoice (or credit note) id, also for a payment (the invoice it pays).
    invoice_id: int
    debit: Decimal
    credit: Decimal
    balance: Decimal = Decimal(0)
    reference: str | None = None
    due_date: date | None = None


@dataclass
class Statement:
    customer: Customer
    currency: Currency
    start: date
    end: date
    opening_balance: Decimal
    rows: list[StatementRow] = field(default_factory=list)
    closing_balance: Decimal = Decimal(0)
    total_debit: Decimal = Decimal(0)
    total_credit: Decimal = Decimal(0)


def _documents_filter(customer: Customer) -> list:
    return [Invoice.customer_id == customer.id, Invoice.status.in_(ISSUED_STATUSES)]


def _opening(customer: Customer, start: date) -> Decimal:
    signed = case((Invoice.kind == "credit_note", -Invoice.total), else_=Invoice.total)
    documents = db.session.scalar(
        select(func.coalesce(func.sum(signed), 0)).where(
            *_documents_filter(customer), Invoice.issue_date < start
        )
    )
    paid = db.session.scalar(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Payment.invoice)
        .where(Invoice.customer_id == customer.id, Payment.paid_at < start)
    )
    return as_decimal(documents) - as_decimal(paid)


def statement(customer: Customer, start: date, end: date) -> Statement:
    """The statement of ``customer`` from ``start`` to ``end`` (both included)."""
    if end < start:
        message = _("The end date must not be before the start date.")
        raise ValidationError(message, fields={"end": message})
    places = customer.currency.decimal_places
    opening = _opening(customer, start).quantize(Decimal(1).scaleb(-places))
    rows = _document_rows(customer, start, end) + _payment_rows(customer, start, end)
    order = {"invoice": 0, "credit_note": 1, "payment": 2}
    rows.sort(key=lambda r: (r.date, order[r.kind], r.number))
    balance = opening
    for row in rows:
        balance += row.debit - row.credit
        row.balance = balance
    return Statement(
        customer=customer,
        currency=customer.currency,
        start=start,
        end=end,
        opening_balance=opening,
        rows=rows,
        closing_balance=balance,
        total_debit=sum((r.debit for r in rows), Decimal(0)),
        total_credit=sum((r.credit for r in rows), Decimal(0)),
    )


def _document_rows(customer: Customer, start: date, end: date) -> list[StatementRow]:
    """The invoices (debit) and credit notes (credit) issued in the period, unsorted."""
    rows: list[StatementRow] = []
    documents = db.session.execute(
        select(
            Invoice.id,
            Invoice.kind,
            Invoice.number,
            Invoice.issue_date,
            Invoice.due_date,
            Invoice.total,
        ).where(*_documents_filter(customer), Invoice.issue_date.between(start, end))
    )
    for doc_id, kind, number, issued, due, total in documents:
        credit_note = kind == "credit_note"
        rows.append(
            StatementRow(
                date=issued,
                kind=kind,
                number=number or "",
                invoice_id=doc_id,
                debit=Decimal(0) if credit_note else total,
                credit=total if credit_note else Decimal(0),
                due_date=None if credit_note else due,
            )
        )
    return rows


def _payment_rows(customer: Customer, start: date, end: date) -> list[StatementRow]:
    """The payments received in the period (credit), unsorted."""
    rows: list[StatementRow] = []
    payments = db.session.execute(
        select(
            Payment.paid_at,
            Payment.amount,
            Payment.reference,
            Payment.method,
            Invoice.id,
            Invoice.number,
            Payment.id,
        )
        .join(Payment.invoice)
        .where(Invoice.customer_id == customer.id, Payment.paid_at.between(start, end))
    )
    for paid_at, amount, reference, method, invoice_id, number, _pid in payments:
        rows.append(
            StatementRow(
                date=paid_at,
                kind="payment",
                number=number or "",
                invoice_id=invoice_id,
                debit=Decimal(0),
                credit=amount,
                reference=reference or method,
            )
        )
    return rows
