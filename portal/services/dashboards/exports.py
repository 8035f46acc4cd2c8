"""The aging report as CSV (streamed) and as an XLSX workbook (openpyxl, write-only).

Amounts are numbers a spreadsheet can add up: in the CSV as the other CSV exports write them
(the locale's decimal mark, no grouping, ``;`` between cells where the decimal mark is a
comma), numeric cells with the currency's decimals in the workbook. The column headings are
in the viewer's language.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

from portal.i18n import csv_delimiter, number_for_input
from portal.services.dashboards import rules
from portal.services.dashboards.reports import AgingRow


def aging_headings() -> list[str]:
    return [
        _("Customer number"),
        _("Customer"),
        _("Currency"),
        *rules.bucket_labels(),
        _("Total"),
    ]


def _text(value: str) -> str:
    """A text cell; text starting with = + - @ gets an apostrophe, so spreadsheets never run
    it as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def aging_csv(rows: Iterable[AgingRow], locale: str) -> Iterator[str]:
    """CSV lines for a spreadsheet in ``locale``, with a byte-order mark and a heading line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(locale))

    def take() -> str:
        value = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return value

    writer.writerow(aging_headings())
    yield "\ufeff" + take()
    for row in rows:
        amounts = [number_for_input(a, locale) for a in [*row.amounts, row.total]]
        writer.writerow([_text(row.number), _text(row.name), row.currency.code, *amounts])
        yield take()


def aging_xlsx(rows: Iterable[AgingRow], title: str) -> bytes:
    """A workbook with one sheet ``title``: a heading row, then one row per customer and
    currency; amount cells are numbers formatted with the currency's decimals."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    bold = Font(bold=True)
    heading = []
    for text in aging_headings():
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    formats: dict[int, str] = {}
    for row in rows:
        places = row.currency.decimal_places
        number_format = formats.setdefault(places, "#,##0" + ("." + "0" * places if places else ""))
        cells: list[object] = [row.number, row.name, row.currency.code]
        for amount in [*row.amounts, row.total]:
            cell = WriteOnlyCell(sheet, value=amount)
            cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
