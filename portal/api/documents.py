"""Invoices and estimates with their lines: ``/invoices``, ``/invoices/{id}``,
``/invoices/{id}/issue``, ``/estimates``, ``/estimates/{id}``. The billing services do the work
(totals, numbering, locking), exactly as for the admin."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.api.core import get_or_404, money, operation, paginate, percent, plain
from portal.api.document_schemas import (
    EstimateCreate,
    EstimateOut,
    EstimateQuery,
    InvoiceContact,
    InvoiceCreate,
    InvoiceCustomer,
    InvoiceOut,
    InvoiceQuery,
    InvoiceUpdate,
    LineOut,
    PaymentSummary,
)
from portal.api.schemas import Page
from portal.models import Contact, Customer, Estimate, Invoice
from portal.services import billing
from portal.services.billing.drafts import save_estimate_draft, save_invoice_draft


def _lines(document: Invoice | Estimate) -> list[LineOut]:
    places = document.currency.decimal_places
    return [
        LineOut(
            id=line.id,
            description=line.description,
            quantity=plain(line.quantity),
            unit_price=money(line.unit_price, max(places, _places(line.unit_price))),
            tax_rate=percent(line.tax_percent),
            discount=percent(line.discount_percent),
            net_amount=money(line.net_amount, places),
        )
        for line in document.lines
    ]


def _places(value: Any) -> int:
    """Decimals actually used by a unit price (it may be finer than the currency)."""
    exponent = int(value.normalize().as_tuple().exponent)
    return max(-exponent, 0)


def _customer(customer: Customer) -> InvoiceCustomer:
    return InvoiceCustomer(
        id=customer.id,
        number=customer.number,
        name=customer.company_name,
        vat_number=customer.vat_number,
        external_id=customer.external_id,
    )


def _contact(contact: Contact | None) -> InvoiceContact | None:
    if contact is None:
        return None
    return InvoiceContact(
        id=contact.id,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
    )


def invoice_out(invoice: Invoice) -> InvoiceOut:
    places = invoice.currency.decimal_places
    return InvoiceOut(
        id=invoice.id,
        customer_id=invoice.customer_id,
        customer=_customer(invoice.customer),
        contact=_contact(invoice.customer.primary_contact),
        kind=invoice.kind,  # type: ignore[arg-type]
        number=invoice.number,
        status=invoice.status,
        overdue=invoice.is_overdue(date.today()),
        currency=invoice.currency.code,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        notes=invoice.notes,
        terms=invoice.terms,
        custom_fields=dict(invoice.custom_fields or {}),
        billing_address=dict(invoice.billing_address or {}),
        lines=_lines(invoice),
        subtotal=money(invoice.subtotal, places),
        tax_total=money(invoice.tax_total, places),
        total=money(invoice.total, places),
        amount_paid=money(invoice.amount_paid, places),
        amount_due=money(invoice.amount_due, places),
        payments=[
            PaymentSummary(
                id=p.id,
                amount=money(p.amount, places),
                paid_at=p.paid_at,
                method=p.method,
                reference=p.reference,
            )
            for p in invoice.payments
        ],
        issued_at=invoice.issued_at,
        processed_at=invoice.processed_at,
        finance_reference=invoice.finance_reference,
        version=invoice.version,
        created_at=invoice.created_at,
        updated_at=invoice.updated_at,
    )


def estimate_out(estimate: Estimate) -> EstimateOut:
    places = estimate.currency.decimal_places
    return EstimateOut(
        id=estimate.id,
        customer_id=estimate.customer_id,
        number=estimate.number,
        status=estimate.status,
        expired=estimate.is_expired(date.today()),
        currency=estimate.currency.code,
        issue_date=estimate.issue_date,
        expiry_date=estimate.expiry_date,
        notes=estimate.notes,
        terms=estimate.terms,
        custom_fields=dict(estimate.custom_fields or {}),
        lines=_lines(estimate),
        subtotal=money(estimate.subtotal, places),
        tax_total=money(estimate.tax_total, places),
        total=money(estimate.total, places),
        accepted_at=estimate.accepted_at,
        declined_at=estimate.declined_at,
        version=estimate.version,
        created_at=estimate.created_at,
        updated_at=estimate.updated_at,
    )


INVOICE_LOAD = (
    selectinload(Invoice.lines),
    selectinload(Invoice.payments),
    selectinload(Invoice.customer).selectinload(Customer.contacts),
)
ESTIMATE_LOAD = (selectinload(Estimate.lines),)


def invoice_payload(session: Session, invoice_id: int) -> dict[str, Any] | None:
    """The ``data`` of an invoice webhook: the invoice as ``GET /api/v1/invoices/{id}``."""
    invoice = session.get(Invoice, invoice_id)
    return invoice_out(invoice).model_dump(mode="json") if invoice else None


def _service_data(body: Any) -> dict[str, Any]:
    """The body as the billing services take it (lines as plain dicts)."""
    return body.model_dump(exclude_unset=True, exclude={"version"})  # type: ignore[no-any-return]


# -- invoices ---------------------------------------------------------------------------------


@operation(
    "GET", "/invoices", summary="List invoices", tag="invoices", query=InvoiceQuery,
    response=Page[InvoiceOut], errors=(422,),
)  # fmt: skip
def list_invoices(query: InvoiceQuery) -> Any:
    stmt = select(Invoice).options(*INVOICE_LOAD)
    if query.customer_id is not None:
        stmt = stmt.where(Invoice.customer_id == query.customer_id)
    if query.status is not None:
        stmt = stmt.where(Invoice.status == query.status)
    return paginate(stmt, query, Invoice, invoice_out)


@operation(
    "POST", "/invoices", summary="Create a draft invoice", tag="invoices", body=InvoiceCreate,
    response=InvoiceOut, errors=(409, 422),
)  # fmt: skip
def create_invoice(body: InvoiceCreate) -> Any:
    data = _service_data(body)
    data.setdefault("lines", [])
    return invoice_out(save_invoice_draft(None, data)), 201


@operation(
    "GET", "/invoices/<int:id>", summary="Get an invoice", tag="invoices", response=InvoiceOut,
    errors=(404,),
)  # fmt: skip
def get_invoice(id: int) -> Any:
    return invoice_out(get_or_404(Invoice, id, options=INVOICE_LOAD))


@operation(
    "PATCH", "/invoices/<int:id>", summary="Update a draft invoice", tag="invoices",
    body=InvoiceUpdate, response=InvoiceOut, errors=(404, 409, 422),
    description="Only drafts change (409 once issued); `lines` replaces all lines; give "
    "`version` to be told (409) when someone else saved the invoice meanwhile.",
)  # fmt: skip
def update_invoice(id: int, body: InvoiceUpdate) -> Any:
    invoice = get_or_404(Invoice, id)
    saved = save_invoice_draft(invoice, _service_data(body), body.version)
    return invoice_out(saved)


@operation(
    "POST", "/invoices/<int:id>/issue", summary="Issue a draft invoice", tag="invoices",
    response=InvoiceOut, status=200, errors=(404, 409),
    description="Assigns the next gapless number; the invoice enters the unprocessed queue.",
)  # fmt: skip
def issue_invoice(id: int) -> Any:
    return invoice_out(billing.issue_invoice(get_or_404(Invoice, id)))


# -- estimates --------------------------------------------------------------------------------


@operation(
    "GET", "/estimates", summary="List estimates", tag="estimates", query=EstimateQuery,
    response=Page[EstimateOut], errors=(422,),
)  # fmt: skip
def list_estimates(query: EstimateQuery) -> Any:
    stmt = select(Estimate).options(*ESTIMATE_LOAD)
    if query.customer_id is not None:
        stmt = stmt.where(Estimate.customer_id == query.customer_id)
    if query.status is not None:
        stmt = stmt.where(Estimate.status == query.status)
    return paginate(stmt, query, Estimate, estimate_out)


@operation(
    "POST", "/estimates", summary="Create a draft estimate", tag="estimates",
    body=EstimateCreate, response=EstimateOut, errors=(409, 422),
)  # fmt: skip
def create_estimate(body: EstimateCreate) -> Any:
    data = _service_data(body)
    data.setdefault("lines", [])
    return estimate_out(save_estimate_draft(None, data)), 201


@operation(
    "GET", "/estimates/<int:id>", summary="Get an estimate", tag="estimates",
    response=EstimateOut, errors=(404,),
)  # fmt: skip
def get_estimate(id: int) -> Any:
    return estimate_out(get_or_404(Estimate, id, options=ESTIMATE_LOAD))
