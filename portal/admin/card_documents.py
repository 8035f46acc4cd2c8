"""The customer card's Invoices and Tickets tabs: the customer's newest 100, scoped to what the
member may see, with a status filter (``?tab=invoices&status=overdue``,
``?tab=tickets&status=open``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import TICKET_STATUSES, Customer, Invoice, Staff, Ticket
from portal.services.access.staff import scope_query
from portal.services.billing.search import INVOICE_FILTERS, invoice_status

TAB_ROWS = 100


def _status(allowed: tuple[str, ...]) -> str:
    status = request.args.get("status", "")
    return status if status in allowed else ""


def invoices_tab(customer: Customer, me: Staff) -> dict[str, Any]:
    status = _status(INVOICE_FILTERS)
    stmt = scope_query(
        select(Invoice).where(Invoice.customer_id == customer.id), me, "invoices", Invoice
    )
    wanted = invoice_status(status, date.today())
    if wanted is not None:
        stmt = stmt.where(wanted)
    invoices = db.session.scalars(
        stmt.order_by(Invoice.issue_date.desc().nulls_first(), Invoice.id.desc()).limit(TAB_ROWS)
    ).all()
    count = db.session.scalar(
        select(func.count()).select_from(Invoice).where(Invoice.customer_id == customer.id)
    )
    return {
        "invoices": invoices,
        "invoice_count": count,
        "status": status,
        "invoice_filters": INVOICE_FILTERS,
    }


def tickets_tab(customer: Customer, me: Staff) -> dict[str, Any]:
    status = _status(TICKET_STATUSES)
    stmt = scope_query(
        select(Ticket).where(Ticket.customer_id == customer.id), me, "tickets", Ticket
    )
    if status:
        stmt = stmt.where(Ticket.status == status)
    tickets = db.session.scalars(
        stmt.options(selectinload(Ticket.contact))
        .order_by(Ticket.last_message_at.desc())
        .limit(TAB_ROWS)
    ).all()
    return {"tickets": tickets, "status": status, "ticket_statuses": TICKET_STATUSES}
