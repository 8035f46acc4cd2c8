"""PDF benchmark: ``.venv/bin/python bench/pdf.py``.

In one run, on a throw-away SQLite database built by the migrations:

1. the median time to render a 20-line invoice through ``pdf.invoice_pdf`` (template, data,
   restricted URL fetcher, print stylesheet) versus WeasyPrint rendering equivalent static
   HTML - the same HTML string, with the stylesheet inlined, written out and printed with a
   plain ``HTML(string=...).write_pdf()``;
2. the median time to serve the cached PDF (``pdf.cached_pdf`` on an unchanged invoice:
   ETag, then a file read) versus a render.

Goals (issue 7): render <= 1.3 x static HTML; cached >= 20 x faster than a render. The results
are appended to ``bench/RESULTS.md`` with the command and the date.
"""

from __future__ import annotations

import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from pypdf import PdfReader  # noqa: E402
from sqlalchemy import select  # noqa: E402
from weasyprint import HTML  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.models import Customer, Invoice  # noqa: E402
from portal.models.database import begin_write  # noqa: E402
from portal.services import billing, customers  # noqa: E402
from portal.services.billing import pdf  # noqa: E402
from portal.services.billing.drafts import save_invoice_draft  # noqa: E402
from portal.services.customers import contacts, currencies  # noqa: E402
from portal.services.platform import settings  # noqa: E402
from portal.services.platform.audit import SYSTEM, acting_as  # noqa: E402

RUNS = 15
LINES = 20


def make_app(folder: Path) -> Flask:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
            "SECRET_KEY": "bench-only",
            "BASE_URL": "http://127.0.0.1:5000",
            "UPLOAD_DIR": str(folder / "uploads"),
            "PDF_CACHE_DIR": str(folder / "pdf-cache"),
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed_invoice(lines: int = LINES, locale: str = "en") -> Invoice:
    """A company, a customer with a contact, and an issued invoice with ``lines`` lines."""
    begin_write()
    with acting_as(SYSTEM):
        settings.set_many(
            {
                "company_name": "Northwind Services GmbH",
                "company_address": "Hafenstraße 12\n20457 Hamburg\nGermany",
                "company_vat_number": "DE123456789",
                "company_email": "billing@northwind.example",
                "company_phone": "+49 40 1234567",
            }
        )
        if customers.default_currency() is None:
            currencies.create_currency(
                {"code": "EUR", "symbol": "€", "decimal_places": 2, "is_default": True}
            )
        existing = db.session.scalar(
            select(Customer).where(Customer.company_name == "Hakkarainen Oy")
        )
        customer = existing or customers.create_customer(
            {
                "company_name": "Hakkarainen Oy",
                "currency": "EUR",
                "billing_street": "Mannerheimintie 1",
                "billing_zip": "00100",
                "billing_city": "Helsinki",
                "billing_country": "FI",
                "vat_number": "FI20774740",
                "language": locale,
                "invoice_fields": ["PO number"],
            }
        )
        if existing is None:
            contacts.create_contact(
                customer,
                {"first_name": "Aino", "last_name": "Virtanen", "email": "aino@example.fi"},
            )
        items = [
            ("Consulting, senior (hours)", "120.00", "24"),
            ("Project management (hours)", "95.00", "24"),
            ("Hosting, monthly", "49.90", "24"),
            ("Training material", "18.50", "10"),
            ("Event venue booking", "1250.00", "24"),
        ]
        invoice = save_invoice_draft(
            None,
            {
                "customer_id": customer.id,
                "custom_fields": {"PO number": "PO-4471"},
                "notes": "Thank you for your business.",
                "terms": "Payable within 14 days without deduction.",
                "lines": [
                    {
                        "description": items[i % len(items)][0],
                        "quantity": str(1 + i % 7),
                        "unit_price": items[i % len(items)][1],
                        "tax_rate": items[i % len(items)][2],
                        "discount": "10" if i % 6 == 5 else "0",
                    }
                    for i in range(lines)
                ],
            },
        )
        billing.issue_invoice(invoice)
        db.session.commit()
    return invoice


def static_html(invoice: Invoice, locale: str) -> str:
    """The same HTML ``invoice_pdf`` prints, with the print stylesheet inlined."""
    html = pdf.invoice_html(invoice, locale)
    css = (pdf.static_root() / "css" / "pdf.css").read_text("utf-8")
    return html.replace("</head>", f"<style>{css}</style></head>", 1)


def median_seconds(fn: Callable[[], Any], runs: int = RUNS) -> float:
    fn()  # warm up (fonts, template compilation, stylesheet parsing)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def hostile_renders() -> list[tuple[str, float, int]]:
    """Issue 24: documents that held a worker for minutes before (one render each, seconds,
    pages), with the default time limit."""
    words = " ".join(f"word{i % 97}x{i % 13}" for i in range(900))[:5000]
    cases = [
        ("one line with a 5,000-character word", ["x" * 5000]),
        ("one line with a 5,000-character paragraph", [words]),
        ("four lines with a 5,000-character paragraph", [words] * 4),
        ("200 ordinary lines", ["Consulting, senior (hours)"] * 200),
    ]
    results = []
    for name, descriptions in cases:
        invoice = seed_invoice(lines=len(descriptions))
        for line, text in zip(invoice.lines, descriptions, strict=True):
            line.description = text
        started = time.perf_counter()
        data = pdf.invoice_pdf(invoice, "en")
        took = time.perf_counter() - started
        pages = len(PdfReader(io.BytesIO(data)).pages)
        results.append((name, took, pages))
        db.session.rollback()
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = make_app(Path(tmp))
        with app.app_context():
            invoice = seed_invoice()
            locale = "en"
            html = static_html(invoice, locale)
            static_file = Path(tmp) / "invoice.html"
            static_file.write_text(html, "utf-8")
            static_html_string = static_file.read_text("utf-8")

            def fresh_invoice() -> Invoice:
                db.session.expire_all()
                return db.session.get(Invoice, invoice.id)  # type: ignore[return-value]

            render = median_seconds(lambda: pdf.invoice_pdf(fresh_invoice(), locale))
            static = median_seconds(lambda: HTML(string=static_html_string).write_pdf())
            pdf.cached_pdf(fresh_invoice(), locale)  # fill the cache
            cached = median_seconds(lambda: pdf.cached_pdf(fresh_invoice(), locale))
            size = len(pdf.invoice_pdf(fresh_invoice(), locale))
            hostile = hostile_renders()

    ratio = render / static
    speedup = render / cached
    ok_ratio = "met" if ratio <= 1.3 else "NOT met"
    ok_cache = "met" if speedup >= 20 else "NOT met"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    report = f"""
## PDF rendering (issues 7 and 24)

Command: `.venv/bin/python bench/pdf.py` - SQLite, a {LINES}-line invoice, median of {RUNS}
runs after one warm-up, measured {when}.

| measurement | median |
|---|---|
| `invoice_pdf` (template + data + restricted fetcher + stylesheet) | {render * 1000:.1f} ms |
| WeasyPrint, same HTML as a static string (`HTML(string=...).write_pdf()`) \
| {static * 1000:.1f} ms |
| cached PDF (`cached_pdf`: ETag + file read) | {cached * 1000:.2f} ms |

- Render / static HTML: **{ratio:.2f} x** (goal <= 1.3 x: {ok_ratio}).
- Render / cached: **{speedup:.0f} x faster** from the cache (goal >= 20 x: {ok_cache}).
- PDF size: {size / 1024:.0f} KiB.

Documents that held a worker before issue 24 (one render each, helper process, 20 s limit):

| document | render | pages |
|---|---|---|
""" + "".join(f"| {name} | {took:.2f} s | {pages} |\n" for name, took, pages in hostile)
    print(report)
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as results:
        results.write(report)


if __name__ == "__main__":
    main()
