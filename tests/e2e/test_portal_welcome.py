"""The portal end to end in chromium: the welcome email arrives over real SMTP (aiosmtpd), its
link sets a password, the contact signs in, switches to German and sees the dashboard in
German. Screenshots of the dashboard at desktop and phone widths are kept under
``docs/screenshots/``."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Invoice, Ticket, TicketMessage
from portal.models.database import begin_write
from portal.services import customers
from portal.services.customers import contacts
from portal.services.platform import company, email, outbox
from portal.services.platform.audit import SYSTEM, acting_as

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "northern lights 2026"


def _logo() -> bytes:
    image = Image.new("RGB", (240, 80), "#1f5fbf")
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, 68, 68), fill="#ffd166")
    draw.rectangle((90, 30, 220, 50), fill="#ffffff")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _company_with_records(make_currency, make_invoice, make_estimate):
    make_currency("EUR", "€", 2, True)
    make_currency("USD", "$", 2)
    begin_write(db.session)
    with acting_as(SYSTEM):
        company.save(
            {
                "company_name": "Nordlicht Consulting",
                "invoice_prefix": "INV-",
                "estimate_prefix": "EST-",
            },
            ("logo.png", _logo()),
            False,
        )
        customer = customers.create_customer(
            {"company_name": "Kaffeerösterei Müller GmbH", "currency": "EUR"}
        )
        contact = contacts.create_contact(
            customer,
            {"first_name": "Anna", "last_name": "Müller", "email": "anna@roesterei.example"},
        )
        email.queue_welcome(contact)
        db.session.commit()
    make_invoice(customer, issue=True, lines=[("Beratung Q3", "12", "140.00", "19")])
    late = make_invoice(customer, issue=True, lines=[("Workshop", "1", "980.50", "19")])
    make_estimate(customer, send=True)
    make_estimate(customer, send=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        late_row = db.session.get(Invoice, late.id)
        late_row.issue_date = date.today() - timedelta(days=23)
        late_row.due_date = date.today() - timedelta(days=9)
        ticket = Ticket(
            customer_id=customer.id,
            contact_id=contact.id,
            subject="Zugang für die Buchhaltung",
            priority="medium",
            status="open",
        )
        ticket.messages.append(TicketMessage(author_contact_id=contact.id, body="Hallo!"))
        db.session.add(ticket)
        db.session.commit()
    return contact


def test_welcome_email_to_german_dashboard(
    app, live_url, browser_page_factory, smtp_server, make_currency, make_invoice, make_estimate
):
    contact = _company_with_records(make_currency, make_invoice, make_estimate)
    assert outbox.deliver() == (1, 0)
    [message] = smtp_server.messages
    assert message["To"] == contact.email
    text = message.get_body(("plain",)).get_content()
    link = re.search(r"http://portal\.test(/clients/set-password/\S+)", text).group(1)

    page = browser_page_factory(1280, 900)
    page.goto(live_url + link)
    expect(page.locator("h1")).to_have_text("Choose your password")
    page.fill('input[name="password"]', PASSWORD)
    page.fill('input[name="confirm"]', PASSWORD)
    page.click('main button[type="submit"]')
    expect(page).to_have_url(f"{live_url}/clients/login")
    expect(page.locator(".flash-success")).to_be_visible()

    page.fill('input[name="email"]', contact.email)
    page.fill('input[name="password"]', PASSWORD)
    page.click('main button[type="submit"]')
    expect(page).to_have_url(f"{live_url}/clients/")
    expect(page.locator("h1")).to_have_text("Dashboard")

    page.select_option("#switch-language", "de")
    page.click(".language-switch button")
    expect(page).to_have_url(f"{live_url}/clients/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator(".portal-nav")).to_contain_text("Rechnungen")
    expect(page.locator("main")).to_contain_text("Offene Angebote")
    expect(page.locator(".balance")).to_contain_text("€")
    balance = page.locator(".balance").inner_text()
    assert re.search(r"\d\.\d{3},\d{2}\s€", balance), balance  # 1.999,20 € style
    expect(page.locator(".portal-brand img")).to_be_visible()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "portal-dashboard-desktop.png"), full_page=True)
    phone = browser_page_factory(390, 844)
    phone.context.add_cookies(page.context.cookies())
    phone.goto(f"{live_url}/clients/")
    expect(phone.locator("html")).to_have_attribute("lang", "de")
    phone.screenshot(path=str(SCREENSHOTS / "portal-dashboard-phone.png"), full_page=True)
    phone.goto(f"{live_url}/clients/invoices")
    phone.screenshot(path=str(SCREENSHOTS / "portal-invoices-phone.png"), full_page=True)
    page.goto(f"{live_url}/clients/invoices")
    page.screenshot(path=str(SCREENSHOTS / "portal-invoices-desktop.png"), full_page=True)
    for name in ("contacts", "profile", "company"):
        page.goto(f"{live_url}/clients/{name}")
        expect(page.locator("html")).to_have_attribute("lang", "de")
        page.screenshot(path=str(SCREENSHOTS / f"portal-{name}-desktop.png"), full_page=True)
