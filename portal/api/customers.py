"""Customers and contacts: ``/customers``, ``/customers/{id}``, ``/customers/{id}/contacts``,
``/contacts/{id}``. The admin's services do the work, with the admin's rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.api.core import get_or_404, operation, paginate
from portal.api.schemas import (
    ContactCreate,
    ContactOut,
    ContactUpdate,
    CustomerCreate,
    CustomerOut,
    CustomerQuery,
    CustomerUpdate,
    ListQuery,
    Page,
)
from portal.extensions import db
from portal.models import Contact, Customer
from portal.services import customers
from portal.services.customers import contacts, search
from portal.services.customers.registry.numbers import vat_lookup_form
from portal.services.integration import customer_sync
from portal.services.platform import email

CUSTOMER_FIELDS = (
    "id", "number", "company_name", "vat_number", "business_id", "vat_checked_at", "vat_valid",
    "phone", "website", "email", "external_id",
    "billing_street", "billing_city", "billing_zip", "billing_state", "billing_country",
    "shipping_street", "shipping_city", "shipping_zip", "shipping_state", "shipping_country",
    "language", "tax_class_id", "remarks", "is_active", "created_at", "updated_at",
)  # fmt: skip
CONTACT_FIELDS = (
    "id", "customer_id", "first_name", "last_name", "email", "phone", "mobile", "fax",
    "position", "language",
    "is_active", "is_primary", "created_at", "updated_at",
)  # fmt: skip


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(
        **{name: getattr(customer, name) for name in CUSTOMER_FIELDS},
        currency=customer.currency.code,
        groups=[group.name for group in customer.groups],
        account_owner_id=customer.account_owner.id if customer.account_owner else None,
        industry=customer.industry.name if customer.industry else None,
        market_segment=customer.market_segment.name if customer.market_segment else None,
        invoice_fields=list(customer.invoice_fields or []),
    )


def contact_out(contact: Contact) -> ContactOut:
    return ContactOut(
        **{name: getattr(contact, name) for name in CONTACT_FIELDS},
        permissions=contact.permissions,
        keywords=[k.name for k in contact.keywords],
    )


def customer_payload(session: Session, customer_id: int) -> dict[str, Any] | None:
    """The ``data`` of a customer webhook: the customer as ``GET /api/v1/customers/{id}``."""
    customer = session.get(Customer, customer_id)
    return customer_out(customer).model_dump(mode="json") if customer else None


def _customer(id: int) -> Customer:
    return get_or_404(Customer, id)  # type: ignore[no-any-return]


@operation(
    "GET", "/customers", summary="List customers", tag="customers", query=CustomerQuery,
    response=Page[CustomerOut], errors=(422,),
    description="Look up by business keys with `number`, `vat_number` or `external_id`; "
    "search with `q` as in the admin's customer list.",
)  # fmt: skip
def list_customers(query: CustomerQuery) -> Any:
    stmt = select(Customer).options(selectinload(Customer.groups), selectinload(Customer.profile))
    matches = search.matching_ids(query.q) if query.q is not None else None
    if matches is not None:
        stmt = stmt.where(Customer.id.in_(matches))
    if query.external_id is not None:
        stmt = stmt.where(Customer.external_id == query.external_id.strip())
    if query.number is not None:
        stmt = stmt.where(Customer.number == query.number.strip())
    if query.vat_number is not None:
        stmt = stmt.where(Customer.vat_number == vat_lookup_form(query.vat_number))
    if query.is_active is not None:
        stmt = stmt.where(Customer.is_active.is_(query.is_active))
    return paginate(stmt, query, Customer, customer_out)


@operation(
    "POST", "/customers", summary="Create a customer", tag="customers", body=CustomerCreate,
    response=CustomerOut, errors=(409, 422),
)  # fmt: skip
def create_customer(body: CustomerCreate) -> Any:
    customer = customers.create_customer(body.model_dump(exclude_unset=True))
    if "external_id" in body.model_fields_set:
        customer_sync.set_external_id(customer, body.external_id)
    return customer_out(customer), 201


@operation(
    "GET", "/customers/<int:id>", summary="Get a customer", tag="customers",
    response=CustomerOut, errors=(404,),
)  # fmt: skip
def get_customer(id: int) -> Any:
    return customer_out(_customer(id))


@operation(
    "PATCH", "/customers/<int:id>", summary="Update a customer", tag="customers",
    body=CustomerUpdate, response=CustomerOut, errors=(404, 409, 422),
    description="Only the fields given change. The currency cannot change once the customer "
    "has invoices; the number never changes.",
)  # fmt: skip
def update_customer(id: int, body: CustomerUpdate) -> Any:
    customer = customers.update_customer(_customer(id), body.model_dump(exclude_unset=True))
    if "external_id" in body.model_fields_set:
        customer_sync.set_external_id(customer, body.external_id)
    return customer_out(customer)


@operation(
    "DELETE", "/customers/<int:id>", summary="Delete a customer", tag="customers",
    errors=(404, 409),
    description="409 while the customer has invoices or estimates (make it inactive instead).",
)  # fmt: skip
def delete_customer(id: int) -> Any:
    customers.delete_customer(_customer(id))
    return None, 204


# -- contacts ---------------------------------------------------------------------------------


@operation(
    "GET", "/customers/<int:id>/contacts", summary="List a customer's contacts",
    tag="contacts", query=ListQuery, response=Page[ContactOut], errors=(404, 422),
)  # fmt: skip
def list_contacts(id: int, query: ListQuery) -> Any:
    customer = _customer(id)
    stmt = (
        select(Contact)
        .where(Contact.customer_id == customer.id)
        .options(selectinload(Contact.keywords))
    )
    return paginate(stmt, query, Contact, contact_out)


@operation(
    "POST", "/customers/<int:id>/contacts", summary="Add a contact", tag="contacts",
    body=ContactCreate, response=ContactOut, errors=(404, 409, 422),
    description='`"send_welcome_email": true` queues the welcome email with a set-password '
    "link.",
)  # fmt: skip
def create_contact(id: int, body: ContactCreate) -> Any:
    customer = _customer(id)
    data = body.model_dump(exclude_unset=True, exclude={"send_welcome_email"})
    contact = contacts.create_contact(customer, data)
    if body.send_welcome_email:
        email.queue_welcome(contact)
    db.session.refresh(contact)
    return contact_out(contact), 201


@operation(
    "GET", "/contacts/<int:id>", summary="Get a contact", tag="contacts", response=ContactOut,
    errors=(404,),
)  # fmt: skip
def get_contact(id: int) -> Any:
    return contact_out(get_or_404(Contact, id))


@operation(
    "PATCH", "/contacts/<int:id>", summary="Update a contact", tag="contacts",
    body=ContactUpdate, response=ContactOut, errors=(404, 409, 422),
)  # fmt: skip
def update_contact(id: int, body: ContactUpdate) -> Any:
    contact = contacts.update_contact(get_or_404(Contact, id), body.model_dump(exclude_unset=True))
    db.session.refresh(contact)
    return contact_out(contact)


@operation(
    "DELETE", "/contacts/<int:id>", summary="Delete a contact", tag="contacts",
    errors=(404, 409, 422),
)  # fmt: skip
def delete_contact(id: int) -> Any:
    contacts.delete_contact(get_or_404(Contact, id))
    return None, 204
