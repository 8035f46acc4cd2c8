"""Online payment attempts: one row per checkout session opened at a payment provider."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import Money, TimestampMixin
from portal.models.billing import Invoice, Payment, in_clause
from portal.models.customers import Currency

CHECKOUT_STATUSES = ("open", "paid")


class PaymentCheckout(TimestampMixin, db.Model):
    """A contact's attempt to pay (part of) an invoice online: the amount asked for and the
    provider's checkout session. ``idempotency_key`` is the key sent to the provider, so the
    same attempt (a double click) finds this row, or the provider's first session, again."""

    __tablename__ = "payment_checkouts"
    __table_args__ = (
        CheckConstraint(in_clause("status", CHECKOUT_STATUSES), name="status"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("provider", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    #: Who started it (the receipt goes to this contact); kept when the contact is deleted.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency_id: Mapped[int] = mapped_column(ForeignKey("currencies.id", ondelete="RESTRICT"))
    #: The provider's checkout session and the page the contact is sent to.
    session_id: Mapped[str] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    #: The payment recorded when the provider confirmed it.
    payment_id: Mapped[int | None] = mapped_column(
        ForeignKey("payments.id", ondelete="SET NULL"), index=True
    )

    invoice: Mapped[Invoice] = relationship()
    currency: Mapped[Currency] = relationship(lazy="joined")
    payment: Mapped[Payment | None] = relationship()
