"""What a finance system needs to keep its own records in step: the idempotent upsert of a
customer by its own key (``PUT /customers/by-external-id/{external_id}``) and every customer's
contacts, looked up by email (``GET /contacts?email=``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from portal.api.core import operation, paginate
from portal.api.customers import contact_out, customer_out
from portal.api.document_schemas import ContactQuery
from portal.api.schemas import ContactOut, CustomerCreate, CustomerOut, Page
from portal.models import Contact
from portal.services.integration import customer_sync


@operation(
    "PUT", "/customers/by-external-id/<external_id>", summary="Create or update a customer by "
    "the finance system's key", tag="customers", body=CustomerCreate, response=CustomerOut,
    errors=(409, 422),
    description="The customer with this `external_id` gets the body's fields (201 when it is "
    "created with them, 200 when it existed). Sending the same body again changes nothing: "
    "one customer, whatever the number of calls.",
)  # fmt: skip
def upsert_customer(external_id: str, body: CustomerCreate) -> Any:
    data = body.model_dump(exclude_unset=True, exclude={"external_id"})
    customer, created = customer_sync.upsert(external_id, data)
    return customer_out(customer), 201 if created else 200


@operation(
    "GET", "/contacts", summary="List every customer's contacts", tag="contacts",
    query=ContactQuery, response=Page[ContactOut], errors=(422,),
    description="`email` finds the contact with that address (case does not matter); "
    "`customer_id` keeps one customer's.",
)  # fmt: skip
def list_all_contacts(query: ContactQuery) -> Any:
    stmt = customer_sync.contacts_by_email(query.email).options(selectinload(Contact.keywords))
    if query.customer_id is not None:
        stmt = stmt.where(Contact.customer_id == query.customer_id)
    return paginate(stmt, query, Contact, contact_out)
