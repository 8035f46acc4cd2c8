"""Exports of billing documents: a customer's invoices as a ZIP of PDFs, a statement of
account as CSV."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.i18n import csv_delimiter, locale_of, number_for_input
from portal.models import INVOICE_STATUSES, Customer, Invoice
from portal.services.billing import pdf
from portal.services.billing.statements import Statement
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
            archive.writestr(pdf.pdf_filename(invoice, locale), data)
    return buffer.getvalue()


def _spreadsheet_text(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a
    leading apostrophe (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def statement_csv(statement: Statement, locale: str) -> str:
    """The statement of account as CSV for a spreadsheet in ``locale``: the language's column
    names, ``;`` between cells and a decimal comma where the locale writes one, ISO dates,
    amounts without grouping or currency sign (the currency is a column)."""
    places = Decimal(1).scaleb(-statement.currency.decimal_places)

    def amount(value: Decimal | None) -> str:
        return number_for_input(value.quantize(places), locale) if value else ""

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(locale))
    with force_locale(locale):
        kinds = {"invoice": _("Invoice"), "credit_note": _("Credit note"), "payment": _("Payment")}
        header = (_("Date"), _("Document"), _("Number"), _("Reference"), _("Currency"))
        writer.writerow([*header, _("Charges"), _("Credits"), _("Balance")])
        code = statement.currency.code
        opening = [statement.start.isoformat(), _("Opening balance"), "", "", code, "", ""]
        writer.writerow([*opening, amount(statement.opening_balance) or "0"])
        for row in statement.rows:
            writer.writerow(
                [
                    row.date.isoformat(),
                    kinds[row.kind],
                    _spreadsheet_text(row.number),
                    _spreadsheet_text(row.reference or ""),
                    code,
                    amount(row.debit),
                    amount(row.credit),
                    amount(row.balance) or "0",
                ]
            )
        closing = [statement.end.isoformat(), _("Closing balance"), "", "", code]
        writer.writerow(
            [
                *closing,
                amount(statement.total_debit),
                amount(statement.total_credit),
                amount(statement.closing_balance) or "0",
            ]
        )
    return "\ufeff" + buffer.getvalue()
