"""Support tickets with their messages and the document they are about (read only):
``/tickets``, ``/tickets/{id}``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.api.core import get_or_404, operation, paginate
from portal.api.schemas import (
    AttachmentOut,
    Page,
    TicketAbout,
    TicketMessageOut,
    TicketOut,
    TicketQuery,
)
from portal.models import Ticket, TicketMessage


def _message(message: TicketMessage) -> TicketMessageOut:
    if message.author_staff_id is not None and message.author_staff is not None:
        kind, name = "staff", message.author_staff.name
    elif message.author_contact is not None:
        kind, name = "contact", message.author_contact.full_name
    else:
        kind, name = None, "Deleted contact"
    return TicketMessageOut(
        id=message.id,
        author_type=kind,  # type: ignore[arg-type]
        author_name=name,
        body=message.body,
        is_internal=message.is_internal,
        attachments=[
            AttachmentOut(
                id=a.id, original_name=a.original_name, content_type=a.content_type, size=a.size
            )
            for a in message.attachments
        ],
        created_at=message.created_at,
    )


def _about(ticket: Ticket) -> TicketAbout | None:
    if ticket.invoice is not None:
        return TicketAbout(kind="invoice", id=ticket.invoice.id, number=ticket.invoice.number)
    if ticket.estimate is not None:
        return TicketAbout(kind="estimate", id=ticket.estimate.id, number=ticket.estimate.number)
    return None


def ticket_out(ticket: Ticket) -> TicketOut:
    return TicketOut(
        id=ticket.id,
        customer_id=ticket.customer_id,
        contact_id=ticket.contact_id,
        invoice_id=ticket.invoice_id,
        estimate_id=ticket.estimate_id,
        about=_about(ticket),
        subject=ticket.subject,
        priority=ticket.priority,
        status=ticket.status,
        assigned_staff_id=ticket.assigned_staff_id,
        messages=[_message(m) for m in ticket.messages],
        last_message_at=ticket.last_message_at,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
    )


TICKET_LOAD = (
    selectinload(Ticket.invoice),
    selectinload(Ticket.estimate),
    selectinload(Ticket.messages).options(
        selectinload(TicketMessage.attachments),
        selectinload(TicketMessage.author_staff),
        selectinload(TicketMessage.author_contact),
    ),
)


@operation(
    "GET", "/tickets", summary="List tickets", tag="tickets", query=TicketQuery,
    response=Page[TicketOut], errors=(422,),
)  # fmt: skip
def list_tickets(query: TicketQuery) -> Any:
    stmt = select(Ticket).options(*TICKET_LOAD)
    if query.customer_id is not None:
        stmt = stmt.where(Ticket.customer_id == query.customer_id)
    if query.status is not None:
        stmt = stmt.where(Ticket.status == query.status)
    return paginate(stmt, query, Ticket, ticket_out)


@operation(
    "GET", "/tickets/<int:id>", summary="Get a ticket with its messages", tag="tickets",
    response=TicketOut, errors=(404,),
)  # fmt: skip
def get_ticket(id: int) -> Any:
    return ticket_out(get_or_404(Ticket, id, options=TICKET_LOAD))
