"""Exports of billing documents: a customer's invoices as a ZIP of PDFs."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import locale_of
from portal.models import INVOICE_STATUSES, Customer, Invoice
from portal.services.billing import pdf
from portal.services.errors import ValidationError


def invoices_zip(
    customer: Customer, statuses: Iterable[str] | None = None, locale: str | None = None
) -> bytes:
    """A ZIP of the PDFs of ``customer``'s invoices and credit notes whose status is one of
    ``statuses`` (all when empty; ``overdue`` is derived from the due date), in ``locale``
    (default: the language of the customer's primary contact). PDFs come from the cache when
    the documents did not change."""
    wanted = [s for s in (statuses or []) if s]
    unknown = sorted(set(wanted) - {*INVOICE_STATUSES, "overdue"})
    if unknown:
        message = _("Unknown status: %(names)s.", names=", ".join(unknown)[:200])
        raise ValidationError(message, fields={"status": message})
    if locale is None:
        primary = customer.primary_contact
        locale = locale_of(primary) if primary is not None else locale_of(customer)
    stmt = (
        select(Invoice)
        .where(Invoice.customer_id == customer.id)
        .options(selectinload(Invoice.lines), selectinload(Invoice.payments))
        .order_by(Invoice.issue_date.is_(None), Invoice.issue_date, Invoice.id)
    )
    if wanted:
        conditions = [Invoice.status.in_([s for s in wanted if s != "overdue"])]
        if "overdue" in wanted:  # derived: open and past the due date
            conditions.append(
                and_(
                    Invoice.status.in_(("unpaid", "partially_paid")),
                    Invoice.due_date < date.today(),
                )
            )
        stmt = stmt.where(or_(*conditions))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for invoice in db.session.scalars(stmt):
            data, _etag = pdf.cached_pdf(invoice, locale)
            archive.writestr(pdf.pdf_filename(invoice), data)
    return buffer.getvalue()
