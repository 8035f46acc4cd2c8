"""Exports of billing documents: a customer's invoices, credit notes or estimates as a ZIP of
PDFs, a statement of account as CSV."""

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
from portal.models import ESTIMATE_STATUSES, INVOICE_STATUSES, Customer, Estimate, Invoice
from portal.services.billing import pdf
from portal.services.billing.statements import Statement
from portal.services.errors import ValidationError


def _check_statuses(wanted: list[str], known: Iterable[str]) -> None:
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        message = _("Unknown status: %(names)s.", names=", ".join(unknown)[:200])
        raise ValidationError(message, fields={"status": message})


def _locale(customer: Customer, locale: str | None) -> str:
    if locale is not None:
        return locale
    primary = customer.primary_contact
    return locale_of(primary) if primary is not None else locale_of(customer)


def _zip(documents: Iterable[Invoice | Estimate], locale: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            data, _etag = pdf.cached_pdf(document, locale)
            archive.writestr(pdf.pdf_filename(document, locale), data)
    return buffer.getvalue()


def invoices_zip(
    customer: Customer,
    statuses: Iterable[str] | None = None,
    locale: str | None = None,
    kind: str | None = None,
) -> bytes:
    """A ZIP of the PDFs of ``customer``'s invoices and credit notes (only one ``kind`` when
    given) whose status is one of ``statuses`` (all when empty; ``overdue`` is derived from the
    due date), in ``locale`` (default: the language of the customer's primary contact). PDFs
    come from the cache when the documents did not change."""
    wanted = [s for s in (statuses or []) if s]
    _check_statuses(wanted, (*INVOICE_STATUSES, "overdue"))
    locale = _locale(customer, locale)
    stmt = (
        select(Invoice)
        .where(Invoice.customer_id == customer.id)
        .options(selectinload(Invoice.lines), selectinload(Invoice.payments))
        .order_by(Invoice.issue_date.is_(None), Invoice.issue_date, Invoice.id)
    )
    if kind is not None:
        stmt = stmt.where(Invoice.kind == kind)
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
    return _zip(db.session.scalars(stmt), locale)


def estimates_zip(
    customer: Customer, statuses: Iterable[str] | None = None, locale: str | None = None
) -> bytes:
    """A ZIP of the PDFs of ``customer``'s estimates whose status is one of ``statuses`` (all
    when empty; ``expired`` is derived from the expiry date), as :func:`invoices_zip`."""
    wanted = [s for s in (statuses or []) if s]
    _check_statuses(wanted, (*ESTIMATE_STATUSES, "expired"))
    locale = _locale(customer, locale)
    stmt = (
        select(Estimate)
        .where(Estimate.customer_id == customer.id)
        .options(selectinload(Estimate.lines))
        .order_by(Estimate.issue_date.is_(None), Estimate.issue_date, Estimate.id)
    )
    if wanted:
        conditions = [Estimate.status.in_([s for s in wanted if s != "expired"])]
        if "expired" in wanted:  # derived: sent and past the expiry date
            conditions.append(and_(Estimate.status == "sent", Estimate.expiry_date < date.today()))
        stmt = stmt.where(or_(*conditions))
    return _zip(db.session.scalars(stmt), locale)


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
