"""The API's schemas of invoices, credit notes, estimates and the finance queue's sales, built
from the field types and base models of :mod:`portal.api.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from portal.api.schemas import (
    MAX_ID,
    Amount,
    CurrencyCode,
    Email254,
    Id,
    ListQuery,
    Name32,
    Name120,
    Name5000,
    PercentStr,
    Quantity,
    RequestModel,
    ResponseModel,
    Str32,
    Str60,
    Str120,
    Str255,
    Str10000,
)

# -- queries ----------------------------------------------------------------------------------


class InvoiceQuery(ListQuery):
    customer_id: Id | None = None
    status: Literal["draft", "unpaid", "partially_paid", "paid", "cancelled", "credited"] | None = (
        None
    )


class EstimateQuery(ListQuery):
    customer_id: Id | None = None
    status: Literal["draft", "sent", "accepted", "declined", "invoiced"] | None = None


# -- invoices and estimates -------------------------------------------------------------------


class LineIn(RequestModel):
    description: Name5000
    quantity: Quantity
    unit_price: Amount
    tax_rate: PercentStr | None = Field(
        None, description="Percent; absent: the customer's tax class default"
    )
    discount: PercentStr | None = Field(None, description="Discount percent")


class DocumentFields(RequestModel):
    customer_id: Id = None  # type: ignore[assignment]
    issue_date: date | None = None
    notes: Str10000 | None = None
    terms: Str10000 | None = None
    custom_fields: dict[Str60, Str255] | None = Field(
        None, max_length=20, description="Values of the customer's invoice fields"
    )
    lines: list[LineIn] = Field(None, max_length=200)  # type: ignore[assignment]


class InvoiceCreate(DocumentFields):
    customer_id: Id
    due_date: date | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class InvoiceUpdate(DocumentFields):
    due_date: date | None = None
    version: int | None = Field(
        None, ge=0, le=MAX_ID, description="Optimistic locking: 409 when the invoice changed"
    )


class EstimateCreate(DocumentFields):
    customer_id: Id
    expiry_date: date | None = None
    lines: list[LineIn] = Field(default_factory=list, max_length=200)


class LineOut(ResponseModel):
    id: int
    description: str
    quantity: str
    unit_price: str
    tax_rate: str
    discount: str
    net_amount: str


class PaymentSummary(ResponseModel):
    id: int
    amount: str
    paid_at: date
    method: str | None
    reference: str | None


class InvoiceCustomer(ResponseModel):
    """The customer as the finance system books it."""

    id: int
    number: str
    name: str = Field(description="The company name")
    vat_number: str | None
    external_id: str | None = Field(description="The finance system's own key")


class InvoiceContact(ResponseModel):
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str | None


class InvoiceOut(ResponseModel):
    id: int
    customer_id: int
    customer: InvoiceCustomer
    contact: InvoiceContact | None = Field(description="The customer's primary contact")
    kind: Literal["invoice", "credit_note"]
    number: str | None
    status: str
    overdue: bool
    currency: str
    issue_date: date | None
    due_date: date | None
    notes: str | None
    terms: str | None
    custom_fields: dict[str, Any]
    billing_address: dict[str, Any]
    lines: list[LineOut]
    subtotal: str
    tax_total: str
    total: str
    amount_paid: str
    amount_due: str
    payments: list[PaymentSummary]
    issued_at: datetime | None
    processed_at: datetime | None
    finance_reference: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class EstimateOut(ResponseModel):
    id: int
    customer_id: int
    number: str | None
    status: str
    expired: bool
    currency: str
    issue_date: date | None
    expiry_date: date | None
    notes: str | None
    terms: str | None
    custom_fields: dict[str, Any]
    lines: list[LineOut]
    subtotal: str
    tax_total: str
    total: str
    accepted_at: datetime | None
    declined_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class ProcessedIn(RequestModel):
    reference: Name120 = Field(description="The finance system's reference")


class SaleQuery(ListQuery):
    status: Literal["paid", "unpaid"] | None = None
    invoice_number: Str32 | None = None
    customer_id: Id | None = None
    reference: Str120 | None = None


class SaleIn(RequestModel):
    invoice_number: Name32
    reference: Name120 = Field(description="The finance system's reference of the sale")
    amount: Amount
    currency: CurrencyCode
    status: Literal["paid", "unpaid"] = Field(
        "paid", description="`unpaid` records the sale without a payment"
    )
    paid_at: date | None = Field(
        None, validate_default=True, description="Required when `status` is `paid`"
    )
    due_date: date | None = Field(None, description="The finance system's due date")
    method: Str60 | None = Field(None, description='Defaults to "finance"')

    @field_validator("paid_at")
    @classmethod
    def _paid_at_when_paid(cls, value: date | None, info: ValidationInfo) -> date | None:
        """``paid_at`` is required for a paid sale (reported with the other fields' errors)."""
        if value is None and info.data.get("status", "paid") == "paid":
            raise PydanticCustomError("missing", "Field required")
        return value


class SaleOut(ResponseModel):
    id: int
    invoice_id: int
    invoice_number: str
    amount: str
    currency: str
    status: Literal["paid", "unpaid"]
    due_date: date | None
    paid_at: date | None
    method: str | None
    reference: str
    payment_id: int | None
    invoice_status: str
    amount_due: str
    created_at: datetime
    updated_at: datetime


class PaymentEventOut(ResponseModel):
    """The ``data`` of a ``payment.created`` webhook."""

    id: int
    invoice_id: int
    invoice_number: str
    amount: str
    currency: str
    paid_at: date
    method: str | None
    reference: str | None
    invoice_status: str
    amount_due: str
    created_at: datetime


class ContactQuery(ListQuery):
    email: Email254 | None = Field(None, description="Only the contact with this email")
    customer_id: Id | None = None
