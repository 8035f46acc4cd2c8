"""Customers: create, update, activate, delete, and the rules that guard them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select

from portal.extensions import db
from portal.models import (
    Contact,
    Currency,
    Customer,
    CustomerGroup,
    Estimate,
    Invoice,
    Staff,
    TaxClass,
)
from portal.services.billing import numbering
from portal.services.customers import reference
from portal.services.customers.registry import numbers as registry_numbers
from portal.services.errors import ConflictError, ValidationError
from portal.services.identity import sessions
from portal.services.platform import validation
from portal.services.platform.validation import Errors

_TEXT_FIELDS: dict[str, int] = {
    "vat_number": 64,
    "business_id": 32,
    "phone": 64,
    "website": 255,
    "billing_street": 255,
    "billing_city": 120,
    "billing_zip": 32,
    "billing_state": 120,
    "shipping_street": 255,
    "shipping_city": 120,
    "shipping_zip": 32,
    "shipping_state": 120,
    "remarks": 10000,
}


def default_currency() -> Currency | None:
    return db.session.scalar(select(Currency).where(Currency.is_default.is_(True)))


def has_documents(customer_id: int) -> bool:
    """Whether the customer has any invoice or estimate (which blocks deletion)."""
    return bool(
        db.session.scalar(
            select(
                or_(
                    exists().where(Invoice.customer_id == customer_id),
                    exists().where(Estimate.customer_id == customer_id),
                )
            )
        )
    )


def has_invoices(customer_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Invoice.customer_id == customer_id))))


def has_estimates(customer_id: int) -> bool:
    return bool(db.session.scalar(select(exists().where(Estimate.customer_id == customer_id))))


def _resolve_currency(value: Any, errors: Errors) -> Currency | None:
    if isinstance(value, Currency):
        return value
    if value in (None, ""):
        currency = default_currency()
        if currency is None:
            errors.add("currency", _("No default currency is set up yet."))
        return currency
    code = str(value).strip().upper()
    currency = db.session.scalar(select(Currency).where(Currency.code == code))
    if currency is None:
        errors.add("currency", _("Unknown currency %(code)s.", code=code[:8]))
    return currency


def _resolve_groups(values: Any, errors: Errors) -> list[CustomerGroup]:
    if not values:
        return []
    if not isinstance(values, list | tuple):
        errors.add("groups", _("Choose groups from the list."))
        return []
    ids = [v for v in values if isinstance(v, int) and not isinstance(v, bool)]
    names = [v.strip() for v in values if isinstance(v, str)]
    if len(ids) + len(names) != len(values):
        errors.add("groups", _("Choose groups from the list."))
        return []
    found = list(
        db.session.scalars(
            select(CustomerGroup).where(
                or_(
                    CustomerGroup.id.in_(ids),
                    func.lower(CustomerGroup.name).in_([n.lower() for n in names]),
                )
            )
        )
    )
    known_ids = {g.id for g in found}
    known_names = {g.name.lower() for g in found}
    missing = [str(i) for i in ids if i not in known_ids] + [
        n for n in names if n.lower() not in known_names
    ]
    if missing:
        errors.add("groups", _("Unknown group: %(names)s.", names=", ".join(missing)[:200]))
    return found


def _apply_tax_class(customer: Customer, value: Any, errors: Errors) -> None:
    if value in (None, ""):
        customer.tax_class_id = None
        return
    tax_class = db.session.get(TaxClass, value) if str(value).isdigit() else None
    if tax_class is None:
        errors.add("tax_class_id", _("Unknown tax class."))
    else:
        customer.tax_class = tax_class


def _same_number(a: str | None, b: str | None) -> bool:
    return registry_numbers.loose(a) == registry_numbers.loose(b)


def _check_identifiers(customer: Customer, errors: Errors, stored: tuple[str | None, ...]) -> None:
    """The VAT number and the business id, checked by their check digits and stored
    normalised (:mod:`.registry.numbers`), before any registry is asked. A value the customer
    already had is kept as it is (rows older than these checks may fail them); a new one must
    pass. A changed VAT number drops the "VAT checked" mark."""
    old_vat, old_id, old_country = stored
    if customer.vat_number and _same_number(customer.vat_number, old_vat):
        customer.vat_number = old_vat
    elif customer.vat_number:
        try:
            customer.vat_number = registry_numbers.normalise_vat(customer.vat_number)
        except registry_numbers.NumberError as exc:
            errors.add("vat_number", str(exc))
    if customer.vat_number != old_vat:
        customer.vat_checked_at = customer.vat_valid = None
    unchanged = _same_number(customer.business_id, old_id)
    if customer.business_id and not (unchanged and customer.billing_country == old_country):
        country = customer.billing_country
        if not country and customer.vat_number and not errors.fields.get("vat_number"):
            country = registry_numbers.vat_country(customer.vat_number)
        try:
            customer.business_id = registry_numbers.normalise_business_id(
                customer.business_id, country
            )
        except registry_numbers.NumberError as exc:
            errors.add("business_id", str(exc))
    elif customer.business_id:
        customer.business_id = old_id
    if customer.vat_number:
        _check_vat_number(customer, errors)


def _check_vat_number(customer: Customer, errors: Errors) -> None:
    """Another customer's VAT number is refused."""
    clash = select(Customer.id).where(Customer.vat_number == customer.vat_number)
    if customer.id is not None:
        clash = clash.where(Customer.id != customer.id)
    if db.session.scalar(clash.limit(1)) is not None:
        errors.add("vat_number", _("Another customer already has this VAT number."))


def _apply_currency(customer: Customer, value: Any, errors: Errors) -> None:
    """The currency, which cannot change once the customer has invoices or estimates."""
    currency = _resolve_currency(value, errors)
    if currency is not None and currency.id != customer.currency_id:
        if customer.id is not None and has_invoices(customer.id):
            errors.add(
                "currency",
                _("The currency cannot change: this customer already has invoices."),
            )
        elif customer.id is not None and has_estimates(customer.id):
            errors.add(
                "currency",
                _("The currency cannot change: this customer already has estimates."),
            )
        else:
            customer.currency = currency


def _apply_number(
    customer: Customer, data: Mapping[str, Any], errors: Errors, creating: bool
) -> None:
    """A number given on create (unique); it cannot be changed afterwards."""
    if creating and data.get("number"):
        number = validation.text(data, "number", errors, max_length=32)
        if number is not None:
            if db.session.scalar(select(Customer.id).where(Customer.number == number)):
                errors.add("number", _("This customer number is already taken."))
            customer.number = number
    elif not creating and "number" in data and data["number"] != customer.number:
        errors.add("number", _("The customer number cannot be changed."))


def _apply(customer: Customer, data: Mapping[str, Any], errors: Errors, creating: bool) -> None:
    """Validates ``data`` and copies it onto ``customer``; only keys present are changed
    (except on create, where ``company_name`` is required)."""
    stored = (customer.vat_number, customer.business_id, customer.billing_country)
    if creating or "company_name" in data:
        name = validation.text(data, "company_name", errors, required=True)
        if name is not None:
            customer.company_name = name
    for key, max_length in _TEXT_FIELDS.items():
        if key in data:
            setattr(customer, key, validation.text(data, key, errors, max_length=max_length))
    for key in ("billing_country", "shipping_country"):
        if key in data:
            setattr(customer, key, validation.country(data, key, errors))
    if "language" in data:
        customer.language = validation.language(data, "language", errors)
    if "email" in data:
        customer.email = validation.email(data, "email", errors) if data["email"] else None
    reference.apply_profile(customer, data, errors)
    if "is_active" in data:
        customer.is_active = validation.boolean(data, "is_active", errors, True)
    if "invoice_fields" in data:
        fields = data["invoice_fields"] or []
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
            errors.add("invoice_fields", _("Give a list of field names."))
        else:
            customer.invoice_fields = [f.strip()[:60] for f in fields if f.strip()]
    if "tax_class_id" in data:
        _apply_tax_class(customer, data["tax_class_id"], errors)
    if "groups" in data:
        customer.groups = _resolve_groups(data["groups"], errors)
    if {"vat_number", "business_id", "billing_country"} & set(data):
        _check_identifiers(customer, errors, stored)
    if creating or "currency" in data:
        _apply_currency(customer, data.get("currency"), errors)
    _apply_number(customer, data, errors, creating)


def _free_generated_number() -> str:
    """The next generated number not already given to a customer by hand."""
    while True:
        number = numbering.next_number("customer")
        if db.session.scalar(select(Customer.id).where(Customer.number == number)) is None:
            return number


def create_customer(data: Mapping[str, Any], created_by: Staff | None = None) -> Customer:
    """Creates a customer from validated ``data``; assigns the next ``C-000001`` style number
    unless one is given. Raises :class:`ValidationError` with every field problem.

    A ``created_by`` staff member who may only see the customers it looks after
    (``customers.view_own``) becomes the new customer's admin, so it keeps seeing it."""
    customer = Customer(is_active=True, invoice_fields=[])
    errors = Errors()
    with db.session.no_autoflush:
        _apply(customer, data, errors, creating=True)
    errors.raise_if_any()
    if not customer.number:
        customer.number = _free_generated_number()
    db.session.add(customer)
    db.session.flush()
    if created_by is not None and not created_by.has_permission("customers.view"):
        customer.admins.append(created_by)
        db.session.flush()
    return customer


def update_customer(customer: Customer, data: Mapping[str, Any]) -> Customer:
    errors = Errors()
    with db.session.no_autoflush:
        _apply(customer, data, errors, creating=False)
    if errors.fields:
        db.session.expire(customer)
        errors.raise_if_any()
    db.session.flush()
    return customer


def set_active(customer: Customer, active: bool) -> None:
    """Activates or deactivates a customer; deactivating signs its contacts out everywhere."""
    customer.is_active = active
    db.session.flush()
    if not active:
        sessions.end_all_of_customer(customer.id)


def deactivate_many(ids: Iterable[int]) -> int:
    """Makes the customers with these ids inactive; returns how many were active before."""
    changed = 0
    for customer in db.session.scalars(select(Customer).where(Customer.id.in_(list(ids)))):
        if customer.is_active:
            set_active(customer, False)
            changed += 1
    return changed


def delete_customer(customer: Customer) -> None:
    """Deletes a customer and its contacts, addresses, notes and tickets; refused while the
    customer has invoices or estimates (make it inactive instead)."""
    if has_documents(customer.id):
        raise ConflictError(
            _(
                "%(name)s cannot be deleted because it has invoices or estimates. "
                "Make it inactive instead.",
                name=customer.company_name,
            ),
            code="customer_has_documents",
        )
    db.session.delete(customer)
    db.session.flush()


def contact_count(customer_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(Contact).where(Contact.customer_id == customer_id)
        )
        or 0
    )


__all__ = [
    "ValidationError",
    "create_customer",
    "deactivate_many",
    "default_currency",
    "delete_customer",
    "has_documents",
    "has_estimates",
    "has_invoices",
    "set_active",
    "update_customer",
]
