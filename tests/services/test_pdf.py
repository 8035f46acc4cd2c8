"""PDFs: text in English and German, the restricted URL fetcher, hostile user text, the
ETag cache and the email attachment."""

from __future__ import annotations

import io
import re
import select
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from babel.support import NullTranslations
from pypdf import PdfReader

from portal.extensions import db
from portal.models import Invoice
from portal.services import billing
from portal.services.billing import estimates, payments, pdf, pdf_worker, statements
from portal.services.billing.drafts import save_invoice_draft
from portal.services.platform import outbox
from portal.services.platform.audit import SYSTEM, acting_as


@pytest.fixture(autouse=True)
def _pdf_cache(app, tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "pdf-cache"
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(folder))
    return folder


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def issued(make_customer, make_invoice):
    customer = make_customer(
        "Hakkarainen Oy",
        billing_street="Mannerheimintie 1",
        billing_zip="00100",
        billing_city="Helsinki",
        billing_country="FI",
        vat_number="FI20774740",
    )
    return make_invoice(
        customer,
        issue=True,
        lines=[("Consulting", "10", "100.00", "24"), ("Hosting", "1", "34.50", "10")],
    )


def test_invoice_pdf_in_english(app, issued):
    data = pdf.invoice_pdf(issued, "en")
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    for expected in (
        "Invoice",
        "INV-000001",
        "Hakkarainen Oy",
        "Mannerheimintie 1",
        "00100 Helsinki",
        "Finland",
        "FI20774740",
        "Consulting",
        "Hosting",
        "Subtotal",
        "€1,034.50",
        "Tax 24% on €1,000.00",
        "€240.00",
        "Tax 10% on €34.50",
        "€3.45",
        "Total",
        "€1,277.95",
        "Amount due",
        "Due date",
        "Page 1 of 1",
    ):
        assert expected in text, expected


def test_invoice_pdf_in_german(app, issued):
    """Amounts, dates and country names follow the German locale and the labels come from
    the German catalogue (the pseudo-locale test below proves every label goes through
    gettext)."""
    text = text_of(pdf.invoice_pdf(issued, "de"))
    day = issued.issue_date
    for expected in (
        "Hakkarainen Oy",
        "Finnland",
        "1.034,50 €",
        "240,00 €",
        "1.277,95 €",
        "24 %",
        "Consulting",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        "USt-IdNr.",
        "BESCHREIBUNG",
        "Zwischensumme",
        "MwSt. 24 % auf 1.000,00 €",
        "MwSt. 10 % auf 34,50 €",
        "Offener Betrag",
        "Seite 1 von 1",
    ):
        assert expected in text, expected
    for english in ("Finland", "€1,", "Subtotal", "Amount due", "Page 1 of 1"):
        assert english not in text, english


class PseudoTranslations(NullTranslations):
    """Wraps every translated message in guillemets, to find text that skips gettext."""

    def gettext(self, message: str) -> str:
        return f"«{message}»"

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return f"«{singular if n == 1 else plural}»"

    def pgettext(self, context: str, message: str) -> str:
        return f"«{message}»"

    ugettext = gettext
    ungettext = ngettext
    upgettext = pgettext


def test_every_pdf_label_is_marked_for_translation(app, write, monkeypatch, issued, make_estimate):
    from flask_babel import Domain

    monkeypatch.setattr(Domain, "get_translations", lambda self: PseudoTranslations())
    with acting_as(SYSTEM):
        write()
        payments.record_payment(issued, "100.00", issued.issue_date, "bank", "R1")
        note = billing.create_credit_note(
            issued,
            [
                {
                    "description": "Refund",
                    "quantity": "1",
                    "unit_price": "10",
                    "tax_rate": "24",
                    "discount": "10",
                }
            ],
        )
        billing.issue_invoice(note)
        estimate = make_estimate(issued.customer, send=True)
        db.session.commit()
    stmt = statements.statement(issued.customer, issued.issue_date, issued.issue_date)
    data = {
        "invoice": pdf.invoice_pdf(issued, "en"),
        "credit note": pdf.invoice_pdf(note, "en"),
        "estimate": pdf.estimate_pdf(estimate, "en"),
        "statement": pdf.statement_pdf(stmt, "en"),
    }
    user_data = (
        "Hakkarainen Oy",
        "Mannerheimintie",
        "Helsinki",
        "Finland",
        "Consulting",
        "Hosting",
        "Refund",
        "Your Company",
        "bank",
        "EUR",
    )
    for name, content in data.items():
        text = re.sub(r"«[^»]*»", " ", text_of(content).replace("\n", " "))
        for value in user_data:
            text = text.replace(value, " ")
        text = re.sub(r"\b(INV|CN|EST|C)-\d{6}\b", " ", text)
        text = re.sub(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", " ", text)
        words = re.findall(r"[A-Za-z]{3,}", text)
        assert not words, (name, words)


def test_jpy_invoice_has_no_decimals(app, make_customer, make_invoice):
    customer = make_customer(currency="JPY")
    invoice = make_invoice(customer, issue=True, lines=[("Setup", "3", "1234", "10")])
    text = text_of(pdf.invoice_pdf(invoice, "en"))
    assert "¥3,702" in text and "¥4,072" in text and "¥370" in text
    assert "¥4,072.00" not in text


def test_credit_note_pdf_is_titled_as_such(app, write, issued):
    write()
    with acting_as(SYSTEM):
        note = billing.create_credit_note(issued)
        billing.issue_invoice(note)
        db.session.commit()
    text = text_of(pdf.invoice_pdf(note, "en"))
    assert "Credit note" in text and "CN-000001" in text and "INV-000001" in text
    assert "Total credit" in text
    german = text_of(pdf.invoice_pdf(note, "de"))
    assert "Gutschrift" in german and "CN-000001" in german and "1.277,95 €" in german


def test_estimate_and_statement_pdfs(app, write, make_estimate, issued):
    estimate = make_estimate(issued.customer, send=True)
    text = text_of(pdf.estimate_pdf(estimate, "en"))
    assert "Estimate" in text and "EST-000001" in text and "Valid until" in text
    write()
    with acting_as(SYSTEM):
        payments.record_payment(issued, "200.00", issued.issue_date, "bank", "REF-1")
        db.session.commit()
    stmt = statements.statement(issued.customer, issued.issue_date, issued.issue_date)
    text = text_of(pdf.statement_pdf(stmt, "en"))
    assert "Statement of account" in text and "Opening balance" in text
    assert "€1,277.95" in text and "€1,077.95" in text and "REF-1" in text


# -- the URL fetcher --------------------------------------------------------------------------


def test_fetcher_serves_static_files_only(app, tmp_path):
    fetcher = pdf_worker.StaticFilesFetcher(pdf.static_root())
    css = pdf.static_root() / "css" / "pdf.css"
    response = fetcher.fetch(css.as_uri())
    assert b"@page" in response.read()
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (pdf.static_root()).resolve()
    refused = [
        "file:///etc/passwd",
        outside.as_uri(),
        css.as_uri().replace("/css/pdf.css", "/../pyproject.toml"),
        css.as_uri() + "?x=1",
        "http://127.0.0.1:9/",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "data:text/plain,hello",
        "file://evil.example.com/etc/passwd",
        "relative/path.css",
    ]
    for url in refused:
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetched == [str(css.resolve())]


def test_fetcher_refuses_symlinks_out_of_static(app, tmp_path):
    root = tmp_path / "static"
    root.mkdir()
    (root / "ok.css").write_text("p {}")
    (root / "link.txt").symlink_to("/etc/passwd")
    fetcher = pdf_worker.StaticFilesFetcher(root)
    assert fetcher.fetch((root / "ok.css").as_uri()).read() == b"p {}"
    with pytest.raises(ValueError):
        fetcher.fetch((root / "link.txt").as_uri())


class Listener:
    """A TCP socket listening on loopback that records whether anyone connected."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(5)
        self.port = self.sock.getsockname()[1]

    def connections(self) -> int:
        count = 0
        while select.select([self.sock], [], [], 0.2)[0]:
            conn, _addr = self.sock.accept()
            conn.close()
            count += 1
        return count


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    try:
        yield server
    finally:
        server.sock.close()


def test_listener_sees_a_real_connection(listener):
    """The listener itself works: a connection is counted."""
    socket.create_connection(("127.0.0.1", listener.port), timeout=2).close()
    assert listener.connections() == 1


def _hostile(port: int) -> list[str]:
    return [
        '<img src="file:///etc/passwd">',
        '<link rel=attachment href="file:///etc/passwd">',
        f'<div style="background: url(http://127.0.0.1:{port}/)">url(http://127.0.0.1:{port}/)</div>',
    ]


def test_hostile_user_text_is_printed_literally(app, write, make_customer, listener):
    hostile = _hostile(listener.port)
    customer = make_customer(f"ACME {hostile[0]}", invoice_fields=["PO number"])
    write()
    with acting_as(SYSTEM):
        invoice = save_invoice_draft(
            None,
            {
                "customer_id": customer.id,
                "notes": hostile[1],
                "terms": hostile[2],
                "custom_fields": {"PO number": f"url(http://127.0.0.1:{listener.port}/x)"},
                "lines": [
                    {"description": text, "quantity": "1", "unit_price": "10", "tax_rate": "0"}
                    for text in hostile
                ],
            },
        )
        billing.issue_invoice(invoice)
        db.session.commit()
    data = pdf.invoice_pdf(invoice, "en")
    reader = PdfReader(io.BytesIO(data))
    text = text_of(data)
    compact = re.sub(r"\s+", "", text)
    for snippet in hostile:
        assert re.sub(r"\s+", "", snippet) in compact, snippet
    assert "root:" not in text
    assert not reader.attachments
    assert b"/EmbeddedFile" not in data
    assert listener.connections() == 0


def test_fetcher_blocks_hostile_markup_even_when_rendered_as_html(app, listener):
    """Defence in depth: were the markup ever rendered unescaped, the fetcher still loads
    nothing (no file embedded, no connection to the listener)."""
    html = (
        "<p>hello</p>"
        + "".join(_hostile(listener.port))
        + (f"<style>p {{ background: url(http://127.0.0.1:{listener.port}/bg) }}</style>")
    )
    fetcher = pdf_worker.StaticFilesFetcher(pdf.static_root())
    data = pdf.html_to_pdf(html, fetcher)
    assert not PdfReader(io.BytesIO(data)).attachments
    assert b"/EmbeddedFile" not in data
    assert fetcher.fetched == []
    assert listener.connections() == 0


# -- ETag and cache ---------------------------------------------------------------------------


def test_etag_changes_when_the_invoice_changes(app, write, make_invoice, _pdf_cache):
    draft = make_invoice()
    first, etag = pdf.cached_pdf(draft, "en")
    again, same = pdf.cached_pdf(draft, "en")
    assert (again, same) == (first, etag)
    assert len(list(_pdf_cache.glob("*.pdf"))) == 1
    assert pdf.document_etag(draft, "de") != etag
    write()
    with acting_as(SYSTEM):
        save_invoice_draft(draft, {"notes": "Changed"}, expected_version=draft.version)
        db.session.commit()
    changed = pdf.document_etag(draft, "en")
    assert changed != etag
    data, new_etag = pdf.cached_pdf(draft, "en")
    assert new_etag == changed and "Changed" in text_of(data)
    assert [p.name for p in _pdf_cache.glob("*.pdf")] == [f"invoice-{draft.id}-en-{changed}.pdf"]
    write()
    with acting_as(SYSTEM):
        billing.issue_invoice(draft)
        db.session.commit()
    assert pdf.document_etag(draft, "en") != changed


def test_etag_changes_with_a_payment_and_company_settings(app, write, issued):
    etag = pdf.document_etag(issued, "en")
    write()
    with acting_as(SYSTEM):
        payments.record_payment(issued, "10.00", issued.issue_date)
        db.session.commit()
    after_payment = pdf.document_etag(issued, "en")
    assert after_payment != etag
    from portal.services.platform import settings

    write()
    settings.set_many({"company_name": "Renamed Ltd"})
    db.session.commit()
    assert pdf.document_etag(issued, "en") != after_payment


def test_invoice_email_attachment_renderer(app, write, issued, make_contact):
    contact = make_contact(issued.customer, language="de")
    write()
    with acting_as(SYSTEM):
        email = billing.queue_invoice_email(issued, contact)
        db.session.commit()
    assert email.attachments == [{"kind": "invoice_pdf", "id": issued.id, "locale": "de"}]
    with app.test_request_context():
        app.config["MAIL_SENDER"] = app.config.get("MAIL_SENDER") or "portal@example.com"
        message = outbox.build_message(email)
    attachments = list(message.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["Rechnung-INV-000001.pdf"]
    assert "1.277,95 €" in text_of(attachments[0].get_content())


def test_estimate_accepted_shows_the_name(app, write, make_estimate):
    estimate = make_estimate(send=True)
    write()
    with acting_as(SYSTEM):
        estimates.accept_estimate(estimate, "Aino Virtanen")
        db.session.commit()
    assert "Accepted by Aino Virtanen" in text_of(pdf.estimate_pdf(estimate, "en"))


def test_totals_in_pdf_match_the_stored_totals(app, issued):
    assert issued.total == Decimal("1277.95")
    assert isinstance(issued, Invoice)


def test_invoices_zip_filters_by_status(app, write, make_customer, make_invoice):
    import zipfile

    from portal.services.billing import exports
    from portal.services.errors import ValidationError

    customer = make_customer("Zip Oy")
    paid = make_invoice(customer, issue=True)
    unpaid = make_invoice(customer, issue=True)
    make_invoice(customer)  # a draft
    make_invoice(make_customer("Other Ltd"), issue=True)
    write()
    with acting_as(SYSTEM):
        payments.record_payment(paid, paid.total, paid.issue_date)
        db.session.commit()
    archive = zipfile.ZipFile(io.BytesIO(exports.invoices_zip(customer, ["unpaid", "paid"])))
    names = [f"Invoice-{paid.number}.pdf", f"Invoice-{unpaid.number}.pdf"]
    assert sorted(archive.namelist()) == sorted(names)
    assert "Zip Oy" in text_of(archive.read(f"Invoice-{unpaid.number}.pdf"))
    only_paid = zipfile.ZipFile(io.BytesIO(exports.invoices_zip(customer, ["paid"])))
    assert only_paid.namelist() == [f"Invoice-{paid.number}.pdf"]
    everything = zipfile.ZipFile(io.BytesIO(exports.invoices_zip(customer, [])))
    assert len(everything.namelist()) == 3
    with pytest.raises(ValidationError) as caught:
        exports.invoices_zip(customer, ["overdue", "nonsense"])
    assert exports.invoices_zip(customer, ["overdue"])  # derived status: accepted, none due
    assert set(caught.value.fields) == {"status"}
