"""Support tickets, their messages and attachments."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import TimestampMixin, UTCDateTime, utcnow
from portal.models.billing import Estimate, Invoice, in_clause
from portal.models.customers import Contact, Customer

if TYPE_CHECKING:
    from portal.models.staff import Staff

TICKET_PRIORITIES = ("low", "medium", "high", "urgent")
TICKET_STATUSES = ("open", "in_progress", "answered", "on_hold", "closed")


class Ticket(TimestampMixin, db.Model):
    __tablename__ = "tickets"
    __audited__ = True
    __table_args__ = (
        CheckConstraint(in_clause("priority", TICKET_PRIORITIES), name="priority"),
        CheckConstraint(in_clause("status", TICKET_STATUSES), name="status"),
        Index("ix_tickets_customer_status", "customer_id", "status"),
        Index("ix_tickets_status_last_message", "status", "last_message_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    #: ``None`` once the contact was deleted ("Deleted contact" on past tickets).
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(255))
    priority: Mapped[str] = mapped_column(String(16), default="medium")
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL"), index=True
    )
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"))
    estimate_id: Mapped[int | None] = mapped_column(ForeignKey("estimates.id", ondelete="SET NULL"))
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    customer: Mapped[Customer] = relationship()
    contact: Mapped[Contact | None] = relationship()
    assigned_staff: Mapped[Staff | None] = relationship()
    #: The document the ticket is about (see :mod:`portal.services.tickets.about`).
    invoice: Mapped[Invoice | None] = relationship()
    estimate: Mapped[Estimate | None] = relationship()
    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TicketMessage.created_at",
    )


class TicketMessage(db.Model):
    __tablename__ = "ticket_messages"
    __audited__ = True
    __table_args__ = (Index("ix_ticket_messages_ticket_created", "ticket_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    author_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    #: Internal staff notes are never shown to contacts.
    is_internal: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author_staff: Mapped[Staff | None] = relationship()
    author_contact: Mapped[Contact | None] = relationship()
    attachments: Mapped[list[TicketAttachment]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )


class TicketAttachment(db.Model):
    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_messages.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(String(255))
    #: Random file name under ``PORTAL_UPLOAD_DIR``.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    message: Mapped[TicketMessage] = relationship(back_populates="attachments")
