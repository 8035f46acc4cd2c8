"""Issue 17 in the browser: the invoice search and the customer picker (axe-core clean at desktop
and phone widths), and screenshots for docs/screenshots: the search, the picker, an invoice PDF
with a shipping address and a credited invoice (PDF pages rendered with pdftoppm)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Invoice
from portal.services import billing
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations

pytestmark = pytest.mark.e2e
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SHIP = {
    "billing_street": "Mannerheimintie 12",
    "billing_zip": "00100",
    "billing_city": "Helsinki",
    "billing_country": "FI",
    "shipping_street": "Satamakatu 7, dock B",
    "shipping_zip": "48100",
    "shipping_city": "Kotka",
    "shipping_country": "FI",
}


@pytest.fixture
def documents(make_customer, make_invoice, make_estimate):
    nordic = make_customer("Nordic Pixel Oy", vat_number="FI01120389", number="C-7731", **SHIP)
    other = make_customer("Nordic Pine AB", currency="SEK", number="C-7732")
    make_customer("Acme Analytics", vat_number="FI20774740", number="C-5512")
    lines = [("Design sprint", "3", "850.00", "24"), ("Hosting, 12 months", "1", "240.00", "24")]
    invoices = [make_invoice(nordic, issue=True, lines=lines) for _ in range(2)]
    make_invoice(other, issue=True)
    make_invoice(nordic)
    make_estimate(nordic, send=True)
    return {"nordic": nordic, "invoices": invoices}


def _sign_in(page, url, staff) -> None:
    page.goto(f"{url}/admin/login")
    page.fill('input[name="email"]', staff.email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('button[type="submit"]:has-text("Sign in")')


@pytest.mark.parametrize(("width", "shot"), [(1280, "desktop"), (390, "phone")])
def test_search_and_picker_in_the_browser(
    live_url, browser_page_factory, make_staff, documents, width, shot
):
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, make_staff())
    page.goto(f"{live_url}/admin/invoices")
    page.fill("#q", "nordic pix")
    with page.expect_navigation():
        page.press("#q", "Enter")
    assert page.locator("tr.invoice-row").count() == 3  # two issued and the draft
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"admin-invoice-search-{shot}.png"), full_page=True)
    with page.expect_navigation():
        page.click("a:has-text('New invoice')")
    page.fill("#q", "nordic")
    with page.expect_navigation():
        page.click("form.picker-search button")
    assert page.locator("tr.choice-row").count() == 2
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"admin-customer-picker-{shot}.png"), full_page=True)
    with page.expect_navigation():
        page.locator("tr.choice-row", has_text="Nordic Pixel Oy").locator("button").click()
    assert "New invoice for Nordic Pixel Oy" in page.content()


def _png(data: bytes, name: str, tmp_path: Path) -> None:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(source), str(tmp_path / name)],
        check=True,
    )
    shutil.copy(tmp_path / f"{name}.png", SCREENSHOTS / f"{name}.png")


def test_pdf_screenshots(documents, staff_client, write, tmp_path):
    shipped, credited = documents["invoices"]
    write()
    with acting_as(SYSTEM):
        billing.issue_invoice(billing.create_credit_note(db.session.get(Invoice, credited.id)))
        db.session.commit()
    client, _ = staff_client()
    shipped_pdf = client.get(f"/admin/invoices/{shipped.id}/pdf")
    credited_pdf = client.get(f"/admin/invoices/{credited.id}/pdf")
    assert shipped_pdf.status_code == credited_pdf.status_code == 200
    _png(shipped_pdf.data, "invoice-pdf-shipping-address", tmp_path)
    _png(credited_pdf.data, "invoice-pdf-credited", tmp_path)
    assert db.session.get(Invoice, credited.id).status == "credited"
