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

from sqlalchemy import ColumnElement, Subquery, func, select, true, union_all

from portal.extensions import db
from portal.models import Currency, Invoice, Payment, Staff
from portal.models.base import as_decimal
from portal.services.access.staff import sees_all, visible_filter
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


def movements(
    scope: ColumnElement[bool] | None, start: date, end: date, by: str = "day"
) -> Subquery:
    """Invoiced and credited (issued invoices and credit notes by issue date) and paid
    (payments by payment date) from ``start`` to ``end`` inclusive, for the invoices ``scope``
    admits (``None``: all), summed per currency and ``by`` (``"day"`` or ``"customer"``) in
    each of the two branches of a ``UNION ALL``; rows of (key, currency_id, invoiced,
    credited, paid), a key at most twice (once per branch)."""
    if by == "customer":
        scope = true() if scope is None else scope  # a payment's customer is its invoice's
        document_key, payment_key = Invoice.customer_id, Invoice.customer_id
    else:
        document_key, payment_key = Invoice.issue_date, Payment.paid_at
    documents = (
        select(
            document_key.label("key"),
            Invoice.currency_id.label("currency_id"),
            func.sum(rules.invoice_amount()).label("invoiced"),
            func.sum(rules.credit_amount()).label("credited"),
            rules.ZERO.label("paid"),
        )
        .where(rules.issued(), Invoice.issue_date >= start, Invoice.issue_date <= end)
        .group_by(document_key, Invoice.currency_id)
    )
    payments = (
        select(payment_key, Payment.currency_id, rules.ZERO, rules.ZERO, func.sum(Payment.amount))
        .where(Payment.paid_at >= start, Payment.paid_at <= end)
        .group_by(payment_key, Payment.currency_id)
    )
    if scope is not None:
        documents = documents.where(scope)
        payments = payments.join(Invoice, Invoice.id == Payment.invoice_id).where(scope)
    return union_all(documents, payments).subquery("movements")


def sums(flows: Subquery) -> tuple[Any, Any, Any]:
    return (
        func.sum(flows.c.invoiced).label("invoiced"),
        func.sum(flows.c.credited).label("credited"),
        func.sum(flows.c.paid).label("paid"),
    )


def by_month(scope: ColumnElement[bool] | None, start: date, end: date) -> list[CurrencyMonths]:
    """Invoiced, credited and paid per currency and month from ``start`` to ``end``; one
    statement, grouped by day (the months are folded here: the same on every database, and
    no date function per row). Currencies without any movement in the period are left out."""
    flows = movements(scope, start, end)
    rows = db.session.execute(
        select(Currency, flows.c.key, *sums(flows))
        .join(flows, flows.c.currency_id == Currency.id)
        .group_by(Currency.id, flows.c.key)
        .order_by(Currency.code)
    ).all()
    found: dict[int, tuple[Currency, dict[int, list[Decimal]]]] = {}
    for currency, day, *values in rows:
        months = found.setdefault(currency.id, (currency, {}))[1]
        month = months.setdefault(rules.index_of(as_date(day)), [Decimal(0)] * 3)
        for i, value in enumerate(values):
            month[i] += as_decimal(value or 0)
    result = []
    for currency, months in found.values():
        filled = []
        for first in rules.months_between(start, end):
            values = months.get(rules.index_of(first), [Decimal(0)] * 3)
            filled.append(MonthRow(first, *(rules.money(v, currency) for v in values)))
        top = max([max(m.net, m.paid) for m in filled] or [Decimal(0)])
        result.append(CurrencyMonths(currency, filled, rules.nice_ceiling(top)))
    return result


def as_date(value: Any) -> date:
    """A date from a ``UNION`` column (SQLite may hand back the ISO text)."""
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def staff_scope(staff: Staff) -> ColumnElement[bool] | None:
    """The condition on invoices for what ``staff`` may see; ``None`` when it sees them all
    (the statements then skip the join from payments to invoices)."""
    return None if sees_all(staff, "invoices") else visible_filter(staff, "invoices", Invoice)


def last_twelve_months(scope: ColumnElement[bool] | None, today: date) -> list[CurrencyMonths]:
    """:func:`by_month` for the twelve months up to and including today's."""
    months = rules.last_months(today, 12)
    return by_month(scope, months[0], today)
