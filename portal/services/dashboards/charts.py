"""The admin dashboard's charts, scoped to what the staff member may see (``view_own``: only
the customers it is assigned to). One ``GROUP BY`` statement per chart; an area the member
cannot see gives ``None``.

What counts as invoiced, paid, outstanding and overdue: :mod:`portal.services.dashboards.rules`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import case, func, select

from portal.extensions import db
from portal.models import TICKET_STATUSES, Currency, Customer, Estimate, Invoice, Staff, Ticket
from portal.services.access.staff import can_view, visible_filter
from portal.services.dashboards import ledger, rules

TOP_CUSTOMERS = 10
CONVERSION_DAYS = 90
#: The ticket statuses of the "tickets by status" chart: the open ones (closed tickets pile up
#: over the years and would flatten every other bar).
ACTIVE_TICKET_STATUSES = tuple(s for s in TICKET_STATUSES if s != "closed")
#: The estimate outcomes of the conversion chart, in the order shown.
OUTCOMES = ("sent", "expired", "accepted", "invoiced", "declined")


@dataclass
class Bucket:
    index: int  #: in ``rules.BUCKETS``
    amount: Decimal
    count: int


@dataclass
class Aging:
    """Open invoices of one currency by age: amounts and counts per bucket of ``BUCKETS``."""

    currency: Currency
    amounts: list[Decimal]
    counts: list[int]
    top: Decimal = Decimal(0)

    @property
    def total(self) -> Decimal:
        return sum(self.amounts, Decimal(0))

    @property
    def overdue(self) -> Decimal:
        return sum(self.amounts[1:], Decimal(0))

    @property
    def buckets(self) -> list[Bucket]:
        return [
            Bucket(i, a, c) for i, (a, c) in enumerate(zip(self.amounts, self.counts, strict=True))
        ]


@dataclass
class OverdueCustomer:
    customer_id: int
    name: str
    amount: Decimal
    invoices: int


@dataclass
class TopOverdue:
    currency: Currency
    customers: list[OverdueCustomer] = field(default_factory=list)
    top: Decimal = Decimal(0)


@dataclass
class Count:
    """A bar of a count chart: ``key`` is what the list behind it filters on."""

    key: Any
    label: str | None
    count: int


@dataclass
class Counts:
    bars: list[Count]
    top: Decimal

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)


@dataclass
class Conversion:
    """Estimates dated ``start`` to ``end`` (sent, not drafts) by what became of them."""

    start: date
    end: date
    counts: Counts

    @property
    def converted(self) -> int:
        return sum(b.count for b in self.counts.bars if b.key in ("accepted", "invoiced"))

    @property
    def rate(self) -> Decimal | None:
        """Accepted (or already invoiced) per 100 estimates sent, a whole number (half up);
        ``None`` without any."""
        total = self.counts.total
        if not total:
            return None
        return (Decimal(self.converted * 100) / total).quantize(Decimal(1), ROUND_HALF_UP)


@dataclass
class AdminCharts:
    """Every chart of the admin dashboard; ``None`` where the member cannot see the area."""

    months: list[ledger.CurrencyMonths] | None = None
    aging: list[Aging] | None = None
    top_overdue: list[TopOverdue] | None = None
    tickets_by_status: Counts | None = None
    tickets_by_assignee: Counts | None = None
    conversion: Conversion | None = None


def _counts(bars: list[Count]) -> Counts:
    return Counts(bars, rules.nice_ceiling(max([b.count for b in bars] or [0])))


# -- invoices ---------------------------------------------------------------------------------


def aging(staff: Staff, today: date) -> list[Aging]:
    """Outstanding amounts per currency and aging bucket (one statement)."""
    bucket = rules.aging_bucket(today).label("bucket")
    rows = db.session.execute(
        select(Currency, bucket, func.sum(rules.outstanding_amount()), func.count(Invoice.id))
        .join(Invoice, Invoice.currency_id == Currency.id)
        .where(rules.open_invoice(), visible_filter(staff, "invoices", Invoice))
        .group_by(Currency.id, bucket)
        .order_by(Currency.code)
    ).all()
    found: dict[int, Aging] = {}
    for currency, index, amount, count in rows:
        entry = found.setdefault(
            currency.id,
            Aging(currency, [Decimal(0)] * len(rules.BUCKETS), [0] * len(rules.BUCKETS)),
        )
        entry.amounts[int(index)] = rules.money(amount, currency)
        entry.counts[int(index)] = count
    for entry in found.values():
        entry.top = rules.nice_ceiling(max(entry.amounts))
    return list(found.values())


def top_overdue(staff: Staff, today: date, limit: int = TOP_CUSTOMERS) -> list[TopOverdue]:
    """Per currency, the ``limit`` customers with the most overdue (one statement: a window
    ranks the customers within each currency)."""
    amount = func.sum(rules.outstanding_amount())
    ranked = (
        select(
            Invoice.customer_id.label("customer_id"),
            Invoice.currency_id.label("currency_id"),
            amount.label("amount"),
            func.count(Invoice.id).label("invoices"),
            func.row_number()
            .over(partition_by=Invoice.currency_id, order_by=(amount.desc(), Invoice.customer_id))
            .label("rank"),
        )
        .where(
            rules.open_invoice(),
            rules.is_overdue(today),
            visible_filter(staff, "invoices", Invoice),
        )
        .group_by(Invoice.customer_id, Invoice.currency_id)
        .subquery("ranked")
    )
    rows = db.session.execute(
        select(Currency, Customer.id, Customer.company_name, ranked.c.amount, ranked.c.invoices)
        .join(ranked, ranked.c.currency_id == Currency.id)
        .join(Customer, Customer.id == ranked.c.customer_id)
        .where(ranked.c.rank <= limit)
        .order_by(Currency.code, ranked.c.rank)
    ).all()
    found: dict[int, TopOverdue] = {}
    for currency, customer_id, name, value, invoices in rows:
        entry = found.setdefault(currency.id, TopOverdue(currency))
        entry.customers.append(
            OverdueCustomer(customer_id, name, rules.money(value, currency), invoices)
        )
    for entry in found.values():
        entry.top = rules.nice_ceiling(max(c.amount for c in entry.customers))
    return list(found.values())


# -- tickets and estimates --------------------------------------------------------------------


def tickets_by_status(staff: Staff) -> Counts:
    """Open tickets (not closed) per status, every open status present."""
    rows = dict(
        db.session.execute(
            select(Ticket.status, func.count(Ticket.id))
            .where(Ticket.status != "closed", visible_filter(staff, "tickets", Ticket))
            .group_by(Ticket.status)
        ).all()
    )
    return _counts([Count(s, None, rows.get(s, 0)) for s in ACTIVE_TICKET_STATUSES])


def tickets_by_assignee(staff: Staff) -> Counts:
    """Open tickets (not closed) per assigned staff member, most first; ``key`` ``None`` is
    nobody."""
    rows = db.session.execute(
        select(Ticket.assigned_staff_id, Staff.name, func.count(Ticket.id).label("n"))
        .outerjoin(Staff, Staff.id == Ticket.assigned_staff_id)
        .where(Ticket.status != "closed", visible_filter(staff, "tickets", Ticket))
        .group_by(Ticket.assigned_staff_id, Staff.name)
        .order_by(func.count(Ticket.id).desc(), Staff.name)
    ).all()
    return _counts([Count(key, name, n) for key, name, n in rows])


def estimate_conversion(staff: Staff, today: date, days: int = CONVERSION_DAYS) -> Conversion:
    """The estimates dated in the last ``days`` days (today included) that were sent, by
    outcome: still open, expired, accepted, already invoiced, declined."""
    start = today - timedelta(days=days - 1)
    outcome = case(
        (
            (Estimate.status == "sent")
            & Estimate.expiry_date.is_not(None)
            & (Estimate.expiry_date < today),
            "expired",
        ),
        else_=Estimate.status,
    ).label("outcome")
    rows = dict(
        db.session.execute(
            select(outcome, func.count(Estimate.id))
            .where(
                Estimate.status != "draft",
                Estimate.issue_date >= start,
                Estimate.issue_date <= today,
                visible_filter(staff, "estimates", Estimate),
            )
            .group_by(outcome)
        ).all()
    )
    return Conversion(start, today, _counts([Count(o, None, rows.get(o, 0)) for o in OUTCOMES]))


def admin_charts(staff: Staff, today: date) -> AdminCharts:
    """The charts ``staff`` may see: one statement each."""
    charts = AdminCharts()
    if can_view(staff, "invoices"):
        charts.months = ledger.last_twelve_months(ledger.staff_scope(staff), today)
        charts.aging = aging(staff, today)
        charts.top_overdue = top_overdue(staff, today)
    if can_view(staff, "tickets"):
        charts.tickets_by_status = tickets_by_status(staff)
        charts.tickets_by_assignee = tickets_by_assignee(staff)
    if can_view(staff, "estimates"):
        charts.conversion = estimate_conversion(staff, today)
    return charts
