"""Document totals: Decimal arithmetic, rounded per currency (see docs/decisions.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from portal.models import Estimate, Invoice
from portal.services.billing.money import round_money

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
