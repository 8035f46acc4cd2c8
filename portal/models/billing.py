"""Invoices (and credit notes), estimates, their lines, payments and number sequences."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Money, Percent, Quantity, TimestampMixin, UTCDateTime
from portal.models.customers import Currency, Customer

#: ``credited``: settled by credit notes that cover the whole total (not money received).
INVOICE_STATUSES = ("draft", "unpaid", "partially_paid", "paid", "cancelled", "credited")
ESTIMATE_STATUSES = ("draft", "sent", "accepted", "declined", "invoiced")
INVOICE_KINDS = ("invoice", "credit_note")


def in_clause(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The rules behind the status shown and the amount due, on plain values: the models use them,
# and so do lists that read plain rows instead of model objects.


def invoice_amount_due(status: str, total: Decimal, amount_paid: Decimal) -> Decimal:
    """What is still to pay: nothing on a draft or a cancelled invoice."""
    if status in ("draft", "cancelled"):
        return Decimal("0")
    return total - amount_paid


def invoice_display_status(status: str, due_date: date | None, today: date) -> str:
    """The stored status, or ``overdue`` for an unpaid (or partially paid) invoice past due."""
    if status in ("unpaid", "partially_paid") and due_date is not None and due_date < today:
        return "overdue"
    return status


def estimate_display_status(status: str, expiry_date: date | None, today: date) -> str:
    """The stored status, or ``expired`` for a sent estimate past its expiry date."""
    if status == "sent" and expiry_date is not None and expiry_date < today:
        return "expired"
    return status


class NumberSequence(db.Model):
    """A counter per document series (``invoice``, ``estimate``, ``credit_note``, ``customer``).

    ``next_value`` is taken and incremented in the same transaction that uses the number, under a
    row lock (PostgreSQL) or the database write lock (SQLite), so numbers are gapless: a rolled
    back transaction gives its number back. See :mod:`portal.services.billing.numbering`.
    """

    __tablename__ = "number_sequences"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer, default=1)


class LineMixin:
    """A document line: description, quantity, unit price, tax percent, discount percent."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal] = mapped_column(Money)
    #: The tax percent applied (a snapshot, so changing a tax rate never alters old documents).
    tax_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    discount_percent: Mapped[Decimal] = mapped_column(Percent, default=Decimal("0"))
    #: Net amount after discount, before tax, rounded to the currency.
    net_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))

    @declared_attr
    def tax_rate_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("tax_rates.id", ondelete="SET NULL"))


class DocumentMixin(TimestampMixin):
    """What invoices and estimates share."""

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Assigned when the document is issued/sent; ``None`` for drafts.
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    issue_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    terms: Mapped[str | None] = mapped_column(Text)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The customer's shipping address when issued/sent (empty: none, or a draft).
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subtotal: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    tax_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: Optimistic locking: a stale save raises ``StaleDataError`` instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.__table__.c.version}

    @declared_attr
    def customer_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("customers.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def currency_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("currencies.id", ondelete="RESTRICT"))

    @declared_attr
    def customer(cls) -> Mapped[Customer]:
        return relationship(Customer)

    @declared_attr
    def currency(cls) -> Mapped[Currency]:
        return relationship(Currency, lazy="joined")


class Invoice(DocumentMixin, db.Model):
    __tablename__ = "invoices"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("status", INVOICE_STATUSES), name="status"),
        CheckConstraint(in_clause("kind", INVOICE_KINDS), name="kind"),
        Index("ix_invoices_customer_status", "customer_id", "status"),
        # A customer's invoices newest first (the portal list, the customer card) without a sort.
        Index("ix_invoices_customer_issue_date", "customer_id", "issue_date", "id"),
        Index("ix_invoices_unprocessed", "processed_at", "issued_at"),
        Index("ix_invoices_status_due", "status", "due_date"),
    )

    kind: Mapped[str] = mapped_column(String(16), default="invoice")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    due_date: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    amount_paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    #: Integration queue: set when a finance system took the invoice.
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finance_reference: Mapped[str | None] = mapped_column(String(120))
    #: For a credit note: the invoice it corrects.
    credited_invoice_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT")
    )
    estimate_id: Mapped[int | None] = mapped_column(ForeignKey("estimates.id", ondelete="SET NULL"))
    #: Recurring invoices: repeat every N months from ``next_recurring_date``.
    recurring_months: Mapped[int | None] = mapped_column(Integer)
    next_recurring_date: Mapped[date | None] = mapped_column(Date)
    recurring_parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("invoices.id", ondelete="SET NULL")
    )
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="InvoiceLine.position",
    )
    payments: Mapped[list[Payment]] = relationship(
        back_populates="invoice", order_by="Payment.paid_at"
    )

    def __repr__(self) -> str:
        return f"<Invoice {self.id} {self.number or 'draft'}>"

    @property
    def amount_due(self) -> Decimal:
        return invoice_amount_due(self.status, self.total, self.amount_paid)

    def is_overdue(self, today: date) -> bool:
        return invoice_display_status(self.status, self.due_date, today) == "overdue"

    def display_status(self, today: date) -> str:
        """The stored status, or ``overdue`` derived from the due date."""
        return invoice_display_status(self.status, self.due_date, today)


class InvoiceLine(LineMixin, db.Model):
    __tablename__ = "invoice_lines"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class Estimate(DocumentMixin, db.Model):
    __tablename__ = "estimates"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("status", ESTIMATE_STATUSES), name="status"),
        Index("ix_estimates_customer_status", "customer_id", "status"),
        Index("ix_estimates_customer_issue_date", "customer_id", "issue_date", "id"),
    )

    status: Mapped[str] = mapped_column(String(16), default="draft")
    expiry_date: Mapped[date | None] = mapped_column(Date)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_name: Mapped[str | None] = mapped_column(String(255))
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(Text)

    lines: Mapped[list[EstimateLine]] = relationship(
        back_populates="estimate",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="EstimateLine.position",
    )

    def __repr__(self) -> str:
        return f"<Estimate {self.id} {self.number or 'draft'}>"

    def is_expired(self, today: date) -> bool:
        return estimate_display_status(self.status, self.expiry_date, today) == "expired"

    def display_status(self, today: date) -> str:
        return estimate_display_status(self.status, self.expiry_date, today)


class EstimateLine(LineMixin, db.Model):
    __tablename__ = "estimate_lines"

    estimate_id: Mapped[int] = mapped_column(
        ForeignKey("estimates.id", ondelete="CASCADE"), index=True
    )
    estimate: Mapped[Estimate] = relationship(back_populates="lines")


class Payment(TimestampMixin, db.Model):
    __tablename__ = "payments"
    __audited__ = True
    __table_args__ = (
        # A refund through a payment provider is a negative payment (with a note).
        CheckConstraint("amount <> 0", name="amount_nonzero"),
        # One row per payment (or refund) at a provider, however often its webhook arrives.
        UniqueConstraint("provider", "provider_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    currency_id: Mapped[int] = mapped_column(ForeignKey("currencies.id", ondelete="RESTRICT"))
    paid_at: Mapped[date] = mapped_column(Date)
    method: Mapped[str | None] = mapped_column(String(60))
    reference: Mapped[str | None] = mapped_column(String(120), index=True)
    #: Online payments: the provider (``stripe``) and its reference for this payment or refund
    #: (see :mod:`portal.services.payments`); empty for payments recorded by staff or the API.
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_reference: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)

    invoice: Mapped[Invoice] = relationship(back_populates="payments")
    currency: Mapped[Currency] = relationship(lazy="joined")
