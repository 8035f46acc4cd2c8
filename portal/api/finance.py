"""The finance round trip: the queue of issued invoices (``/invoices/unprocessed``), taking one
off it (``/invoices/{id}/processed``), its PDF (``/invoices/{id}/pdf``) and reporting sales,
paid or not yet (``/sales``)."""

from __future__ import annotations

import io
from typing import Any

from flask import request, send_file
from sqlalchemy.orm import Session, selectinload

from portal.api.core import get_or_404, money, operation, paginate
from portal.api.document_schemas import (
    InvoiceOut,
    PaymentEventOut,
    ProcessedIn,
    SaleIn,
    SaleOut,
    SaleQuery,
)
from portal.api.documents import INVOICE_LOAD, invoice_out
from portal.api.schemas import ListQuery, Page
from portal.i18n import LANGUAGES, locale_of
from portal.models import Invoice, Payment, Sale
from portal.services.billing import pdf
from portal.services.integration import finance as integration
from portal.services.integration import sales


@operation(
    "GET", "/invoices/unprocessed", summary="The queue of issued, unprocessed invoices",
    tag="finance", query=ListQuery, response=Page[InvoiceOut], errors=(422,),
    description="Issued invoices and credit notes no finance system has marked processed, "
    "oldest first.",
)  # fmt: skip
def unprocessed_invoices(query: ListQuery) -> Any:
    stmt = integration.unprocessed_invoices().options(*INVOICE_LOAD)
    return paginate(stmt, query, Invoice, invoice_out, order=integration.UNPROCESSED_ORDER)


@operation(
    "POST", "/invoices/<int:id>/processed", summary="Mark an invoice processed",
    tag="finance", body=ProcessedIn, response=InvoiceOut, status=200, errors=(404, 409, 422),
    description="Removes the invoice from the queue. The same reference again is a no-op; "
    "another reference is 409.",
)  # fmt: skip
def mark_processed(id: int, body: ProcessedIn) -> Any:
    invoice = get_or_404(Invoice, id, options=INVOICE_LOAD)
    integration.mark_processed(invoice, body.reference)
    return invoice_out(invoice), 200


@operation(
    "GET", "/invoices/<int:id>/pdf", summary="The invoice as PDF", tag="finance",
    scope="invoices", produces="application/pdf", errors=(404,),
    description="The invoice (or credit note) as the customer receives it, in the customer's "
    "language; an `Accept-Language` header naming a supported language overrides it. Needs a "
    "token with the `invoices` scope (403 otherwise).",
)  # fmt: skip
def invoice_pdf(id: int) -> Any:
    invoice = get_or_404(Invoice, id, options=INVOICE_LOAD)
    locale = request.accept_languages.best_match(LANGUAGES) or locale_of(invoice.customer)
    data, etag = pdf.cached_pdf(invoice, locale)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=pdf.pdf_filename(invoice, locale),
        etag=etag,
        max_age=0,
        conditional=False,
    )
    response.headers["Content-Language"] = locale
    response.headers["Vary"] = "Accept-Language"
    return response


@operation(
    "POST", "/sales", summary="Report a sale, paid or unpaid", tag="finance", body=SaleIn,
    response=SaleOut, errors=(409, 422),
    description="Records the finance system's sale `reference` on the invoice with "
    "`invoice_number`, in its currency. `status` `paid` (the default; `paid_at` required) "
    "records a payment, and a full payment makes the invoice paid; `unpaid` records the sale "
    "and its `due_date` without a payment. The same reference and amount again answer 200 "
    "with the sale: reported as `paid` after `unpaid`, it records the payment then; another "
    "amount, or `unpaid` after `paid`, is 409.",
)  # fmt: skip
def create_sale(body: SaleIn) -> Any:
    report = sales.SaleReport(**body.model_dump())
    sale, created = sales.report_sale(report)
    return sale_out(sale), 201 if created else 200


@operation(
    "GET", "/sales", summary="List the reported sales", tag="finance", query=SaleQuery,
    response=Page[SaleOut], errors=(422,),
    description="Filter by `status`, `invoice_number`, `customer_id` or `reference`; "
    "`updated_since` for changes (an unpaid sale changes when it is paid).",
)  # fmt: skip
def list_sales(query: SaleQuery) -> Any:
    stmt = sales.sales(
        status=query.status,
        invoice_number=query.invoice_number,
        customer_id=query.customer_id,
        reference=query.reference,
    ).options(selectinload(Sale.invoice), selectinload(Sale.payment))
    return paginate(stmt, query, Sale, sale_out)


def payment_payload(session: Session, payment_id: int) -> dict[str, Any] | None:
    """The ``data`` of a ``payment.created`` webhook."""
    payment = session.get(Payment, payment_id)
    return None if payment is None else payment_out(payment).model_dump(mode="json")


def sale_out(sale: Sale) -> SaleOut:
    invoice = sale.invoice
    places = invoice.currency.decimal_places
    return SaleOut(
        id=sale.id,
        invoice_id=invoice.id,
        invoice_number=invoice.number or "",
        amount=money(sale.amount, places),
        currency=invoice.currency.code,
        status=sale.status,  # type: ignore[arg-type]
        due_date=sale.due_date,
        paid_at=sale.paid_at,
        method=sale.payment.method if sale.payment else None,
        reference=sale.reference,
        payment_id=sale.payment_id,
        invoice_status=invoice.status,
        amount_due=money(invoice.amount_due, places),
        created_at=sale.created_at,
        updated_at=sale.updated_at,
    )


def payment_out(payment: Payment) -> PaymentEventOut:
    invoice = payment.invoice
    places = invoice.currency.decimal_places
    return PaymentEventOut(
        id=payment.id,
        invoice_id=invoice.id,
        invoice_number=invoice.number or "",
        amount=money(payment.amount, places),
        currency=invoice.currency.code,
        paid_at=payment.paid_at,
        method=payment.method,
        reference=payment.reference,
        invoice_status=invoice.status,
        amount_due=money(invoice.amount_due, places),
        created_at=payment.created_at,
    )
