"""What finance systems and sign-ups leave behind: the sales a finance system reported on an
invoice (paid or not yet), and the registrations waiting for a staff member's approval."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Money, TimestampMixin, UTCDateTime
from portal.models.billing import Invoice, Payment, in_clause
from portal.models.customers import Contact, Customer
from portal.models.staff import Staff

SALE_STATUSES = ("paid", "unpaid")
REGISTRATION_STATUSES = ("pending", "approved", "refused")


class Sale(TimestampMixin, db.Model):
    """A sale the finance system booked for an invoice, under its own ``reference``: ``unpaid``
    (an open receivable with the finance system's due date) or ``paid`` (with the payment it
    recorded). Reporting the same reference as paid later records the payment then."""

    __tablename__ = "sales"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("status", SALE_STATUSES), name="status"),
        UniqueConstraint("invoice_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(120))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16), default="paid", index=True)
    due_date: Mapped[date | None] = mapped_column(Date)
    paid_at: Mapped[date | None] = mapped_column(Date)
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )

    invoice: Mapped[Invoice] = relationship()
    payment: Mapped[Payment | None] = relationship()


class RegistrationRequest(TimestampMixin, db.Model):
    """A portal sign-up while registration needs approval: the customer and its contact exist
    but stay inactive until a staff member approves; a refusal deletes them and keeps this
    row (with the names) as the record of the decision."""

    __tablename__ = "registration_requests"
    __audited__ = True
    __table_args__ = (CheckConstraint(in_clause("status", REGISTRATION_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    company_name: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(254))
    language: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )

    customer: Mapped[Customer | None] = relationship()
    contact: Mapped[Contact | None] = relationship()
    decided_by: Mapped[Staff | None] = relationship()
