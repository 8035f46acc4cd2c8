"""Online payment end to end in chromium: the invoice email arrives over real SMTP (aiosmtpd),
its link opens the invoice without signing in, Pay goes to the local fake Stripe's checkout
page, which sends the signed webhook to the app and redirects back; the link page and then the
portal show the invoice as paid. Screenshots of the portal's pay page, the link page with its
Pay form on a phone, the Payments page and a receipt PDF (rendered with pdftoppm) are kept
under ``docs/screenshots/``."""

from __future__ import annotations

import re
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Invoice, Payment
from portal.models.database import begin_write
from portal.services import billing
from portal.services.platform import company, outbox
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD
from tests.payments.conftest import WEBHOOK_PATH, WEBHOOK_SECRET
from tests.payments.fake_stripe import SECRET_KEY, FakeStripe

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LINK = re.compile(r"http://portal\.test(/d/[A-Za-z0-9_.-]+)")


@pytest.fixture
def stripe_live(live_app, live_url, monkeypatch):
    """The fake Stripe, with the browser-facing app pointed at it and it at the app."""
    fake = FakeStripe(WEBHOOK_SECRET).start()
    fake.webhook_url = live_url + WEBHOOK_PATH
    monkeypatch.setitem(live_app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(live_app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(live_app.config, "STRIPE_API_BASE", fake.url)
    monkeypatch.setitem(live_app.config, "STRIPE_CHECKOUT_ORIGIN", fake.url)
    monkeypatch.setitem(live_app.config, "BASE_URL", live_url)
    try:
        yield fake
    finally:
        fake.stop()


def _invoice_emailed(make_contact, make_invoice):
    begin_write(db.session)
    with acting_as(SYSTEM):
        company.save(
            {"company_name": "Nordlicht Consulting", "invoice_prefix": "INV-",
             "estimate_prefix": "EST-", "company_address": "Hafenstraße 1\n20457 Hamburg"},
            None, False,
        )  # fmt: skip
        db.session.commit()
    contact = make_contact(first_name="Emma", last_name="Virtanen", language="en", primary=True)
    invoice = make_invoice(
        contact.customer,
        issue=True,
        lines=[("Website maintenance, March", "6", "95.00", "24"), ("Hosting", "1", "40.00", "24")],
    )
    begin_write(db.session)
    with acting_as(SYSTEM):
        billing.queue_invoice_email(db.session.merge(invoice), db.session.merge(contact))
        db.session.commit()
    return contact, invoice


def test_email_link_pay_webhook_paid(
    app, live_url, stripe_live, browser_page_factory, smtp_server, make_contact, make_invoice
):
    contact, invoice = _invoice_emailed(make_contact, make_invoice)
    assert outbox.deliver() == (1, 0)
    [message] = smtp_server.messages
    path = LINK.search(message.get_body(("plain",)).get_content()).group(1)

    # The link opens the invoice without signing in, with its Pay form.
    phone = browser_page_factory(390, 844)
    phone.goto(live_url + path)
    expect(phone.locator("h1")).to_contain_text(invoice.number)
    expect(phone.locator("#pay")).to_be_visible()
    expect(phone.locator('#pay input[name="amount"]')).to_have_value("756.40")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "payment-link-page-phone.png"), full_page=True)

    # Pay -> Stripe's checkout page -> the signed webhook -> back to the link page.
    page = browser_page_factory(1280, 900)
    page.goto(live_url + path)
    page.click('#pay button[type="submit"]')
    expect(page).to_have_url(live_url + path)
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("Paid")
    expect(page.locator("#pay")).to_have_count(0)
    assert stripe_live.deliveries == [(200, '{"outcome":"recorded","received":true}\n')]
    db.session.rollback()  # a fresh snapshot: the payment was written by the served app
    [payment] = db.session.scalars(db.select(Payment)).all()
    assert payment.amount == Decimal("756.40") and payment.provider == "stripe"
    assert db.session.get(Invoice, invoice.id).status == "paid"

    # The portal shows it paid too, with the payment and its receipt.
    page.goto(f"{live_url}/clients/login")
    page.fill('input[name="email"]', contact.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('main button[type="submit"]')
    expect(page).to_have_url(f"{live_url}/clients/")
    page.goto(f"{live_url}/clients/invoices/{invoice.id}")
    expect(page.locator("h1 .badge")).to_have_text("Paid")
    expect(page.locator("main")).not_to_contain_text("Pay now")
    page.goto(f"{live_url}/clients/payments")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody")).to_contain_text("Card")
    page.screenshot(path=str(SCREENSHOTS / "portal-payments-desktop.png"), full_page=True)

    receipt = page.request.get(f"{live_url}/clients/payments/{payment.id}/receipt.pdf")
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    pdf_file = SCREENSHOTS / "payment-receipt.pdf"
    pdf_file.write_bytes(receipt.body())
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-singlefile",
            str(pdf_file),
            str(SCREENSHOTS / "payment-receipt"),
        ],
        check=True,
    )
    pdf_file.unlink()
    assert (SCREENSHOTS / "payment-receipt.png").stat().st_size > 5000


def test_the_pay_page_screenshot(
    app, live_url, stripe_live, browser_page_factory, make_contact, make_invoice
):
    contact, invoice = _invoice_emailed(make_contact, make_invoice)
    page = browser_page_factory(1280, 900)
    page.goto(f"{live_url}/clients/login")
    page.fill('input[name="email"]', contact.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('main button[type="submit"]')
    page.goto(f"{live_url}/clients/invoices/{invoice.id}")
    page.click("text=Pay now")
    expect(page).to_have_url(f"{live_url}/clients/invoices/{invoice.id}/pay")
    expect(page.locator('input[name="amount"]')).to_have_value("756.40")
    page.screenshot(path=str(SCREENSHOTS / "portal-pay-page.png"), full_page=True)
    page.fill('input[name="amount"]', "1000")
    page.click('main button[type="submit"]')
    expect(page.locator(".field-error")).to_have_text("The amount is more than the amount due.")
    page.screenshot(path=str(SCREENSHOTS / "portal-pay-page-error.png"), full_page=True)
    assert stripe_live.requests == []
