"""The reports: receivables aging per customer, revenue by customer, group or month, and payments
received per month; all for the invoices a staff member may see (``view_own``: its customers).

A report page runs a fixed number of statements whatever the data (one ``GROUP BY`` for the
rows, one count for the pager, one for the totals per currency). What counts as invoiced, paid,
outstanding and overdue: :mod:`portal.services.dashboards.rules`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, Subquery, func, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import (
    Currency,
    Customer,
    CustomerGroup,
    Invoice,
    Payment,
    Staff,
    customer_group_members,
)
from portal.models.base import as_decimal
from portal.services.access.staff import visible_filter
from portal.services.billing import search as document_search
from portal.services.dashboards import ledger, rules
from portal.services.platform.paging import Page

REVENUE_DIMENSIONS = ("group", "customer", "month")


def _scope(staff: Staff) -> Any:
    return visible_filter(staff, "invoices", Invoice)


def _count(stmt: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


# -- aging ------------------------------------------------------------------------------------


@dataclass
class AgingRow:
    customer_id: int
    number: str
    name: str
    currency: Currency
    amounts: list[Decimal]  #: per bucket of ``rules.BUCKETS``

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    @property
    def overdue(self) -> Decimal:
        return sum(self.amounts[1:], Decimal(0))


def _aging_statement(staff: Staff, today: date) -> Select[Any]:
    """Per customer and currency, the outstanding amount in each bucket, by currency and most
    overdue first; the last column is the number of such rows (a window over the groups, so a
    page needs no second pass for its pager)."""
    bucket = rules.aging_bucket(today)
    due = rules.outstanding_amount()
    columns = [
        func.sum(rules.case_when(bucket == i, due)).label(name)
        for i, name in enumerate(rules.BUCKETS)
    ]
    overdue = func.sum(rules.case_when(bucket > 0, due))
    grouped = (
        select(
            Invoice.customer_id,
            Invoice.currency_id,
            Currency.code,
            *columns,
            overdue.label("overdue"),
            func.count().over().label("rows"),
        )
        .join(Currency, Currency.id == Invoice.currency_id)
        .where(rules.open_invoice(), visible_filter(staff, "invoices", Invoice))
        .group_by(Invoice.customer_id, Invoice.currency_id, Currency.code)
    )
    return grouped.order_by(Currency.code, overdue.desc(), Invoice.customer_id)


def _with_names(grouped: Subquery, *order: Any) -> Select[Any]:
    """The rows of ``grouped`` with their customer's number and name and their currency."""
    return (
        select(
            Customer.id,
            Customer.number,
            Customer.company_name,
            Currency,
            *(grouped.c[name] for name in rules.BUCKETS),
            grouped.c.rows,
        )
        .join(grouped, grouped.c.customer_id == Customer.id)
        .join(Currency, Currency.id == grouped.c.currency_id)
        .order_by(*order)
    )


def _aging_row(row: Any) -> AgingRow:
    customer_id, number, name, currency, *amounts, _rows = row
    return AgingRow(
        customer_id, number, name, currency, [rules.money(a, currency) for a in amounts]
    )


def aging_page(staff: Staff, today: date, number: int, per_page: int) -> Page[AgingRow]:
    """Page ``number`` of the customers with open invoices, by currency, most overdue first
    (one statement; a second only to count when the page is past the end)."""
    grouped = (
        _aging_statement(staff, today)
        .limit(per_page)
        .offset((number - 1) * per_page)
        .subquery("aging")
    )
    rows = db.session.execute(
        _with_names(grouped, grouped.c.code, grouped.c.overdue.desc(), grouped.c.customer_id)
    ).all()
    total = rows[0][-1] if rows else _count(_aging_statement(staff, today))
    return Page([_aging_row(r) for r in rows], number, per_page, total)


def aging_rows(staff: Staff, today: date) -> Iterator[AgingRow]:
    """Every row of the aging report (for the exports), read in batches."""
    grouped = _aging_statement(staff, today).subquery("aging")
    stmt = _with_names(
        grouped, grouped.c.code, grouped.c.overdue.desc(), grouped.c.customer_id
    ).execution_options(yield_per=1000)
    for row in db.session.execute(stmt):
        yield _aging_row(row)


# -- revenue ----------------------------------------------------------------------------------


@dataclass
class RevenueRow:
    """Invoiced, credited (credit notes) and paid in the period, for one group or customer and
    one currency."""

    key: Any  #: the group's name or the customer's id
    label: str
    currency: Currency
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    customers: int = 1

    @property
    def net(self) -> Decimal:
        return self.invoiced - self.credited


def _revenue_row(key: Any, label: str, currency: Currency, sums: Any, customers: int) -> RevenueRow:
    invoiced, credited, paid = (rules.money(v, currency) for v in sums)
    return RevenueRow(key, label, currency, invoiced, credited, paid, customers)


def _scope_or_none(staff: Staff) -> Any:
    return ledger.staff_scope(staff)


def revenue_by_group(staff: Staff, start: date, end: date) -> list[RevenueRow]:
    """Per customer group and currency; customers without a group under "No group", a
    customer in two groups in both. The movements are summed per customer first, then per
    group (a customer's many rows meet the group table once)."""
    flows = ledger.movements(_scope_or_none(staff), start, end, by="customer")
    per_customer = (
        select(flows.c.key.label("customer_id"), flows.c.currency_id, *ledger.sums(flows))
        .group_by(flows.c.key, flows.c.currency_id)
        .subquery("per_customer")
    )
    stmt = (
        select(
            CustomerGroup.name,
            Currency,
            func.sum(per_customer.c.invoiced),
            func.sum(per_customer.c.credited),
            func.sum(per_customer.c.paid),
            func.count(per_customer.c.customer_id),
        )
        .select_from(per_customer)
        .join(Currency, Currency.id == per_customer.c.currency_id)
        .outerjoin(
            customer_group_members,
            customer_group_members.c.customer_id == per_customer.c.customer_id,
        )
        .outerjoin(CustomerGroup, CustomerGroup.id == customer_group_members.c.group_id)
        .group_by(CustomerGroup.name, Currency.id)
        .order_by(CustomerGroup.name.is_(None), CustomerGroup.name, Currency.code)
    )
    return [
        _revenue_row(name, name or _("No group"), currency, row, count)
        for name, currency, *row, count in db.session.execute(stmt)
    ]


def revenue_by_customer(
    staff: Staff, start: date, end: date, number: int, per_page: int
) -> Page[RevenueRow]:
    """Page ``number`` of the customers with invoices, credit notes or payments in the period,
    most invoiced (net) first; one statement (the names are joined to the page's rows only)."""
    flows = ledger.movements(_scope_or_none(staff), start, end, by="customer")
    invoiced, credited, paid = ledger.sums(flows)
    net = func.sum(flows.c.invoiced) - func.sum(flows.c.credited)
    grouped = (
        select(
            flows.c.key.label("customer_id"),
            flows.c.currency_id,
            invoiced,
            credited,
            paid,
            net.label("net"),
            func.count().over().label("rows"),
        )
        .group_by(flows.c.key, flows.c.currency_id)
        .order_by(net.desc(), flows.c.key)
    )
    page = grouped.limit(per_page).offset((number - 1) * per_page).subquery("page")
    rows = db.session.execute(
        select(
            Customer.id,
            Customer.company_name,
            Currency,
            page.c.invoiced,
            page.c.credited,
            page.c.paid,
            page.c.rows,
        )
        .join(page, page.c.customer_id == Customer.id)
        .join(Currency, Currency.id == page.c.currency_id)
        .order_by(page.c.net.desc(), page.c.customer_id)
    ).all()
    total = rows[0][-1] if rows else _count(grouped)
    items = [_revenue_row(cid, name, cur, sums, 1) for cid, name, cur, *sums, _n in rows]
    return Page(items, number, per_page, total)


def revenue_by_month(staff: Staff, start: date, end: date) -> list[ledger.CurrencyMonths]:
    """Per currency and month; also the totals per currency of the other two views."""
    return ledger.by_month(_scope_or_none(staff), start, end)


# -- payments ---------------------------------------------------------------------------------


@dataclass
class PaymentMonth:
    month: date
    amount: Decimal
    count: int


@dataclass
class PaymentMonths:
    currency: Currency
    months: list[PaymentMonth]
    top: Decimal

    @property
    def amount(self) -> Decimal:
        return sum((m.amount for m in self.months), Decimal(0))

    @property
    def count(self) -> int:
        return sum(m.count for m in self.months)


def payments_by_month(staff: Staff, start: date, end: date) -> list[PaymentMonths]:
    """Payments received per currency and month (by payment date), every month present; one
    statement grouped by day (folded into months here, as in :func:`ledger.by_month`)."""
    stmt = (
        select(Currency, Payment.paid_at, func.sum(Payment.amount), func.count(Payment.id))
        .join(Payment, Payment.currency_id == Currency.id)
        .where(Payment.paid_at >= start, Payment.paid_at <= end)
        .group_by(Currency.id, Payment.paid_at)
        .order_by(Currency.code)
    )
    scope = ledger.staff_scope(staff)
    if scope is not None:
        stmt = stmt.join(Invoice, Invoice.id == Payment.invoice_id).where(scope)
    found: dict[int, tuple[Currency, dict[int, list[Any]]]] = {}
    for currency, day, amount, count in db.session.execute(stmt):
        months = found.setdefault(currency.id, (currency, {}))[1]
        month = months.setdefault(rules.index_of(day), [Decimal(0), 0])
        month[0] += as_decimal(amount or 0)
        month[1] += count
    result = []
    for currency, months in found.values():
        filled = []
        for first in rules.months_between(start, end):
            amount, count = months.get(rules.index_of(first), [Decimal(0), 0])
            filled.append(PaymentMonth(first, rules.money(amount, currency), count))
        top = rules.nice_ceiling(max(m.amount for m in filled))
        result.append(PaymentMonths(currency, filled, top))
    return result


def payments_page(
    staff: Staff, start: date, end: date, number: int, per_page: int, q: str = ""
) -> Page[Payment]:
    """Page ``number`` of the payments received in the period, newest first, with their invoice
    and customer (four statements: the page, its count, then the page's invoices and their
    customers). ``q`` finds the payments of invoices by the invoice's number or its customer's
    name, number or VAT number, as the invoice list's search does."""
    where = [Payment.paid_at >= start, Payment.paid_at <= end]
    scope = ledger.staff_scope(staff)
    found = document_search.matches(Invoice, q)
    conditions = [c for c in (scope, found) if c is not None]
    stmt = select(Payment).where(*where)
    count = select(func.count(Payment.id)).where(*where)
    if conditions:
        stmt = stmt.join(Invoice, Invoice.id == Payment.invoice_id).where(*conditions)
        count = count.join(Invoice, Invoice.id == Payment.invoice_id).where(*conditions)
    stmt = (
        stmt.options(selectinload(Payment.invoice).selectinload(Invoice.customer))
        .order_by(Payment.paid_at.desc(), Payment.id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    items = list(db.session.scalars(stmt))
    return Page(items, number, per_page, db.session.scalar(count) or 0)
