"""The outbox: every email is a row first, delivered after the business change commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow
from portal.models.billing import in_clause

OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    __table_args__ = (
        CheckConstraint(in_clause("status", OUTBOX_STATUSES), name="status"),
        Index("ix_outbox_emails_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    #: Attachments to render at send time, e.g. ``[{"kind": "invoice_pdf", "id": 12}]``.
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: The template that produced it (``welcome``, ``password_reset``...), for the admin list.
    template: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
