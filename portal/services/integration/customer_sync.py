"""The finance system's own key on customers (``external_id``) and the idempotent upsert by
it: the same ``PUT /api/v1/customers/by-external-id/{external_id}`` twice is one customer.
The customer services do the work, with the admin's rules."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Contact, Customer
from portal.services import customers
from portal.services.errors import ValidationError

MAX_LENGTH = 64


def clean_external_id(raw: Any) -> str:
    value = str(raw or "").strip()
    message = None
    if not value:
        message = _("This field is required.")
    elif len(value) > MAX_LENGTH:
        message = _("At most %(n)d characters.", n=MAX_LENGTH)
    if message is not None:
        raise ValidationError(message, fields={"external_id": message})
    return value


def by_external_id(external_id: str) -> Customer | None:
    return db.session.scalar(select(Customer).where(Customer.external_id == external_id.strip()))


def set_external_id(customer: Customer, raw: Any) -> None:
    """Sets (or, with an empty value, clears) the key; another customer's key is refused."""
    if raw in (None, ""):
        customer.external_id = None
        db.session.flush()
        return
    value = clean_external_id(raw)
    other = by_external_id(value)
    if other is not None and other.id != customer.id:
        message = _("Another customer has this external id.")
        raise ValidationError(message, fields={"external_id": message})
    customer.external_id = value
    db.session.flush()


def upsert(external_id: str, data: Mapping[str, Any]) -> tuple[Customer, bool]:
    """The customer with this key updated from ``data``, or created from it (with the key).
    Returns ``(customer, created)``; sending the same data again changes nothing."""
    value = clean_external_id(external_id)
    customer = by_external_id(value)
    if customer is not None:
        return customers.update_customer(customer, data), False
    customer = customers.create_customer(data)
    customer.external_id = value
    db.session.flush()
    return customer, True


def contacts_by_email(email: str | None) -> Any:
    """Every customer's contacts, or those with this email (case does not matter)."""
    stmt = select(Contact)
    if email is not None:
        stmt = stmt.where(func.lower(Contact.email) == email.strip().lower())
    return stmt
