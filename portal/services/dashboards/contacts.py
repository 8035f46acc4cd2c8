"""The portal dashboard's figures for one contact: balance due and overdue per currency, open
estimates, open tickets - each only where the contact has the permission.

A fixed number of queries whatever the number of records (one per area shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, or_, select

from portal.extensions import db
from portal.models import Contact, Currency, Estimate, Invoice, Ticket
from portal.services.access.contacts import visible_estimates, visible_invoices, visible_tickets
from portal.services.billing.money import round_money

OPEN_INVOICE = ("unpaid", "partially_paid")
RECENT = 5


@dataclass
class Balance:
    currency: Currency
    due: Decimal
    overdue: Decimal


@dataclass
class PortalSummary:
    #: ``None`` where the contact may not use the area.
    balances: list[Balance] | None = None
    open_estimates: list[Estimate] | None = None
    open_estimate_count: int = 0
    open_tickets: list[Ticket] | None = None
    open_ticket_count: int = 0


def _balances(contact: Contact, today: date) -> list[Balance]:
    invoices = (
        visible_invoices(contact).where(Invoice.status.in_(OPEN_INVOICE)).subquery("open_invoices")
    )
    due = invoices.c.total - invoices.c.amount_paid
    overdue = case((invoices.c.due_date < today, due), else_=0)
    rows = db.session.execute(
        select(Currency, func.sum(due), func.sum(overdue))
        .join(invoices, invoices.c.currency_id == Currency.id)
        .group_by(Currency.id)
        .order_by(Currency.code)
    ).all()
    return [
        Balance(
            currency,
            round_money(Decimal(total or 0), currency.decimal_places),
            round_money(Decimal(late or 0), currency.decimal_places),
        )
        for currency, total, late in rows
    ]


def summary(contact: Contact, today: date) -> PortalSummary:
    result = PortalSummary()
    if contact.may("invoices"):
        result.balances = _balances(contact, today)
    if contact.may("estimates"):
        open_filter = (
            Estimate.status == "sent",
            or_(Estimate.expiry_date.is_(None), Estimate.expiry_date >= today),
        )
        stmt = visible_estimates(contact).where(*open_filter)
        result.open_estimate_count = (
            db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        )
        result.open_estimates = list(
            db.session.scalars(stmt.order_by(Estimate.expiry_date, Estimate.id).limit(RECENT))
        )
    if contact.may("tickets"):
        stmt = visible_tickets(contact).where(Ticket.status != "closed")
        result.open_ticket_count = (
            db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        )
        result.open_tickets = list(
            db.session.scalars(stmt.order_by(Ticket.last_message_at.desc()).limit(RECENT))
        )
    return result
