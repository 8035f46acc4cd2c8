"""Support end to end in chromium: a contact opens a ticket with an attachment, staff answer
in the admin, the contact sees the answer, and the notification emails arrive over real SMTP."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from portal.services.platform import outbox
from tests.conftest import PASSWORD

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def test_contact_ticket_staff_answer_email(
    app,
    live_url,
    browser_page_factory,
    smtp_server,
    make_customer,
    make_contact,
    make_staff,
    tmp_path,
):
    customer = make_customer("Kaffeerösterei Müller GmbH")
    contact = make_contact(
        customer, first_name="Anna", last_name="Müller", email="anna@roesterei.example"
    )
    staff = make_staff(email="support@staff.example")
    screenshot = tmp_path / "error-screenshot.pdf"
    screenshot.write_bytes(PDF)

    portal = browser_page_factory(1280, 900)
    portal.goto(f"{live_url}/clients/login")
    portal.fill('input[name="email"]', contact.email)
    portal.fill('input[name="password"]', PASSWORD)
    portal.click('main button[type="submit"]')
    expect(portal).to_have_url(f"{live_url}/clients/")
    portal.goto(f"{live_url}/clients/tickets/new")
    portal.fill('input[name="subject"]', "Invoice export fails")
    portal.select_option('select[name="priority"]', "high")
    portal.fill('textarea[name="message"]', "The export stops with an error, see the file.")
    portal.set_input_files('input[name="attachments"]', str(screenshot))
    portal.click('main form button[type="submit"]')
    expect(portal.locator("h1")).to_contain_text("Invoice export fails")
    expect(portal.locator(".files")).to_contain_text("error-screenshot.pdf")
    ticket_url = portal.url

    admin = browser_page_factory(1280, 900)
    admin.goto(f"{live_url}/admin/login")
    admin.fill('input[name="email"]', staff.email)
    admin.fill('input[name="password"]', PASSWORD)
    admin.click('main button[type="submit"]')
    admin.goto(f"{live_url}/admin/tickets")
    admin.click("text=Invoice export fails")
    expect(admin.locator(".files")).to_contain_text("error-screenshot.pdf")
    admin.fill('textarea[name="message"]', "Fixed on our side - please try again.")
    admin.click('form[action$="/reply"] button[type="submit"]')
    expect(admin.locator(".flash-success")).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    admin.screenshot(path=str(SCREENSHOTS / "admin-ticket-desktop.png"), full_page=True)

    portal.goto(ticket_url)
    expect(portal.locator("main")).to_contain_text("Fixed on our side - please try again.")
    expect(portal.locator("main")).to_contain_text("Answered")
    portal.screenshot(path=str(SCREENSHOTS / "portal-ticket-desktop.png"), full_page=True)

    sent, failed = outbox.deliver()
    assert failed == 0 and sent >= 2
    by_recipient = {m["To"]: m for m in smtp_server.messages}
    to_staff = by_recipient["support@staff.example"].get_body(("plain",)).get_content()
    assert "Invoice export fails" in by_recipient["support@staff.example"]["Subject"]
    assert "The export stops with an error" in to_staff
    to_contact = by_recipient[contact.email].get_body(("plain",)).get_content()
    assert "Fixed on our side - please try again." in to_contact
    assert "/clients/tickets/" in to_contact
