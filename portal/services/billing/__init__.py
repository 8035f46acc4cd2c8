"""Document totals and the invoice/estimate life cycle rules shared by admin, portal and API.

Module map of the billing services:

* here: issuing, cancelling, duplicating, credit notes and the invoice/estimate emails
;
* :mod:`portal.services.billing.totals`: Decimal totals per currency;
* :mod:`portal.services.billing.drafts`: draft editing with field errors and optimistic locking;
* :mod:`portal.services.billing.payments`: recording payments;
* :mod:`portal.services.billing.estimates`: accept, decline, convert into an invoice;
* :mod:`portal.services.billing.document_links`: the links in the emails that open one document
  without signing in;
* :mod:`portal.services.billing.recurring`: recurring invoices and payment reminders;
* :mod:`portal.services.billing.statements`: statements of account;
* :mod:`portal.services.billing.pdf` and :mod:`portal.services.billing.exports`: PDFs and ZIP
  exports.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import Contact, Estimate, EstimateLine, Invoice, InvoiceLine, OutboxEmail
from portal.models.base import as_decimal, utcnow
from portal.services.billing import document_links, numbering
from portal.services.billing.addresses import shipping_address
from portal.services.billing.drafts import flush, lock_invoice, parse_lines
from portal.services.billing.totals import recalculate
from portal.services.errors import ConflictError, ValidationError
from portal.services.platform import email, settings
from portal.services.platform.validation import Errors

ISSUED_STATUSES = ("unpaid", "partially_paid", "paid", "credited")


def add_months(start: date, months: int, anchor_day: int | None = None) -> date:
    """``start`` plus ``months`` calendar months, on ``anchor_day`` (default: ``start``'s day)
    or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(anchor_day or start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


# -- life cycle -------------------------------------------------------------------------------


def credited_total(invoice: Invoice, exclude_id: int | None = None) -> Decimal:
    """The total of the issued (not cancelled) credit notes of ``invoice``."""
    stmt = select(func.coalesce(func.sum(Invoice.total), 0)).where(
        Invoice.credited_invoice_id == invoice.id,
        Invoice.kind == "credit_note",
        Invoice.status.in_(ISSUED_STATUSES),
    )
    if exclude_id is not None:
        stmt = stmt.where(Invoice.id != exclude_id)
    return as_decimal(db.session.scalar(stmt))


def settle_status(invoice: Invoice, credited: Decimal | None = None) -> None:
    """``unpaid``, ``partially_paid`` or ``paid`` from ``amount_paid`` (payments plus credit);
    ``credited`` when issued credit notes (``credited``: their total, read when not given)
    cover the whole total, whatever was paid besides."""
    if invoice.amount_paid >= invoice.total:
        if credited is None:
            credited = credited_total(invoice)
        fully_credited = invoice.total > 0 and credited >= invoice.total
        invoice.status = "credited" if fully_credited else "paid"
    elif invoice.amount_paid > 0:
        invoice.status = "partially_paid"
    else:
        invoice.status = "unpaid"


def _apply_credit_note(note: Invoice) -> None:
    """Settles the credited invoice's amount due with the credit note's total (at most what
    is still due); any excess stays as credit on the customer's statement."""
    invoice = lock_invoice(note.credited_invoice_id)
    if invoice is None or invoice.status not in ISSUED_STATUSES:
        raise ConflictError(
            _("The credited invoice is not issued or was cancelled."), code="credit_invalid"
        )
    credited = credited_total(invoice, exclude_id=note.id) + note.total
    if credited > invoice.total:
        raise ConflictError(
            _("Credit notes cannot credit more than the invoice total."), code="credit_too_high"
        )
    applied = min(note.total, invoice.total - invoice.amount_paid)
    if applied > 0:
        invoice.amount_paid += applied
    settle_status(invoice, credited)
    note.amount_paid = note.total
    note.status = "paid"


def issue_invoice(invoice: Invoice, today: date | None = None) -> Invoice:
    """Issues a draft: assigns the next gapless number (``INV-`` or, for a credit note,
    ``CN-``), fixes the dates and the billing address snapshot, and locks the totals. A credit
    note is applied to its invoice at once. Issuing an issued invoice is refused."""
    if invoice.status != "draft":
        raise ConflictError(_("Only a draft invoice can be issued."), code="invoice_not_draft")
    if not invoice.lines:
        raise ConflictError(_("An invoice needs at least one line."), code="invoice_empty")
    today = today or date.today()
    series = "credit_note" if invoice.kind == "credit_note" else "invoice"
    invoice.number = numbering.next_number(series)
    invoice.issue_date = invoice.issue_date or today
    invoice.due_date = invoice.due_date or invoice.issue_date + timedelta(
        days=int(settings.get("invoice_due_days"))
    )
    invoice.billing_address = invoice.customer.billing_address()
    invoice.shipping_address = shipping_address(invoice.customer)
    recalculate(invoice)
    invoice.amount_paid = invoice.amount_paid or Decimal(0)
    invoice.status = "paid" if invoice.total <= 0 else "unpaid"
    invoice.issued_at = utcnow()
    if invoice.kind == "credit_note":
        _apply_credit_note(invoice)
    elif invoice.recurring_months and invoice.next_recurring_date is None:
        invoice.next_recurring_date = add_months(invoice.issue_date, invoice.recurring_months)
    flush()
    return invoice


def send_estimate(estimate: Estimate, today: date | None = None) -> Estimate:
    """Marks a draft estimate as sent, assigning its number."""
    if estimate.status != "draft":
        raise ConflictError(_("Only a draft estimate can be sent."), code="estimate_not_draft")
    if not estimate.lines:
        raise ConflictError(_("An estimate needs at least one line."), code="estimate_empty")
    today = today or date.today()
    estimate.number = numbering.next_number("estimate")
    estimate.issue_date = estimate.issue_date or today
    estimate.expiry_date = estimate.expiry_date or estimate.issue_date + timedelta(
        days=int(settings.get("estimate_valid_days"))
    )
    estimate.billing_address = estimate.customer.billing_address()
    estimate.shipping_address = shipping_address(estimate.customer)
    recalculate(estimate)
    estimate.status = "sent"
    estimate.sent_at = utcnow()
    flush()
    return estimate


def cancel_invoice(invoice: Invoice) -> Invoice:
    """Cancels an issued invoice; it keeps its number (the series stays gapless). Refused for
    drafts (delete them instead), paid invoices and invoices with payments or credits."""
    if invoice.status == "cancelled":
        raise ConflictError(_("This invoice is already cancelled."), code="invoice_cancelled")
    if invoice.status == "draft":
        raise ConflictError(
            _("A draft has no number yet; delete it instead of cancelling it."),
            code="invoice_not_issued",
        )
    if invoice.kind == "credit_note":
        raise ConflictError(
            _("An issued credit note cannot be cancelled."), code="credit_note_locked"
        )
    if invoice.status == "paid" or invoice.amount_paid > 0 or invoice.payments:
        raise ConflictError(
            _("An invoice with payments or credit notes cannot be cancelled."),
            code="invoice_has_payments",
        )
    invoice.status = "cancelled"
    invoice.cancelled_at = utcnow()
    invoice.next_recurring_date = None
    flush()
    return invoice


def delete_draft(document: Invoice | Estimate) -> None:
    """Deletes a draft (it has no number, so nothing is lost from a series)."""
    if document.status != "draft":
        raise ConflictError(_("Only a draft can be deleted."), code="not_draft")
    db.session.delete(document)
    flush()


def _copy_lines(lines: Iterable[Any], model: type[Any]) -> list[Any]:
    return [
        model(
            position=i,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            tax_percent=line.tax_percent,
            discount_percent=line.discount_percent,
            tax_rate_id=line.tax_rate_id,
        )
        for i, line in enumerate(lines)
    ]


def new_invoice_from(source: Invoice | Estimate, **values: Any) -> Invoice:
    invoice = Invoice(
        customer=source.customer,
        currency=source.currency,
        kind="invoice",
        status="draft",
        notes=source.notes,
        terms=source.terms,
        custom_fields=dict(source.custom_fields or {}),
        billing_address={},
        amount_paid=Decimal(0),
        lines=_copy_lines(source.lines, InvoiceLine),
        **values,
    )
    db.session.add(invoice)
    recalculate(invoice)
    return invoice


def duplicate_invoice(invoice: Invoice) -> Invoice:
    """A new draft invoice with the same customer, lines, notes, terms and custom fields."""
    if invoice.kind == "credit_note":
        raise ConflictError(_("A credit note cannot be duplicated."), code="credit_note_copy")
    copy = new_invoice_from(invoice, recurring_months=invoice.recurring_months)
    flush()
    return copy


def duplicate_estimate(estimate: Estimate) -> Estimate:
    """A new draft estimate with the same customer, lines, notes, terms and custom fields."""
    copy = Estimate(
        customer=estimate.customer,
        currency=estimate.currency,
        status="draft",
        notes=estimate.notes,
        terms=estimate.terms,
        custom_fields=dict(estimate.custom_fields or {}),
        billing_address={},
        lines=_copy_lines(estimate.lines, EstimateLine),
    )
    db.session.add(copy)
    recalculate(copy)
    flush()
    return copy


def create_credit_note(
    invoice: Invoice, lines: Sequence[Mapping[str, Any]] | None = None
) -> Invoice:
    """A draft credit note for an issued invoice: all its lines (``lines=None``, a full credit)
    or the given lines. Amounts are positive on the credit note; issuing it (``CN-`` series)
    reduces what the invoice still owes. Its total cannot exceed what is not yet credited."""
    if invoice.kind != "invoice" or invoice.status not in ISSUED_STATUSES:
        raise ConflictError(
            _("Only an issued invoice that is not cancelled can be credited."),
            code="credit_invalid",
        )
    note = Invoice(
        customer=invoice.customer,
        currency=invoice.currency,
        kind="credit_note",
        status="draft",
        credited_invoice_id=invoice.id,
        amount_paid=Decimal(0),
        custom_fields=dict(invoice.custom_fields or {}),
        billing_address={},
    )
    if lines is None:
        if credited_total(invoice) > 0:
            raise ConflictError(
                _("This invoice is already credited in part; give the lines to credit."),
                code="invoice_partly_credited",
            )
        note.lines = _copy_lines(invoice.lines, InvoiceLine)
    else:
        errors = Errors()
        with db.session.no_autoflush:
            note.lines = parse_lines(list(lines), InvoiceLine, invoice.customer, errors)
        if not lines:
            errors.add("lines", _("Give at least one line."))
        errors.raise_if_any()
    recalculate(note)
    if credited_total(invoice) + note.total > invoice.total:
        raise ValidationError(
            _("Credit notes cannot credit more than the invoice total."),
            fields={"lines": _("Credit notes cannot credit more than the invoice total.")},
        )
    db.session.add(note)
    flush()
    return note


# -- emails -----------------------------------------------------------------------------------


def portal_link(path: str) -> str:
    """An absolute link into the client portal (paths fixed by SPEC section 8)."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def document_link_context(document: Invoice | Estimate, contact: Contact) -> dict[str, Any]:
    """A new link to ``document`` for ``contact`` (:mod:`.document_links`) as an email's
    ``document_link`` and the day it ends, ``link_expires``."""
    link = document_links.create_link(document, contact)
    return {"document_link": document_links.link_url(link), "link_expires": link.expires_at.date()}


def _check_recipient(document: Invoice | Estimate, contact: Contact) -> None:
    if contact.customer_id != document.customer_id or not contact.is_active:
        raise ValidationError(
            _("Choose an active contact of this customer."),
            fields={"contact_id": _("Choose an active contact of this customer.")},
        )


def queue_invoice_email(invoice: Invoice, contact: Contact) -> OutboxEmail:
    """Queues the ``invoice_issued`` email with the PDF attached, in the contact's language."""
    if invoice.kind != "invoice" or invoice.status not in ISSUED_STATUSES:
        raise ConflictError(_("Only an issued invoice can be sent."), code="invoice_not_issued")
    _check_recipient(invoice, contact)
    locale = locale_of(contact)
    message = email.queue(
        "invoice_issued",
        contact.email,
        locale,
        attachments=[{"kind": "invoice_pdf", "id": invoice.id, "locale": locale}],
        invoice=invoice,
        contact=contact,
        link=portal_link(f"/clients/invoices/{invoice.id}"),
        **document_link_context(invoice, contact),
    )
    invoice.sent_at = utcnow()
    flush()
    return message


def queue_estimate_email(estimate: Estimate, contact: Contact) -> OutboxEmail:
    """Queues the ``estimate_sent`` email with the PDF attached, in the contact's language."""
    if estimate.status not in ("sent", "accepted", "declined"):
        raise ConflictError(_("Only a sent estimate can be emailed."), code="estimate_not_sent")
    _check_recipient(estimate, contact)
    locale = locale_of(contact)
    message = email.queue(
        "estimate_sent",
        contact.email,
        locale,
        attachments=[{"kind": "estimate_pdf", "id": estimate.id, "locale": locale}],
        estimate=estimate,
        contact=contact,
        link=portal_link(f"/clients/estimates/{estimate.id}"),
        **document_link_context(estimate, contact),
    )
    return message
