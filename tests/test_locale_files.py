"""Issue 21: what a reader in another language gets from the words and the files - statuses
worded for their document, the estimate's own date label, CSV files as that locale's
spreadsheet reads them, download names in the document's language, numbers typed and shown in
the locale's format."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from babel.numbers import parse_decimal
from flask.testing import FlaskClient
from pypdf import PdfReader

from portal.extensions import db
from portal.i18n import file_name, number_for_input, number_from_input
from portal.models import Invoice, TaxRate
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import payments, pdf
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD

BILLING = ["customers.view", "invoices.view", "invoices.create", "invoices.edit"]
BILLING += ["estimates.view", "estimates.create", "estimates.edit", "payments.create"]


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


@pytest.fixture
def staff_in(app, make_staff):
    """``staff_in("de")``: a fresh client signed in as a staff member who reads German."""

    def make(language: str, permissions: list[str] | None = None) -> FlaskClient:
        member = make_staff(permissions or BILLING, language=language)
        client = app.test_client()
        response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return make


@pytest.fixture
def contact_in(app, make_contact):
    def make(customer, language: str) -> FlaskClient:
        contact = make_contact(customer, language=language)
        client = app.test_client()
        response = client.post(
            "/clients/login", data={"email": contact.email, "password": PASSWORD}
        )
        assert response.status_code == 302
        return client

    return make


def _cancelled(make_customer, make_invoice) -> Invoice:
    invoice = make_invoice(make_customer("Annulation SARL"), issue=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        billing.cancel_invoice(db.session.merge(invoice))
        db.session.commit()
    return invoice


# -- words worded for their document --------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "feminine", "masculine"),
    [("fr", "ANNULÉE", "ANNULÉ "), ("es", "ANULADA", "ANULADO")],
)
def test_a_cancelled_invoice_pdf_prints_the_feminine_form(
    app, make_customer, make_invoice, locale, feminine, masculine
):
    """Facture and factura are feminine: the stamp agrees with them (it is printed in capitals
    by the stylesheet, so the text is compared in capitals)."""
    invoice = _cancelled(make_customer, make_invoice)
    text = text_of(pdf.invoice_pdf(db.session.get(Invoice, invoice.id), locale)).upper()
    assert feminine in text
    assert masculine not in text.replace(feminine, "")


def test_french_pdf_puts_a_no_break_space_before_the_colon(app, make_customer, make_invoice):
    invoice = make_invoice(make_customer("Virgule SARL", vat_number="FR40303265045"), issue=True)
    with app.test_request_context():
        html = pdf.invoice_html(db.session.get(Invoice, invoice.id), "fr")
    assert "Numéro de TVA\u00a0: FR40303265045" in html


def test_an_nb_estimate_is_apent_and_a_ticket_apen(app, make_customer, make_estimate, contact_in):
    customer = make_customer("Nordlys AS")
    estimate = make_estimate(customer, send=True)
    client = contact_in(customer, "nb")
    page = client.get(f"/clients/estimates/{estimate.id}").get_data(as_text=True)
    assert ">Åpent</span>" in page
    listing = client.get("/clients/estimates").get_data(as_text=True)
    assert ">Åpent</span>" in listing and ">Åpen</span>" not in listing
    tickets = client.get("/clients/tickets").get_data(as_text=True)
    assert '<option value="open">Åpen</option>' in tickets


@pytest.mark.parametrize(
    ("locale", "invoice_word", "estimate_word"),
    [("nl", "Factuurdatum", "Offertedatum"), ("nb", "Fakturadato", "Tilbudsdato")],
)
def test_the_estimate_form_has_its_own_date_label(
    app, make_customer, staff_in, locale, invoice_word, estimate_word
):
    customer = make_customer()
    client = staff_in(locale)
    estimate_form = client.get(f"/admin/customers/{customer.id}/estimates/new")
    invoice_form = client.get(f"/admin/customers/{customer.id}/invoices/new")
    estimate_page = estimate_form.get_data(as_text=True)
    assert estimate_word in estimate_page and invoice_word not in estimate_page
    assert invoice_word in invoice_form.get_data(as_text=True)


def test_estimate_pdf_has_its_own_recipient_and_date_words(app, make_customer, make_estimate):
    estimate = make_estimate(make_customer("Angebot GmbH"), send=True)
    text = text_of(pdf.estimate_pdf(estimate, "de"))
    assert "ANGEBOT FÜR" in text.upper() and "Angebotsdatum" in text
    assert "RECHNUNGSEMPFÄNGER" not in text.upper() and "Rechnungsdatum" not in text


def test_the_system_actor_and_api_codes_are_shown_in_the_readers_language(
    app, make_customer, staff_in
):
    customer = make_customer("Audit Oy")  # created by the system actor
    client = staff_in("de", ["customers.view", "api.view"])
    card = client.get(f"/admin/customers/{customer.id}?tab=activity").get_data(as_text=True)
    assert "<strong>System</strong>" in card  # German "System", from the code "system"
    fi = staff_in("fi", ["customers.view"])
    card = fi.get(f"/admin/customers/{customer.id}?tab=activity").get_data(as_text=True)
    assert "<strong>Järjestelmä</strong>" in card


# -- CSV files ---------------------------------------------------------------------------------


def _csv_rows(response, delimiter: str) -> list[list[str]]:
    """The rows as Python's csv module reads them with the locale's delimiter (the file starts
    with a byte order mark for Excel)."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))


def _statement_customer(make_customer, make_invoice):
    customer = make_customer("Tabelle GmbH")
    invoice = make_invoice(customer, issue=True, lines=[("Beratung", "2", "617.25", "24")])
    begin_write(db.session)
    with acting_as(SYSTEM):
        payments.record_payment(
            db.session.merge(invoice), Decimal("100.50"), invoice.issue_date, "Bank", "-SUM(A1)"
        )
        db.session.commit()
    return customer, db.session.get(Invoice, invoice.id)


def test_statement_csv_reads_in_a_german_spreadsheet(app, make_customer, make_invoice, staff_in):
    customer, invoice = _statement_customer(make_customer, make_invoice)
    client = staff_in("de")
    start, end = date(date.today().year, 1, 1), date.today()
    response = client.get(f"/admin/customers/{customer.id}/statement/csv?start={start}&end={end}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition == (
        f"attachment; filename=Kundenkontoauszug-{customer.number}-{start}-{end}.csv"
    )
    rows = _csv_rows(response, ";")
    assert rows[0] == [
        "Datum", "Dokument", "Nummer", "Referenz", "Währung", "Soll", "Haben", "Saldo"
    ]  # fmt: skip
    assert all(len(row) == 8 for row in rows)
    by_kind = {row[1]: row for row in rows[1:]}
    charge, paid = by_kind["Rechnung"], by_kind["Zahlung"]
    assert charge[2] == invoice.number and charge[4] == "EUR"
    assert parse_decimal(charge[5], locale="de") == invoice.total == Decimal("1530.78")
    assert charge[5] == "1530,78"
    assert parse_decimal(paid[6], locale="de") == Decimal("100.50")
    assert paid[3] == "'-SUM(A1)"  # a formula is never run by the spreadsheet
    closing = rows[-1]
    assert parse_decimal(closing[7], locale="de") == invoice.total - Decimal("100.50")


def test_statement_csv_in_english_uses_commas_and_points(
    app, make_customer, make_invoice, contact_in
):
    customer, _invoice = _statement_customer(make_customer, make_invoice)
    client = contact_in(customer, "en")
    response = client.get("/clients/statement/csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        "attachment; filename=Statement-of-account-"
    )
    rows = _csv_rows(response, ",")
    assert rows[0][5:] == ["Charges", "Credits", "Balance"]
    assert [row[5] for row in rows if row[1] == "Invoice"] == ["1530.78"]


def test_customer_export_uses_the_locales_delimiter_and_words(app, make_customer, staff_in):
    make_customer("Semikolon; GmbH")
    client = staff_in("de", ["customers.view"])
    response = client.get("/admin/customers/export.csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="Kunden-{date.today().isoformat()}.csv"'
    )
    rows = _csv_rows(response, ";")
    header, row = rows[0], rows[1]
    assert len(row) == len(header) and row[header.index("company_name")] == "Semikolon; GmbH"
    assert row[header.index("is_active")] == "ja"


# -- file names --------------------------------------------------------------------------------


def test_download_names_are_in_the_documents_language(app, make_customer, make_invoice, staff_in):
    customer = make_customer("Datei GmbH", language="de")
    invoice = make_invoice(customer, issue=True)
    draft = make_invoice(customer)
    assert pdf.pdf_filename(invoice, "de") == f"Rechnung-{invoice.number}.pdf"
    assert pdf.pdf_filename(invoice, "es") == f"Factura-{invoice.number}.pdf"
    assert pdf.pdf_filename(draft, "de") == f"Rechnungsentwurf-{draft.id}.pdf"
    assert file_name("Nota de crédito", "CN/1", extension="pdf") == "Nota-de-credito-CN-1.pdf"
    assert file_name("Kundenkontoauszug", "Ærø Straße", extension="pdf") == (
        "Kundenkontoauszug-AEro-Strasse.pdf"
    )
    client = staff_in("de")
    response = client.get(f"/admin/customers/{customer.id}/invoices.zip")
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=Rechnungen-{customer.number}.zip"
    )
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert f"Rechnung-{invoice.number}.pdf" in archive.namelist()
    statement = client.get(f"/admin/customers/{customer.id}/statement/pdf")
    assert "filename=Kundenkontoauszug-" in statement.headers["Content-Disposition"]


# -- numbers typed and shown in the locale's format ------------------------------------------


@pytest.mark.parametrize(
    ("locale", "typed", "read"),
    [
        ("de", "1.234,5", "1234.5"),
        ("de", "12,50", "12.50"),
        ("de", "12.50", "12.50"),  # one point: a decimal point, as typed from habit
        ("de", "1.250", "1250"),  # the German thousands
        ("fr", "1\u202f234,5", "1234.5"),
        ("fi", "1 234,5", "1234.5"),
        ("en", "1,234.5", "1234.5"),
        ("en", "12,5", "12.5"),
        ("de", "1e1000000", "1e1000000"),  # left to the service to refuse
        ("de", "zwölf", "zwölf"),
    ],
)
def test_numbers_are_read_in_the_locales_format(locale, typed, read):
    assert number_from_input(typed, locale) == read


def test_numbers_are_shown_with_the_locales_decimal_mark():
    assert number_for_input(Decimal("1234.50"), "de") == "1234,50"
    assert number_for_input(Decimal("1234.50"), "en") == "1234.50"


def test_german_invoice_form_reads_and_shows_decimal_commas(app, make_customer, staff_in, write):
    write()
    with acting_as(SYSTEM):
        db.session.add(TaxRate(name="Ermäßigt", percent=Decimal("25.5")))
        db.session.commit()
    customer = make_customer("Komma GmbH")
    client = staff_in("de")
    form = client.get(f"/admin/customers/{customer.id}/invoices/new").get_data(as_text=True)
    assert "25,5\u00a0% · Ermäßigt" in form  # the tax dropdown in the German format
    data = {"issue_date": "", "due_date": "", "notes": "", "terms": ""}
    data.update({"lines-0-description": "Beratung", "lines-0-quantity": "1,5"})
    data.update({"lines-0-unit_price": "1.200,50", "lines-0-discount": "2,5"})
    response = client.post(f"/admin/customers/{customer.id}/invoices/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    invoice = db.session.scalars(db.select(Invoice).filter_by(customer_id=customer.id)).one()
    line = invoice.lines[0]
    assert (line.quantity, line.unit_price, line.discount_percent) == (
        Decimal("1.5"), Decimal("1200.50"), Decimal("2.5")
    )  # fmt: skip
    edit = client.get(f"/admin/invoices/{invoice.id}/edit").get_data(as_text=True)
    assert 'value="1,5"' in edit and 'value="1200,50"' in edit and 'value="2,5"' in edit
    assert 'data-decimal=","' in edit


def test_tax_rate_hint_and_field_in_the_locales_format(app, staff_in, write):
    write()
    with acting_as(SYSTEM):
        rate = TaxRate(name="Reduziert", percent=Decimal("25.5"))
        db.session.add(rate)
        db.session.commit()
    client = staff_in("de", ["settings.view", "settings.edit"])
    page = client.get(f"/admin/taxes/rates/{rate.id}").get_data(as_text=True)
    assert "z. B. 24 oder 25,5." in page and 'value="25,5"' in page
    response = client.post(
        f"/admin/taxes/rates/{rate.id}", data={"name": "Reduziert", "percent": "13,5"}
    )
    assert response.status_code == 302
    assert db.session.get(TaxRate, rate.id).percent == Decimal("13.5")
