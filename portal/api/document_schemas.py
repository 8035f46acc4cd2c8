"""The API's schemas of invoices, credit notes, estimates and the finance queue's sales, built
from the field types and base models of :mod:`portal.api.schemas`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import Field

from portal.api.schemas import (
    MAX_ID,
    Amount,
    CurrencyCode,
    Id,
    ListQuery,
    Name32,
    Name120,
    Name5000,
    PercentStr,
    Quantity,
    RequestModel,
    ResponseModel,
    Str60,
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


class InvoiceOut(ResponseModel):
    id: int
    customer_id: int
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


class SaleIn(RequestModel):
    invoice_number: Name32
    reference: Name120
    amount: Amount
    currency: CurrencyCode
    paid_at: date
    method: Str60 | None = Field(None, description='Defaults to "finance"')


class SaleOut(ResponseModel):
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
