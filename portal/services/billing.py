"""Document totals and the invoice/estimate life cycle rules shared by admin, portal and API."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Estimate, Invoice
from portal.models.base import utcnow
from portal.services import numbering, settings
from portal.services.errors import ConflictError
from portal.services.money import round_money

HUNDRED = Decimal(100)


class LineLike(Protocol):
    quantity: Decimal
    unit_price: Decimal
    tax_percent: Decimal
    discount_percent: Decimal


@dataclass
class Totals:
    subtotal: Decimal
    tax_total: Decimal
    total: Decimal
    #: Tax per percent: ``{Decimal("20"): (net base, tax)}``.
    taxes: dict[Decimal, tuple[Decimal, Decimal]] = field(default_factory=dict)
    line_nets: list[Decimal] = field(default_factory=list)


def line_net(line: LineLike, decimal_places: int) -> Decimal:
    """Quantity times unit price less the discount, rounded to the currency."""
    gross = line.quantity * line.unit_price
    discount = gross * (line.discount_percent or Decimal(0)) / HUNDRED
    return round_money(gross - discount, decimal_places)


def _rate_key(percent: Decimal | None) -> Decimal:
    """The tax percent without trailing zeros: ``20.0000`` -> ``20`` (never ``2E+1``)."""
    rate = (percent or Decimal(0)).normalize()
    return rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate


def compute_totals(lines: Iterable[LineLike], decimal_places: int) -> Totals:
    """Totals of a document: each line's net is rounded, tax is computed per tax rate on the
    sum of the nets at that rate and rounded once per rate (as invoices print it)."""
    nets: list[Decimal] = []
    bases: dict[Decimal, Decimal] = defaultdict(Decimal)
    for line in lines:
        net = line_net(line, decimal_places)
        nets.append(net)
        bases[_rate_key(line.tax_percent)] += net
    taxes = {
        rate: (base, round_money(base * rate / HUNDRED, decimal_places))
        for rate, base in sorted(bases.items())
    }
    subtotal = round_money(sum(nets, Decimal(0)), decimal_places)
    tax_total = round_money(sum((t for _, t in taxes.values()), Decimal(0)), decimal_places)
    return Totals(subtotal, tax_total, subtotal + tax_total, taxes, nets)


def recalculate(document: Invoice | Estimate) -> Totals:
    """Stores the line nets and the document totals from its lines."""
    places = document.currency.decimal_places
    totals = compute_totals(document.lines, places)
    for line, net in zip(document.lines, totals.line_nets, strict=True):
        line.net_amount = net
    document.subtotal, document.tax_total, document.total = (
        totals.subtotal,
        totals.tax_total,
        totals.total,
    )
    return totals


def issue_invoice(invoice: Invoice, today: date | None = None) -> Invoice:
    """Issues a draft: assigns the next gapless number, fixes the dates and the billing address
    snapshot, and locks the totals. Issuing an issued invoice is refused."""
    if invoice.status != "draft":
        raise ConflictError(_("Only a draft invoice can be issued."), code="invoice_not_draft")
    if not invoice.lines:
        raise ConflictError(_("An invoice needs at least one line."), code="invoice_empty")
    today = today or date.today()
    series = "credit_note" if invoice.kind == "credit_note" else "invoice"
    invoice.number = numbering.next_number(series)
    invoice.issue_date = invoice.issue_date or today
    invoice.due_date = invoice.due_date or invoice.issue_date + timedelta(
        days=int(settings.get("invoice_due_days"))
    )
    invoice.billing_address = invoice.customer.billing_address()
    recalculate(invoice)
    invoice.status = "paid" if invoice.total <= 0 else "unpaid"
    invoice.issued_at = utcnow()
    db.session.flush()
    return invoice


def send_estimate(estimate: Estimate, today: date | None = None) -> Estimate:
    """Marks a draft estimate as sent, assigning its number."""
    if estimate.status != "draft":
        raise ConflictError(_("Only a draft estimate can be sent."), code="estimate_not_draft")
    today = today or date.today()
    estimate.number = numbering.next_number("estimate")
    estimate.issue_date = estimate.issue_date or today
    estimate.expiry_date = estimate.expiry_date or estimate.issue_date + timedelta(
        days=int(settings.get("estimate_valid_days"))
    )
    estimate.billing_address = estimate.customer.billing_address()
    recalculate(estimate)
    estimate.status = "sent"
    estimate.sent_at = utcnow()
    db.session.flush()
    return estimate
