"""The admin dashboard's figures, scoped to what the staff member may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import func, or_, select

from portal.extensions import db
from portal.models import Currency, Estimate, Invoice, Staff, Ticket
from portal.services.access.staff import can_view, scope_query
from portal.services.dashboards import rules
from portal.services.dashboards.charts import Aging


@dataclass
class CurrencyTotals:
    currency: Currency
    outstanding: Decimal
    overdue: Decimal


@dataclass
class Summary:
    totals: list[CurrencyTotals] | None = field(default=None)  # None: no invoice access
    open_estimates: int | None = None
    open_tickets: int | None = None


def summary(staff: Staff, today: date, aging: list[Aging] | None = None) -> Summary:
    """Outstanding and overdue per currency, open estimates and open tickets; an area the
    member cannot see stays ``None``; ``view_own`` counts only assigned customers. With the
    dashboard's ``aging`` chart at hand the totals are its sums (no second pass over the
    open invoices)."""
    result = Summary()
    if aging is not None and can_view(staff, "invoices"):
        result.totals = [CurrencyTotals(a.currency, a.total, a.overdue) for a in aging]
    elif can_view(staff, "invoices"):
        due = rules.outstanding_amount()
        stmt = (
            select(Currency, func.sum(due), func.sum(rules.case_when(rules.is_overdue(today), due)))
            .join(Invoice, Invoice.currency_id == Currency.id)
            .where(rules.open_invoice())
            .group_by(Currency.id)
            .order_by(Currency.code)
        )
        rows = db.session.execute(scope_query(stmt, staff, "invoices", Invoice)).all()
        result.totals = [
            CurrencyTotals(
                currency, rules.money(outstanding, currency), rules.money(late, currency)
            )
            for currency, outstanding, late in rows
        ]
    if can_view(staff, "estimates"):
        stmt = select(func.count(Estimate.id)).where(
            Estimate.status == "sent",
            or_(Estimate.expiry_date.is_(None), Estimate.expiry_date >= today),
        )
        result.open_estimates = db.session.scalar(scope_query(stmt, staff, "estimates", Estimate))
    if can_view(staff, "tickets"):
        stmt = select(func.count(Ticket.id)).where(Ticket.status != "closed")
        result.open_tickets = db.session.scalar(scope_query(stmt, staff, "tickets", Ticket))
    return result
