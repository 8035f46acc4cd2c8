"""The API's schema layer: pydantic models for request bodies, query strings and responses.

Requests are validated strictly (``extra="forbid"``, no type coercion: a JSON float or number
is never accepted where an amount string is expected) and their JSON Schemas, together with the
responses', make the OpenAPI document (:mod:`portal.api.openapi`). Field names are SPEC
section 9's; amounts are decimal strings. This module holds the field types, the base models,
errors, pages, customers, contacts, tickets and webhooks; invoices, estimates and sales are
:mod:`portal.api.document_schemas`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from portal.models.customers import CONTACT_PERMISSIONS
from portal.models.webhooks import WEBHOOK_EVENTS

MAX_ID = 2_147_483_647


#: Text of at most N characters (``StrN``) or of 1 to N characters (``NameN``).
Str2 = Annotated[str, StringConstraints(max_length=2)]
Str8 = Annotated[str, StringConstraints(max_length=8)]
Str32 = Annotated[str, StringConstraints(max_length=32)]
Name32 = Annotated[str, StringConstraints(min_length=1, max_length=32)]
Str60 = Annotated[str, StringConstraints(max_length=60)]
Name60 = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Str64 = Annotated[str, StringConstraints(max_length=64)]
Str120 = Annotated[str, StringConstraints(max_length=120)]
Name120 = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Email254 = Annotated[str, StringConstraints(min_length=3, max_length=254)]
Str255 = Annotated[str, StringConstraints(max_length=255)]
Name255 = Annotated[str, StringConstraints(min_length=1, max_length=255)]
Name2000 = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
Name5000 = Annotated[str, StringConstraints(min_length=1, max_length=5000)]
Str10000 = Annotated[str, StringConstraints(max_length=10000)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Amount = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,14}(\.[0-9]{1,4})?$"),
    Field(description='A decimal amount as a string, e.g. "1250.00"', examples=["1250.00"]),
]
Quantity = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,10}(\.[0-9]{1,4})?$"),
    Field(description="A decimal quantity as a string", examples=["2"]),
]
PercentStr = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{1,3}(\.[0-9]{1,4})?$"),
    Field(description='A percent as a string, e.g. "20.00"', examples=["20.00"]),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{3}$"),
    Field(description="ISO 4217 code", examples=["EUR"]),
]
Permission = Literal["invoices", "estimates", "tickets", "company", "documents"]
assert set(Permission.__args__) == set(CONTACT_PERMISSIONS)  # type: ignore[attr-defined]
EventName = Literal["invoice.issued", "invoice.paid", "customer.updated", "payment.created"]
assert set(EventName.__args__) == set(WEBHOOK_EVENTS)  # type: ignore[attr-defined]


class RequestModel(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")


class ResponseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- errors and pages -------------------------------------------------------------------------


class ErrorDetail(ResponseModel):
    code: str
    message: str
    fields: dict[str, str] = Field(default_factory=dict)


class ErrorBody(ResponseModel):
    error: ErrorDetail


T = TypeVar("T")


class Page(ResponseModel, Generic[T]):
    data: list[T]
    page: int
    per_page: int
    total: int


class ListQuery(BaseModel):
    """``page``, ``per_page`` (at most 100) and ``updated_since`` of every list endpoint."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(50, ge=1, le=100)
    updated_since: datetime | None = Field(
        None, description="ISO 8601; only records changed at or after this time"
    )


class CustomerQuery(ListQuery):
    q: Str120 | None = Field(
        None,
        description="Search words, as in the admin's customer list: name, number, VAT number, "
        "city, country, contact name or email; every word must match",
    )
    number: Str32 | None = Field(None, description="Look-up by customer number")
    external_id: Str64 | None = Field(None, description="Look-up by the finance system's key")
    vat_number: Str64 | None = Field(None, description="Look-up by VAT number")
    is_active: bool | None = None


class TicketQuery(ListQuery):
    customer_id: Id | None = None
    status: Literal["open", "in_progress", "answered", "on_hold", "closed"] | None = None


# -- customers --------------------------------------------------------------------------------


class CustomerFields(RequestModel):
    """Every customer field; on PATCH only the fields given change."""

    company_name: Name255 = None
    vat_number: Str64 | None = Field(
        None, description="With its country prefix; checked by its check digits, stored compact"
    )
    business_id: Str32 | None = Field(
        None, description="National business id, checked by the billing country's rules"
    )
    phone: Str64 | None = None
    website: Str255 | None = None
    email: Email254 | None = Field(None, description="The company's general email address")
    external_id: Str64 | None = Field(
        None, description="The finance system's own key, unique; empty clears it"
    )
    account_owner_id: Id | None = Field(
        None, description="The staff member responsible for the customer (an active one)"
    )
    industry: Name120 | None = Field(None, description="A name from the industries in Setup")
    market_segment: Name120 | None = Field(
        None, description="A name from the market segments in Setup"
    )
    billing_street: Str255 | None = None
    billing_city: Str120 | None = None
    billing_zip: Str32 | None = None
    billing_state: Str120 | None = None
    billing_country: Str2 | None = Field(None, description="ISO 3166-1 alpha-2")
    shipping_street: Str255 | None = None
    shipping_city: Str120 | None = None
    shipping_zip: Str32 | None = None
    shipping_state: Str120 | None = None
    shipping_country: Str2 | None = None
    currency: CurrencyCode = None  # type: ignore[assignment]
    language: Str8 | None = None
    groups: list[Id | Name120] = Field(None, max_length=50, description="Group names or ids")
    tax_class_id: Id | None = None
    remarks: Str10000 | None = None
    is_active: bool = None  # type: ignore[assignment]
    invoice_fields: list[Name60] = Field(None, max_length=20)


class CustomerCreate(CustomerFields):
    company_name: Name255
    number: Name32 = Field(None, description="Generated (C-000001 style) when absent")


class CustomerUpdate(CustomerFields):
    pass


class CustomerOut(ResponseModel):
    id: int
    number: str
    company_name: str
    vat_number: str | None
    business_id: str | None
    vat_checked_at: datetime | None = Field(description="The last VAT check in a registry")
    vat_valid: bool | None = Field(description="Its result")
    phone: str | None
    website: str | None
    email: str | None
    external_id: str | None
    account_owner_id: int | None
    industry: str | None
    market_segment: str | None
    billing_street: str | None
    billing_city: str | None
    billing_zip: str | None
    billing_state: str | None
    billing_country: str | None
    shipping_street: str | None
    shipping_city: str | None
    shipping_zip: str | None
    shipping_state: str | None
    shipping_country: str | None
    currency: str
    language: str | None
    groups: list[str]
    tax_class_id: int | None
    remarks: str | None
    is_active: bool
    invoice_fields: list[str]
    created_at: datetime
    updated_at: datetime


# -- contacts ---------------------------------------------------------------------------------


class ContactFields(RequestModel):
    first_name: Name120 = None
    last_name: Name120 = None
    email: Email254 = None
    phone: Str64 | None = None
    mobile: Str64 | None = None
    fax: Str64 | None = None
    position: Str120 | None = None
    keywords: list[Name60] = Field(
        None,
        max_length=20,
        description='Keywords and roles, e.g. ["newsletter", "decision maker"]; stored trimmed '
        "and in lower case. Replaces the contact's keywords.",
    )
    language: Str8 | None = Field(None, description="Empty: the customer's language")
    permissions: list[Permission] = Field(None, max_length=len(CONTACT_PERMISSIONS))  # type: ignore[assignment]
    is_active: bool = None  # type: ignore[assignment]
    is_primary: bool = None  # type: ignore[assignment]


class ContactCreate(ContactFields):
    first_name: Name120
    last_name: Name120
    email: Email254
    send_welcome_email: bool = Field(
        False, description="Queue the welcome email with a set-password link"
    )


class ContactUpdate(ContactFields):
    pass


class ContactOut(ResponseModel):
    id: int
    customer_id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None
    mobile: str | None
    fax: str | None
    position: str | None
    keywords: list[str]
    language: str | None
    permissions: list[str]
    is_active: bool
    is_primary: bool
    created_at: datetime
    updated_at: datetime


# -- tickets ----------------------------------------------------------------------------------


class AttachmentOut(ResponseModel):
    id: int
    original_name: str
    content_type: str
    size: int


class TicketMessageOut(ResponseModel):
    id: int
    author_type: Literal["staff", "contact"] | None
    author_name: str
    body: str
    is_internal: bool
    attachments: list[AttachmentOut]
    created_at: datetime


class TicketAbout(ResponseModel):
    """The invoice or estimate a ticket is about."""

    kind: Literal["invoice", "estimate"]
    id: int
    number: str | None


class TicketOut(ResponseModel):
    id: int
    customer_id: int
    contact_id: int | None
    invoice_id: int | None
    estimate_id: int | None
    about: TicketAbout | None
    subject: str
    priority: str
    status: str
    assigned_staff_id: int | None
    messages: list[TicketMessageOut]
    last_message_at: datetime
    created_at: datetime
    updated_at: datetime


# -- webhooks ---------------------------------------------------------------------------------


class WebhookCreate(RequestModel):
    url: Name2000
    events: list[EventName] = Field(min_length=1, max_length=3)
    description: Str255 | None = None


class WebhookOut(ResponseModel):
    id: int
    url: str
    events: list[str]
    description: str | None
    is_active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="HMAC key of X-Portal-Signature; shown only here")
