"""A customer's financials (the card's Financials tab): invoiced, credited, paid and outstanding
per year and currency, the average days to pay, and the open estimates' value.

Two statements whatever the number of documents: one ``UNION ALL`` + ``GROUP BY`` over the
invoices, credit notes and payments, one ``GROUP BY`` over the open estimates. What counts is
the dashboards' rule (:mod:`portal.services.dashboards.rules`), so the figures agree with the
dashboard and the reports:

- invoiced and credited by the document's issue date, paid by the payment's date;
- outstanding: the open invoices' ``total - amount_paid``, in the year the invoice was issued;
- days to pay: from the issue date to the last payment of each invoice paid in full, in the
  year the invoice was issued (an invoice settled by a credit note alone has no payment and is
  left out);
- open estimates: sent, not answered, not past their expiry date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    cast,
    extract,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from portal.extensions import db
from portal.models import Currency, Estimate, Invoice, Payment, Staff
from portal.services.access.staff import can_view, visible_filter
from portal.services.dashboards import rules

NO_DAYS = literal_column("0", Integer)


@dataclass
class YearFigures:
    year: int
    invoiced: Decimal = Decimal(0)
    credited: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    outstanding: Decimal = Decimal(0)
    #: Days from issue to the last payment, summed over ``paid_invoices`` invoices.
    days: int = 0
    paid_invoices: int = 0

    @property
    def net(self) -> Decimal:
        return self.invoiced - self.credited

    @property
    def average_days(self) -> Decimal | None:
        """Average days to pay, one decimal (half up); ``None`` without a paid invoice."""
        if not self.paid_invoices:
            return None
        return (Decimal(self.days) / self.paid_invoices).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class CurrencyFinancials:
    currency: Currency
    years: list[YearFigures] = field(default_factory=list)  #: newest first
    open_estimates: Decimal = Decimal(0)
    open_estimate_count: int = 0

    @property
    def total(self) -> YearFigures:
        """Every year together (year 0)."""
        total = YearFigures(0)
        for row in self.years:
            for name in ("invoiced", "credited", "paid", "outstanding", "days", "paid_invoices"):
                setattr(total, name, getattr(total, name) + getattr(row, name))
        return total


def day_count(later: Any, earlier: Any) -> ColumnElement[int]:
    """Whole days from ``earlier`` to ``later`` (two date columns) on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def _flows(customer_id: int, staff: Staff) -> Any:
    scope = (Invoice.customer_id == customer_id) & visible_filter(staff, "invoices", Invoice)
    documents = select(
        Invoice.currency_id.label("currency_id"),
        extract("year", Invoice.issue_date).label("year"),
        rules.invoice_amount().label("invoiced"),
        rules.credit_amount().label("credited"),
        rules.ZERO.label("paid"),
        rules.case_when(rules.open_invoice(), rules.outstanding_amount()).label("outstanding"),
        NO_DAYS.label("days"),
        NO_DAYS.label("settled"),
    ).where(rules.issued(), scope)
    payments = (
        select(
            Payment.currency_id,
            extract("year", Payment.paid_at),
            rules.ZERO,
            rules.ZERO,
            Payment.amount,
            rules.ZERO,
            NO_DAYS,
            NO_DAYS,
        )
        .join(Invoice, Invoice.id == Payment.invoice_id)
        .where(scope)
    )
    last = (
        select(Payment.invoice_id, func.max(Payment.paid_at).label("paid_at"))
        .group_by(Payment.invoice_id)
        .subquery("last_payment")
    )
    settled = (
        select(
            Invoice.currency_id,
            extract("year", Invoice.issue_date),
            rules.ZERO,
            rules.ZERO,
            rules.ZERO,
            rules.ZERO,
            day_count(last.c.paid_at, Invoice.issue_date),
            literal_column("1", Integer),
        )
        .join(last, last.c.invoice_id == Invoice.id)
        .where(Invoice.kind == "invoice", Invoice.status == "paid", scope)
    )
    return union_all(documents, payments, settled).subquery("flows")


def summary(customer_id: int, staff: Staff, today: date | None = None) -> list[CurrencyFinancials]:
    """The figures of one customer as ``staff`` may see them (its invoices' and estimates'
    scopes), per currency (by code) and year (newest first). Two statements."""
    found: dict[int, CurrencyFinancials] = {}
    if can_view(staff, "invoices"):
        flows = _flows(customer_id, staff)
        rows = db.session.execute(
            select(
                Currency,
                flows.c.year,
                *(func.sum(flows.c[n]) for n in ("invoiced", "credited", "paid", "outstanding")),
                func.sum(flows.c.days),
                func.sum(flows.c.settled),
            )
            .join(flows, flows.c.currency_id == Currency.id)
            .group_by(Currency.id, flows.c.year)
            .order_by(Currency.code, flows.c.year.desc())
        ).all()
        for currency, year, invoiced, credited, paid, outstanding, days, count in rows:
            entry = found.setdefault(currency.id, CurrencyFinancials(currency))
            entry.years.append(
                YearFigures(
                    int(year),
                    rules.money(invoiced, currency),
                    rules.money(credited, currency),
                    rules.money(paid, currency),
                    rules.money(outstanding, currency),
                    int(days or 0),
                    int(count or 0),
                )
            )
    if can_view(staff, "estimates"):
        _add_open_estimates(found, customer_id, staff, today or date.today())
    return sorted(found.values(), key=lambda f: f.currency.code)


def _add_open_estimates(
    found: dict[int, CurrencyFinancials], customer_id: int, staff: Staff, today: date
) -> None:
    rows = db.session.execute(
        select(Currency, func.sum(Estimate.total), func.count())
        .join(Estimate, Estimate.currency_id == Currency.id)
        .where(
            Estimate.customer_id == customer_id,
            Estimate.status == "sent",
            or_(Estimate.expiry_date.is_(None), Estimate.expiry_date >= today),
            visible_filter(staff, "estimates", Estimate),
        )
        .group_by(Currency.id)
    ).all()
    for currency, total, count in rows:
        entry = found.setdefault(currency.id, CurrencyFinancials(currency))
        entry.open_estimates = rules.money(total, currency)
        entry.open_estimate_count = int(count)
