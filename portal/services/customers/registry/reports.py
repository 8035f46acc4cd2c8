"""What staff read about registry checks: each customer's last report, the list of customers
whose report needs a look, the customers ``flask registry refresh`` should check, and the
words for fields and findings (in the reader's language)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import Customer, RegistryReport, Staff
from portal.models.base import utcnow
from portal.services.access.staff import scope_query
from portal.services.customers.registry import SOURCE_NAMES

#: Outcomes that ask for a look.
ATTENTION = ("differs", "problem", "unavailable")
LIST_SIZE = 100

FIELD_LABELS = {
    "company_name": _l("Company name"),
    "business_id": _l("Business ID"),
    "billing_street": _l("Billing address: street"),
    "billing_zip": _l("Billing address: postal code"),
    "billing_city": _l("Billing address: city"),
    "billing_country": _l("Billing address: country code"),
    "shipping_street": _l("Shipping address: street"),
    "shipping_zip": _l("Shipping address: postal code"),
    "shipping_city": _l("Shipping address: city"),
    "shipping_country": _l("Shipping address: country code"),
    "website": _l("Website"),
    "is_active": _l("Status"),
}


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def show_value(name: str, value: Any) -> str:
    """A field's value as the comparison shows it."""
    if name == "is_active":
        return _("Active") if value is not False else _("Ceased")
    return "\u2013" if value in (None, "") else str(value)


def finding_text(finding: dict[str, Any]) -> str:
    """One sentence per finding, in the reader's language."""
    registry = str(SOURCE_NAMES.get(finding.get("source") or "", finding.get("source") or ""))
    date = finding.get("date")
    code = finding.get("code")
    if code == "vat_valid":
        return _("%(registry)s: the VAT number is valid.", registry=registry)
    if code == "vat_invalid":
        return _("%(registry)s: the VAT number is not valid.", registry=registry)
    if code == "not_found":
        return _("%(registry)s has no company with this number.", registry=registry)
    if code == "unavailable":
        return _(
            "%(registry)s did not answer in time. Nothing was changed; try again later.",
            registry=registry,
        )
    if code == "ceased":
        if date:
            return _("The company has ceased (%(date)s).", date=date)
        return _("The company has ceased.")
    if code == "bankrupt":
        return _("The company is bankrupt.")
    if code == "liquidation":
        return _("The company is in liquidation.")
    if code == "restructuring":
        return _("The company is in restructuring.")
    return str(code)


def report_of(customer_id: int) -> RegistryReport | None:
    return db.session.scalar(
        select(RegistryReport).where(RegistryReport.customer_id == customer_id)
    )


def attention_list(staff: Staff) -> list[tuple[RegistryReport, Customer]]:
    """The newest reports that differ, found a problem or could not reach a registry, for the
    customers ``staff`` may see (one query)."""
    stmt = (
        select(RegistryReport, Customer)
        .join(Customer, Customer.id == RegistryReport.customer_id)
        .where(RegistryReport.outcome.in_(ATTENTION))
        .order_by(RegistryReport.checked_at.desc(), RegistryReport.id.desc())
        .limit(LIST_SIZE)
    )
    return [
        (report, customer)
        for report, customer in db.session.execute(scope_query(stmt, staff, "customers"))
    ]


def due_customer_ids(
    customer_id: int | None = None, older_than_days: int | None = None
) -> list[int]:
    """The customers ``flask registry refresh`` checks: one, or every active customer with a
    VAT number or business id (with ``older_than_days``: not checked for that long)."""
    stmt = select(Customer.id).order_by(Customer.id)
    if customer_id is not None:
        return list(db.session.scalars(stmt.where(Customer.id == customer_id)))
    stmt = stmt.where(
        Customer.is_active.is_(True),
        or_(Customer.vat_number.is_not(None), Customer.business_id.is_not(None)),
    )
    if older_than_days is not None:
        since = utcnow() - timedelta(days=older_than_days)
        stmt = stmt.outerjoin(RegistryReport, RegistryReport.customer_id == Customer.id).where(
            or_(RegistryReport.id.is_(None), RegistryReport.checked_at < since)
        )
    return list(db.session.scalars(stmt))
