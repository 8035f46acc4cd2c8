"""Swedish and Danish as a reader sees them (issue 21): the portal dashboard of a Swedish
contact in chromium (axe-core clean, screenshot), and a Danish invoice PDF checked by its text
and rendered to PNG with pdftoppm for docs/screenshots."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

from flask_babel import force_locale, gettext, pgettext
from pypdf import PdfReader

from portal.services.billing import pdf
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_swedish_portal_dashboard(
    live_url, browser_page_factory, make_customer, make_contact, make_invoice
):
    customer = make_customer("Skärgårdens Event AB", language="sv", billing_country="SE")
    make_invoice(
        customer,
        issue=True,
        lines=[("Konferensplanering", "12", "950.00", "25"), ("Lokalhyra", "1", "4200.00", "25")],
    )
    contact = make_contact(customer, first_name="Astrid", last_name="Lindqvist", language="sv")
    page = browser_page_factory(width=1280, height=900)
    page.goto(f"{live_url}/clients/login")
    page.fill('input[name="email"]', contact.email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main form[method="post"] button[type="submit"]')
    page.goto(f"{live_url}/clients/")
    assert page.locator("html").get_attribute("lang") == "sv"
    with force_locale("sv"):
        invoices, unpaid = gettext("Invoices"), pgettext("invoice", "Unpaid")
    assert invoices != "Invoices" and unpaid != "Unpaid"
    assert invoices in page.locator("nav").first.inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "portal-dashboard-sv.png"), full_page=True)


def test_danish_invoice_pdf(app, tmp_path, monkeypatch, make_customer, make_invoice):
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "cache"))
    customer = make_customer(
        "Nørrebro Events ApS",
        language="da",
        billing_street="Jægersborggade 12",
        billing_zip="2200",
        billing_city="København N",
        billing_country="DK",
        vat_number="DK13585628",
    )
    invoice = make_invoice(
        customer,
        issue=True,
        lines=[
            ("Konferenceplanlægning", "8", "1250.00", "25"),
            ("Lokaleleje", "1", "6400.00", "25"),
        ],
    )
    invoice.due_date = date.today() + timedelta(days=14)
    data = pdf.invoice_pdf(invoice, "da")
    text = re.sub(
        r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    )
    with force_locale("da"):
        expected = [pgettext("invoice", "Issue date"), gettext("Due date"), gettext("Total")]
    assert all(word in text for word in expected), (expected, text)
    assert "Issue date" not in text and "Due date" not in text
    # 8 x 1.250,00 + 6.400,00 net, with 25 % moms, in the Danish number format
    assert "16.400,00" in text and "20.500,00" in text
    pdf_file = tmp_path / "invoice-da.pdf"
    pdf_file.write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(pdf_file),
            str(SCREENSHOTS / "invoice-pdf-da"),
        ],
        check=True,
    )
    assert (SCREENSHOTS / "invoice-pdf-da.png").stat().st_size > 5000
