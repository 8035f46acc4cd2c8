"""Money in and out over time: what was invoiced (less credit notes) and what was paid, per
currency and month, read in one ``UNION ALL`` + ``GROUP BY`` statement.

Used by the admin dashboard, the portal dashboard and the revenue report; the rule for what
counts is :mod:`portal.services.dashboards.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Subquery, func, select, union_all

from portal.extensions import db
from portal.models import Currency, Invoice, Payment
from portal.services.dashboards import rules


@dataclass
class MonthRow:
    month: date  #: the first day of the month
    invoiced: Decimal
    credited: Decimal
    paid: Decimal

    @property
    def net(self) -> Decimal:
        """Invoiced less credit notes."""
        return self.invoiced - self.credited


@dataclass
class CurrencyMonths:
    """One currency's months, every month of the period present (zero when nothing happened)."""

    currency: Currency
    months: list[MonthRow]
    top: Decimal = field(default=Decimal(0))  #: the top of the chart's scale

    @property
    def invoiced(self) -> Decimal:
        return sum((m.invoiced for m in self.months), Decimal(0))

    @property
    def credited(self) -> Decimal:
        return sum((m.credited for m in self.months), Decimal(0))

    @property
    def net(self) -> Decimal:
        return self.invoiced - self.credited

    @property
    def paid(self) -> Decimal:
        return sum((m.paid for m in self.months), Decimal(0))


def movements(scope: ColumnElement[bool], start: date, end: date) -> Subquery:
    """Every issued invoice and credit note by issue date, and every payment by payment date,
    from ``start`` to ``end`` (inclusive) for the invoices ``scope`` admits, as rows of
    (customer_id, currency_id, month, invoiced, credited, paid)."""
    documents = select(
        Invoice.customer_id.label("customer_id"),
        Invoice.currency_id.label("currency_id"),
        rules.month_index(Invoice.issue_date).label("month"),
        rules.invoice_amount().label("invoiced"),
        rules.credit_amount().label("credited"),
        rules.ZERO.label("paid"),
    ).where(rules.issued(), Invoice.issue_date >= start, Invoice.issue_date <= end, scope)
    payments = (
        select(
            Invoice.customer_id,
            Payment.currency_id,
            rules.month_index(Payment.paid_at),
            rules.ZERO,
            rules.ZERO,
            Payment.amount,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(Payment.paid_at >= start, Payment.paid_at <= end, scope)
    )
    return union_all(documents, payments).subquery("movements")


def sums(flows: Subquery) -> tuple[Any, Any, Any]:
    return (
        func.sum(flows.c.invoiced).label("invoiced"),
        func.sum(flows.c.credited).label("credited"),
        func.sum(flows.c.paid).label("paid"),
    )


def by_month(scope: ColumnElement[bool], start: date, end: date) -> list[CurrencyMonths]:
    """Invoiced, credited and paid per currency and month from ``start`` to ``end``; one
    statement. Currencies without any movement in the period are left out."""
    flows = movements(scope, start, end)
    rows = db.session.execute(
        select(Currency, flows.c.month, *sums(flows))
        .join(flows, flows.c.currency_id == Currency.id)
        .group_by(Currency.id, flows.c.month)
        .order_by(Currency.code, flows.c.month)
    ).all()
    found: dict[int, tuple[Currency, dict[int, MonthRow]]] = {}
    for currency, month, invoiced, credited, paid in rows:
        entry = found.setdefault(currency.id, (currency, {}))
        entry[1][int(month)] = MonthRow(
            rules.month_of(month),
            rules.money(invoiced, currency),
            rules.money(credited, currency),
            rules.money(paid, currency),
        )
    result = []
    for currency, months in found.values():
        filled = [
            months.get(rules.index_of(first)) or MonthRow(first, Decimal(0), Decimal(0), Decimal(0))
            for first in rules.months_between(start, end)
        ]
        top = max([max(m.net, m.paid) for m in filled] or [Decimal(0)])
        result.append(CurrencyMonths(currency, filled, rules.nice_ceiling(top)))
    return result


def last_twelve_months(scope: ColumnElement[bool], today: date) -> list[CurrencyMonths]:
    """:func:`by_month` for the twelve months up to and including today's."""
    months = rules.last_months(today, 12)
    return by_month(scope, months[0], today)
