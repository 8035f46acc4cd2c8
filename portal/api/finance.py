"""The finance round trip: the queue of issued invoices (``/invoices/unprocessed``), taking one
off it (``/invoices/{id}/processed``) and reporting payments (``/sales``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.api.core import get_or_404, money, operation, paginate
from portal.api.document_schemas import InvoiceOut, ProcessedIn, SaleIn, SaleOut
from portal.api.documents import INVOICE_LOAD, invoice_out
from portal.api.schemas import ListQuery, Page
from portal.models import Invoice, Payment
from portal.services.integration import finance as integration


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
    "POST", "/sales", summary="Report a payment", tag="finance", body=SaleIn, response=SaleOut,
    errors=(409, 422),
    description="Records a payment on the invoice with `invoice_number` in its currency; a "
    "full payment makes it paid. The same reference and amount again return the earlier "
    "payment (200).",
)  # fmt: skip
def create_sale(body: SaleIn) -> Any:
    payment, created = integration.record_sale(
        body.invoice_number, body.reference, body.amount, body.currency, body.paid_at,
        body.method,
    )  # fmt: skip
    return sale_out(payment), 201 if created else 200


def payment_payload(session: Session, payment_id: int) -> dict[str, Any] | None:
    """The ``data`` of a ``payment.created`` webhook: the payment as ``POST /sales`` answers."""
    payment = session.get(Payment, payment_id)
    return None if payment is None else sale_out(payment).model_dump(mode="json")


def sale_out(payment: Payment) -> SaleOut:
    invoice = payment.invoice
    places = invoice.currency.decimal_places
    return SaleOut(
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
