"""axe-core (WCAG 2.2 A and AA rules) finds no violation on the sign-in pages, the main lists,
and the pages added by issue 24, at desktop and phone widths, in chromium."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import axe_violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

STAFF_PAGES = [
    "/admin/",
    "/admin/customers",
    "/admin/invoices",
    "/admin/account",
    "/admin/account/sessions",
    "/admin/reports/aging",
    "/admin/reports/revenue",
    "/admin/reports/payments",
    "/admin/contacts",
    "/admin/industries",
    "/admin/segments",
]
CONTACT_PAGES = [
    "/clients/",
    "/clients/invoices",
    "/clients/payments",
    "/clients/profile",
    "/clients/sessions",
]


def _sign_in(page, live_url: str, side: str, email: str) -> None:
    page.goto(f"{live_url}/{side}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form[method="post"] button[type="submit"]:has-text("Sign in")')
    assert "/login" not in page.url, page.url


def _assert_clean(page, url: str) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{url}: {violations}"


@pytest.mark.parametrize("width", [1280, 390])
def test_sign_in_pages_have_no_violations(live_url, browser_page_factory, width):
    page = browser_page_factory(width=width)
    for path in ("/admin/login", "/clients/login", "/clients/reset-password"):
        page.goto(live_url + path)
        _assert_clean(page, path)


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_pages_have_no_violations(live_url, browser_page_factory, make_staff, width):
    staff = make_staff()
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "admin", staff.email)
    for path in STAFF_PAGES:
        page.goto(live_url + path)
        assert page.url.endswith(path), page.url
        _assert_clean(page, path)
    shot = "desktop" if width > 800 else "mobile"
    page.screenshot(path=str(SCREENSHOTS / f"admin-account-sessions-{shot}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_portal_pages_have_no_violations(
    live_url, browser_page_factory, make_contact, make_invoice, width
):
    contact = make_contact(primary=True)
    make_invoice(contact.customer, issue=True)
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "clients", contact.email)
    for path in CONTACT_PAGES:
        page.goto(live_url + path)
        assert page.url.endswith(path), page.url
        _assert_clean(page, path)
    shot = "desktop" if width > 800 else "phone"
    page.screenshot(path=str(SCREENSHOTS / f"portal-sessions-{shot}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_files_tab_and_portal_documents_have_no_violations(
    live_url, browser_page_factory, make_contact, make_staff, width
):
    """Issue 16: the customer card's Files and links tab (with a delete confirmation open),
    its upload form, and the portal's Documents page."""
    from tests.customer_files.conftest import add_samples

    contact = make_contact(first_name="Aino", last_name="Virtanen", primary=True)
    staff = make_staff()
    add_samples(contact.customer, staff.id)
    shot = "desktop" if width > 800 else "phone"

    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "admin", staff.email)
    card = f"/admin/customers/{contact.customer.id}"
    page.goto(f"{live_url}{card}?tab=files")
    assert "Framework agreement 2026" in page.locator("main").inner_text()
    _assert_clean(page, "files tab")
    page.screenshot(path=str(SCREENSHOTS / f"admin-customer-files-{shot}.png"), full_page=True)
    page.locator(".tab-panel details.confirm summary").first.click()
    _assert_clean(page, "files tab, delete confirmation")
    page.goto(f"{live_url}{card}/files/new")
    _assert_clean(page, "upload form")

    portal = browser_page_factory(width=width)
    _sign_in(portal, live_url, "clients", contact.email)
    portal.goto(f"{live_url}/clients/documents")
    text = portal.locator("main").inner_text()
    assert "Framework agreement 2026" in text and "Internal margin" not in text
    _assert_clean(portal, "portal documents")
    portal.screenshot(path=str(SCREENSHOTS / f"portal-documents-{shot}.png"), full_page=True)


def test_the_pdf_refusal_page_has_no_violations(
    app, live_app, live_url, browser_page_factory, make_contact, make_invoice, monkeypatch
):
    contact = make_contact(primary=True)
    words = " ".join(f"word{i}" for i in range(900))[:5000]
    invoice = make_invoice(contact.customer, issue=True, lines=[(words, "1", "1", "0")] * 200)
    monkeypatch.setitem(live_app.config, "PDF_RENDER_TIMEOUT", 0.5)
    page = browser_page_factory()
    _sign_in(page, live_url, "clients", contact.email)

    response = page.goto(f"{live_url}/clients/invoices/{invoice.id}/pdf")

    assert response is not None and response.status == 422
    assert "The PDF could not be produced" in page.content()
    _assert_clean(page, "pdf refusal")
    page.screenshot(path=str(SCREENSHOTS / "portal-pdf-refused-desktop.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_payment_pages_have_no_violations(
    app, live_app, live_url, browser_page_factory, make_contact, make_invoice, monkeypatch, width
):
    """The pay page (empty and with an error), the Payments page with a payment, the return
    pages and a document link's page with its Pay form (Stripe on; nothing is sent to it)."""
    from portal.extensions import db
    from portal.models import Invoice
    from portal.models.database import begin_write
    from portal.services.billing import payments
    from portal.services.platform.audit import SYSTEM, acting_as

    monkeypatch.setitem(live_app.config, "STRIPE_SECRET_KEY", "sk_test_not_used")
    contact = make_contact(primary=True)
    invoice = make_invoice(contact.customer, issue=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        payments.record_payment(db.session.get(Invoice, invoice.id), "48.00", "2026-01-05", "card")
        db.session.commit()
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "clients", contact.email)
    pay = f"/clients/invoices/{invoice.id}/pay"
    for path in (pay, "/clients/payments", f"{pay}/done", f"{pay}/cancelled"):
        page.goto(live_url + path)
        assert page.url.endswith(path), page.url
        _assert_clean(page, path)
    page.goto(live_url + pay)
    page.fill('input[name="amount"]', "9999")
    page.click('main form[method="post"] button[type="submit"]')
    assert page.locator(".field-error").count() == 1
    _assert_clean(page, "pay page with an error")
    link = _document_link(invoice, contact)
    page.goto(live_url + link)
    assert page.locator("#pay").count() == 1
    _assert_clean(page, "document link with the pay form")


def _document_link(document, contact) -> str:
    """A link as an email makes it, as its path ``/d/<token>``."""
    from portal.extensions import db
    from portal.models.database import begin_write
    from portal.services.billing import document_links
    from portal.services.platform.audit import SYSTEM, acting_as

    begin_write(db.session)
    with acting_as(SYSTEM):
        link = document_links.create_link(db.session.merge(document), db.session.merge(contact))
        path = "/d/" + document_links.token_for(link)
        db.session.commit()
    return path


@pytest.mark.parametrize("width", [1280, 390])
def test_document_link_pages_have_no_violations(
    live_url, browser_page_factory, make_contact, make_invoice, make_estimate, make_staff, width
):
    contact = make_contact(first_name="Aino", last_name="Virtanen", primary=True)
    invoice = make_invoice(
        contact.customer,
        issue=True,
        lines=[("Consulting, March", "12", "95.00", "24"), ("Travel", "1", "120.00", "24")],
    )
    estimate = make_estimate(contact.customer, send=True)
    invoice_path = _document_link(invoice, contact)
    estimate_path = _document_link(estimate, contact)
    page = browser_page_factory(width=width)
    shot = "desktop" if width > 800 else "phone"

    for path, name in ((invoice_path, "document-link"), (estimate_path, "document-link-estimate")):
        page.goto(live_url + path)
        assert page.locator("h1").count() == 1
        _assert_clean(page, name)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{shot}.png"), full_page=True)
    page.fill('input[name="name"]', "Aino Virtanen")
    page.click('form[action$="/accept"] button[type="submit"]')
    assert "Aino Virtanen" in page.locator("main").inner_text()
    _assert_clean(page, "answered estimate")

    response = page.goto(live_url + invoice_path[:-1] + ("A" if invoice_path[-1] != "A" else "B"))
    assert response is not None and response.status == 410
    _assert_clean(page, "link no longer valid")
    page.screenshot(path=str(SCREENSHOTS / f"document-link-gone-{shot}.png"), full_page=True)

    staff_page = browser_page_factory(width=width)
    _sign_in(staff_page, live_url, "admin", make_staff().email)
    staff_page.goto(f"{live_url}/admin/invoices/{invoice.id}")
    assert "Links sent" in staff_page.locator("main").inner_text()
    staff_page.click(".links-sent summary")
    _assert_clean(staff_page, "links sent")
    staff_page.screenshot(path=str(SCREENSHOTS / f"admin-links-sent-{shot}.png"), full_page=True)


def _activities(customer, staff) -> None:
    """A planned list with an overdue call and a meeting, and a past note."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.models.base import utcnow
    from portal.models.database import begin_write
    from portal.services.customers import activities
    from portal.services.platform.audit import SYSTEM, acting_as

    now = utcnow().replace(minute=0, second=0, microsecond=0)
    begin_write(db.session)
    with acting_as(SYSTEM):
        customer = db.session.merge(customer)
        contact_id = customer.contacts[0].id
        for kind, subject, due, done in (
            ("call", "Call about the renewal", now - timedelta(days=2), False),
            ("meeting", "Quarterly review", now + timedelta(days=3, hours=2), False),
            ("task", "Send the revised offer", now + timedelta(days=9), False),
            ("note", "Asked for a discount on licences", now - timedelta(days=20), True),
        ):
            activity = activities.create_activity(
                customer,
                {"kind": kind, "subject": subject, "due_at": due, "contact_id": contact_id,
                 "assigned_to": staff.id, "body": "Prices for 2027 and the support hours."},
            )  # fmt: skip
            if done:
                activities.mark_done(activity)
        db.session.commit()


@pytest.mark.parametrize("width", [1280, 390])
def test_activities_tab_has_no_violations(
    live_url, browser_page_factory, make_contact, make_staff, width
):
    staff = make_staff()
    contact = make_contact(first_name="Aino", last_name="Virtanen", primary=True)
    _activities(contact.customer, staff)
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "admin", staff.email)
    shot = "desktop" if width > 800 else "phone"
    customer_id = contact.customer.id
    for path, name in (
        (f"/admin/customers/{customer_id}?tab=activities", "admin-activities"),
        (f"/admin/customers/{customer_id}/activities/new", "admin-activity-form"),
        ("/admin/account/calendar", None),
    ):
        page.goto(live_url + path)
        _assert_clean(page, path)
        if name:
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{shot}.png"), full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_financials_tab_and_contact_list_have_no_violations(
    live_url, browser_page_factory, make_contact, make_staff, make_currency, width
):
    from datetime import date

    from tests.card.test_financials import usd_invoice
    from tests.dashboards.conftest import credit, invoice, pay

    staff = make_staff()
    make_currency("USD", "$", 2)
    ann = make_contact(first_name="Aino", last_name="Virtanen", keywords=["newsletter"])
    customer = ann.customer
    make_contact(customer, first_name="Bo", last_name="Berg", keywords=["decision maker"])
    paid = invoice(customer, "1000.00", date(2025, 3, 1), date(2025, 3, 31))
    pay(paid, "1000.00", date(2025, 3, 28))
    partly = invoice(customer, "500.00", date(2026, 2, 1), date(2026, 3, 1))
    credit(partly, "120.00", date(2026, 2, 10))
    pay(partly, "200.00", date(2026, 2, 20))
    pay(usd_invoice(customer, "2400.00", date(2026, 6, 1)), "400.00", date(2026, 6, 12))
    page = browser_page_factory(width=width)
    _sign_in(page, live_url, "admin", staff.email)
    shot = "desktop" if width > 800 else "phone"
    for path, name in (
        (f"/admin/customers/{customer.id}?tab=financials", "admin-financials"),
        (f"/admin/customers/{customer.id}?tab=contacts", None),
        ("/admin/contacts?keyword=newsletter", None),
        ("/admin/contacts", "admin-contacts"),
        (f"/admin/customers/{customer.id}/contacts/{ann.id}", None),
        (f"/admin/customers/{customer.id}/edit", None),
    ):
        page.goto(live_url + path)
        _assert_clean(page, path)
        if name:
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{shot}.png"), full_page=True)
