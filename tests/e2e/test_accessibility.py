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
]
CONTACT_PAGES = ["/clients/", "/clients/invoices", "/clients/profile", "/clients/sessions"]


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
