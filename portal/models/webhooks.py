"""Webhooks a finance system registers, and the queue of their deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow
from portal.models.billing import in_clause

WEBHOOK_EVENTS = ("invoice.issued", "invoice.paid", "customer.updated", "payment.created")
DELIVERY_STATUSES = ("queued", "sending", "delivered", "failed")


class Webhook(TimestampMixin, db.Model):
    __tablename__ = "webhooks"
    __audited__ = True
    __audit_exclude__ = frozenset({"secret"})

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The event names this webhook receives (a subset of ``WEBHOOK_EVENTS``).
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The HMAC key of the ``X-Portal-Signature`` header; shown once when created.
    secret: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The API token that registered it (``None`` when created in the admin).
    token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_tokens.id", ondelete="SET NULL"), index=True
    )


class WebhookDelivery(db.Model):
    """One event for one webhook: queued in the business transaction, sent by the worker."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        CheckConstraint(in_clause("status", DELIVERY_STATUSES), name="status"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(
        ForeignKey("webhooks.id", ondelete="CASCADE"), index=True
    )
    event: Mapped[str] = mapped_column(String(64))
    #: The exact JSON body sent (and signed).
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    webhook: Mapped[Webhook] = relationship()
