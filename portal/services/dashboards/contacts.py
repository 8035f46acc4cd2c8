"""The portal dashboard's figures for one contact: balance due and overdue per currency, invoiced
and paid over the last twelve months, open estimates, open tickets - each only where the
contact has the permission.

A fixed number of queries whatever the number of records (one per area shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import Contact, Currency, Estimate, Invoice, Ticket
from portal.services.access.contacts import visible_estimates, visible_tickets
from portal.services.dashboards import ledger, rules

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
    #: Invoiced and paid per month over the last twelve months, per currency.
    months: list[ledger.CurrencyMonths] | None = None
    open_estimates: list[Estimate] | None = None
    open_estimate_count: int = 0
    open_tickets: list[Ticket] | None = None
    open_ticket_count: int = 0


def _balances(contact: Contact, today: date) -> list[Balance]:
    due = rules.outstanding_amount()
    rows = db.session.execute(
        select(Currency, func.sum(due), func.sum(rules.case_when(rules.is_overdue(today), due)))
        .join(Invoice, Invoice.currency_id == Currency.id)
        .where(rules.open_invoice(), Invoice.customer_id == contact.customer_id)
        .group_by(Currency.id)
        .order_by(Currency.code)
    ).all()
    return [
        Balance(currency, rules.money(total, currency), rules.money(late, currency))
        for currency, total, late in rows
    ]


def summary(contact: Contact, today: date) -> PortalSummary:
    result = PortalSummary()
    if contact.may("invoices"):
        result.balances = _balances(contact, today)
        result.months = ledger.last_twelve_months(Invoice.customer_id == contact.customer_id, today)
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
