"""Customer import from CSV or XLSX, with their primary contact, and CSV export.

The import runs in two steps: :func:`preview` validates every row through the same services the
forms use, inside a savepoint that is always rolled back, and reports every row error;
:func:`apply` runs the same work and keeps it only when no row has an error (all or nothing).
A row updates the customer with the same number, else the same VAT number, else creates one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.i18n import csv_delimiter
from portal.models import Contact, Customer
from portal.services import customers
from portal.services.customers import contacts
from portal.services.customers.registry.numbers import vat_lookup_form
from portal.services.errors import DomainError
from portal.services.platform.labels import labels

#: Accepted column headers (case-insensitive; spaces become underscores).
COLUMNS = (
    "number",
    "company_name",
    "vat_number",
    "business_id",
    "phone",
    "website",
    "billing_street",
    "billing_zip",
    "billing_city",
    "billing_state",
    "billing_country",
    "currency",
    "language",
    "groups",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "contact_mobile",
    "contact_fax",
    "contact_keywords",
    "email",
    "account_owner",
    "industry",
    "market_segment",
)
CUSTOMER_KEYS = COLUMNS[:13]
#: Customer columns after the contact's; ``account_owner`` is the staff member's email.
PROFILE_KEYS = ("email", "account_owner", "industry", "market_segment")
MAX_ROWS = 10000


class ImportFileError(DomainError):
    """The file itself cannot be read (format, encoding, headers)."""


@dataclass
class RowError:
    row: int  # 1-based line in the file, the header being row 1
    field: str
    message: str


@dataclass
class Result:
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _normalise_header(name: Any) -> str:
    return str(name or "").strip().lower().replace(" ", "_").replace("-", "_")


def read_rows(filename: str, data: bytes) -> list[dict[str, str]]:
    """Parses a CSV (UTF-8, comma or semicolon) or XLSX file into dicts keyed by column."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        raw_rows = _csv_rows(data)
    else:
        raise ImportFileError(
            _("Upload a .csv or .xlsx file."), fields={"file": _("Upload a .csv or .xlsx file.")}
        )
    rows = list(raw_rows)
    if not rows:
        raise ImportFileError(_("The file is empty."), fields={"file": _("The file is empty.")})
    header = [_normalise_header(h) for h in rows[0]]
    unknown = [h for h in header if h and h not in COLUMNS]
    if "company_name" not in header or unknown:
        message = _(
            "The first row must name the columns; company_name is required. "
            "Known columns: %(columns)s.",
            columns=", ".join(COLUMNS),
        )
        raise ImportFileError(message, fields={"file": message})
    if len(rows) - 1 > MAX_ROWS:
        message = _("At most %(n)d rows per file.", n=MAX_ROWS)
        raise ImportFileError(message, fields={"file": message})
    result = []
    for values in rows[1:]:
        cells = ["" if v is None else str(v).strip() for v in values]
        if not any(cells):
            result.append({})
            continue
        result.append({h: cells[i] if i < len(cells) else "" for i, h in enumerate(header) if h})
    return result


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        message = _("The CSV file must be UTF-8 encoded.")
        raise ImportFileError(message, fields={"file": message}) from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    yield from csv.reader(io.StringIO(text), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        message = _("This is not a readable .xlsx file.")
        raise ImportFileError(message, fields={"file": message}) from None
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    finally:
        workbook.close()


def _customer_data(row: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {k: row[k] for k in CUSTOMER_KEYS if k in row}
    for key in PROFILE_KEYS:
        if key in row:
            data["account_owner_id" if key == "account_owner" else key] = row[key]
    if "groups" in row:
        data["groups"] = [
            g.strip() for g in row["groups"].replace(";", ",").split(",") if g.strip()
        ]
    for key in ("number", "vat_number", "business_id", "currency"):
        if key in data and not data[key]:
            del data[key]
    return data


def _find(data: dict[str, Any]) -> Customer | None:
    if data.get("number"):
        found = db.session.scalar(select(Customer).where(Customer.number == data["number"]))
        if found is not None:
            return found
    if data.get("vat_number"):
        vat = vat_lookup_form(str(data["vat_number"]))
        return db.session.scalar(select(Customer).where(Customer.vat_number == vat))
    return None


def _run(rows: Iterable[dict[str, str]]) -> Result:
    result = Result()
    seen_numbers: dict[str, int] = {}
    seen_vat: dict[str, int] = {}
    for index, row in enumerate(rows, start=2):
        if not row:
            continue
        result.rows += 1
        data = _customer_data(row)
        duplicate = False
        for key, seen in (("number", seen_numbers), ("vat_number", seen_vat)):
            raw = str(data.get(key) or "")
            value = vat_lookup_form(raw) if key == "vat_number" else raw.replace(" ", "").upper()
            if value:
                if value in seen:
                    result.errors.append(
                        RowError(
                            index,
                            key,
                            _("The same value is in row %(row)d already.", row=seen[value]),
                        )
                    )
                    duplicate = True
                seen[value] = index
        if duplicate:
            continue
        try:
            with db.session.begin_nested():
                existing = _find(data)
                if existing is None:
                    customer = customers.create_customer(data)
                    result.created += 1
                else:
                    data.pop("number", None)
                    customer = customers.update_customer(existing, data)
                    result.updated += 1
                _import_contact(customer, row)
        except DomainError as exc:
            for name, message in (exc.fields or {"row": exc.message}).items():
                name = "account_owner" if name == "account_owner_id" else name
                result.errors.append(RowError(index, name, message))
    return result


def _import_contact(customer: Customer, row: dict[str, str]) -> None:
    email = row.get("contact_email", "")
    if not (email or row.get("contact_first_name") or row.get("contact_last_name")):
        return
    data = {
        "first_name": row.get("contact_first_name", ""),
        "last_name": row.get("contact_last_name", ""),
        "email": email,
    }
    for key in ("phone", "mobile", "fax"):
        if row.get(f"contact_{key}"):
            data[key] = row[f"contact_{key}"]
    if row.get("contact_keywords"):
        data["keywords"] = row["contact_keywords"].replace(";", ",")
    existing = contacts.find_by_email(email) if email else None
    try:
        if existing is not None and existing.customer_id == customer.id:
            contacts.update_contact(existing, data)
            if not existing.is_primary:
                contacts.set_primary(existing)
        else:
            contacts.create_contact(customer, {**data, "is_primary": True})
    except DomainError as exc:
        raise DomainError(
            exc.message, fields={f"contact_{k}": v for k, v in exc.fields.items()}
        ) from None


def preview(rows: list[dict[str, str]]) -> Result:
    """Validates every row; writes nothing."""
    savepoint = db.session.begin_nested()
    try:
        return _run(rows)
    finally:
        savepoint.rollback()


def apply(rows: list[dict[str, str]]) -> Result:
    """Imports every row, or nothing when any row has an error (the caller commits on
    ``result.ok`` and rolls back otherwise)."""
    savepoint = db.session.begin_nested()
    result = _run(rows)
    if result.ok:
        savepoint.commit()
    else:
        savepoint.rollback()
    return result


# -- export ---------------------------------------------------------------------------------


EXPORT_COLUMNS = (
    *COLUMNS[:13],
    "groups",
    "is_active",
    "contact_first_name",
    "contact_last_name",
    "contact_email",
    "contact_phone",
    "contact_mobile",
    "contact_fax",
    "contact_keywords",
    *PROFILE_KEYS,
)


def export_csv(customers_iter: Iterable[Customer], locale: str | None = None) -> Iterator[str]:
    """CSV lines (with a header) for the given customers, in the import's column format, as
    spreadsheets in ``locale`` (default: the current one) read them: ``;`` between the cells
    where the decimal mark is a comma, ``active`` as the language's yes or no."""
    delimiter = csv_delimiter(locale)
    yes_no = labels("yes_no")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)

    def flush() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(EXPORT_COLUMNS)
    yield "\ufeff" + flush()
    for customer in customers_iter:
        primary: Contact | None = customer.primary_contact
        writer.writerow(
            [
                customer.number,
                customer.company_name,
                customer.vat_number or "",
                customer.business_id or "",
                customer.phone or "",
                customer.website or "",
                customer.billing_street or "",
                customer.billing_zip or "",
                customer.billing_city or "",
                customer.billing_state or "",
                customer.billing_country or "",
                customer.currency.code,
                customer.language or "",
                ", ".join(g.name for g in customer.groups),
                yes_no["yes"] if customer.is_active else yes_no["no"],
                primary.first_name if primary else "",
                primary.last_name if primary else "",
                primary.email if primary else "",
                (primary.phone or "") if primary else "",
                (primary.mobile or "") if primary else "",
                (primary.fax or "") if primary else "",
                ", ".join(k.name for k in primary.keywords) if primary else "",
                customer.email or "",
                customer.account_owner.email if customer.account_owner else "",
                customer.industry.name if customer.industry else "",
                customer.market_segment.name if customer.market_segment else "",
            ]
        )
        yield _safe(flush(), delimiter)


def _safe(line: str, delimiter: str) -> str:
    """Neutralises spreadsheet formulas (CSV injection): cells starting with = + - @ get a
    leading apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    for row in csv.reader(io.StringIO(line), delimiter=delimiter):
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in row])
    return out.getvalue()
