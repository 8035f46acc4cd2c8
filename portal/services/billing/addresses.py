"""The addresses printed on invoices and estimates: the shipping address snapshot taken when a
document is issued or sent (like the billing address), and whether it says anything the billing
address does not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.models import Customer

#: The parts of an address compared and printed (the billing address also has the VAT number).
PARTS = ("street", "zip", "city", "state", "country")


def shipping_address(customer: Customer) -> dict[str, str | None]:
    """The customer's shipping address as a snapshot, or ``{}`` when it has none."""
    address = {
        "company_name": customer.company_name,
        "street": customer.shipping_street,
        "zip": customer.shipping_zip,
        "city": customer.shipping_city,
        "state": customer.shipping_state,
        "country": customer.shipping_country,
    }
    return address if any(address[p] for p in PARTS) else {}


def _norm(value: Any) -> str:
    return " ".join(str(value or "").split()).casefold()


def distinct_shipping(
    billing: Mapping[str, Any], shipping: Mapping[str, Any]
) -> Mapping[str, Any] | None:
    """``shipping`` when it is an address that differs from ``billing`` (to be printed), else
    ``None`` (no shipping address, or the same place written the same way)."""
    if not shipping or not any(shipping.get(p) for p in PARTS):
        return None
    if all(_norm(billing.get(p)) == _norm(shipping.get(p)) for p in PARTS):
        return None
    return shipping
