"""The finance integration's rules: the queue of issued invoices a finance system takes (and
staff return to it), and the invoice a sale names (the sales are :mod:`.sales`)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.extensions import db
from portal.models import Invoice
from portal.models.base import utcnow
from portal.services.billing.drafts import flush
from portal.services.errors import ConflictError, ValidationError

#: The method stored on payments reported by the finance system when it names none.
SALE_METHOD = "finance"


def unprocessed_invoices() -> Select[tuple[Invoice]]:
    """Issued invoices (and credit notes, and invoices cancelled after issuing: their numbers
    belong to the series) that no finance system has marked processed; oldest first."""
    return select(Invoice).where(Invoice.number.is_not(None), Invoice.processed_at.is_(None))


UNPROCESSED_ORDER = (Invoice.issued_at, Invoice.id)


def mark_processed(invoice: Invoice, reference: str) -> bool:
    """Takes ``invoice`` off the queue with the finance system's ``reference``. The same
    reference again changes nothing (returns False); another reference is a conflict."""
    reference = reference.strip()
    if not reference:
        raise ValidationError(
            _("This field is required."), fields={"reference": _("This field is required.")}
        )
    if invoice.number is None:
        raise ConflictError(
            _("Only an issued invoice can be marked processed."), code="invoice_not_issued"
        )
    if invoice.processed_at is not None:
        if invoice.finance_reference == reference:
            return False
        raise ConflictError(
            _(
                "This invoice was already processed with reference %(reference)s.",
                reference=invoice.finance_reference or "",
            ),
            code="already_processed",
        )
    invoice.processed_at = utcnow()
    invoice.finance_reference = reference
    flush()
    return True


def return_to_queue(invoice: Invoice) -> bool:
    """Staff undo a wrong "processed": the invoice is in the queue again, without the finance
    reference (the change is audited like every change of an invoice). Returns False when it
    was not processed."""
    if invoice.processed_at is None:
        return False
    invoice.processed_at = None
    invoice.finance_reference = None
    flush()
    return True


def processed_filter(processed: bool | None) -> Select[tuple[Invoice]]:
    """Issued invoices and credit notes, only the processed ones (True), only those still in
    the queue (False) or all (None): the admin's view of the queue."""
    stmt = select(Invoice).where(Invoice.number.is_not(None))
    if processed is True:
        stmt = stmt.where(Invoice.processed_at.is_not(None))
    elif processed is False:
        stmt = stmt.where(Invoice.processed_at.is_(None))
    return stmt


def invoice_by_number(number: str) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.number == number.strip()))
