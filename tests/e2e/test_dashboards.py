"""The dashboards and the aging report in chromium, in German: the charts are drawn (SVG bars
with a size), a bar takes the mouse to the list behind it, the page prints, and axe-core finds
no WCAG 2.2 A/AA violation; screenshots at desktop and phone widths for docs/screenshots."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from portal.extensions import db
from portal.models import Staff, Ticket
from tests.conftest import PASSWORD
from tests.dashboards.conftest import Writer, credit, estimate, invoice, pay
from tests.e2e.conftest import axe_violations

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _books(make_customer, make_staff, make_contact):
    """A year of invoices and payments for three customers, relative to today."""
    today = date.today()
    customers = [
        make_customer("Nordlicht Veranstaltungen GmbH", language="de"),
        make_customer("Kaffeerösterei Süd KG", language="de"),
        make_customer("Atlantic Events Ltd", currency="USD"),
    ]
    for months_ago in range(12):
        issued = today - timedelta(days=30 * months_ago + 3)
        for n, customer in enumerate(customers):
            amount = f"{(1200 + 340 * ((months_ago * 7 + n * 3) % 9)):.2f}"
            doc = invoice(customer, amount, issued, issued + timedelta(days=14))
            if months_ago > 2 - n % 2:
                pay(doc, amount, issued + timedelta(days=10))
            elif months_ago == 2:
                pay(doc, "500.00", issued + timedelta(days=12))
            if months_ago == 4 and n == 0:
                credit(doc, "300.00", issued + timedelta(days=5))
    outcomes = ["sent", "accepted", "accepted", "declined", "invoiced", "sent", "accepted"]
    for i, outcome in enumerate(outcomes):
        issued = today - timedelta(days=8 * i + 1)
        estimate(customers[i % 3], issued, issued + timedelta(days=30), outcome)
    agents = [make_staff(["tickets.view"]) for _ in range(2)]
    with Writer():
        for i, status in enumerate(["open", "open", "in_progress", "answered", "on_hold", "open"]):
            db.session.add(
                Ticket(
                    customer_id=customers[i % 3].id,
                    subject=f"Frage {i}",
                    status=status,
                    assigned_staff_id=agents[i % 2].id if i % 3 else None,
                )
            )
        for agent, name in zip(agents, ("Anna Berger", "Jonas Weber"), strict=True):
            db.session.get(Staff, agent.id).name = name
    contact = make_contact(customers[0], language="de")
    return customers, contact


def _sign_in(page, live_url: str, side: str, email: str) -> None:
    page.goto(f"{live_url}/{side}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('main form[method="post"] button[type="submit"]')
    assert "/login" not in page.url, page.url


@pytest.mark.parametrize("width", [1280, 390])
def test_admin_dashboard_and_aging_report(
    live_url, browser_page_factory, make_customer, make_staff, make_contact, width
):
    customers, _contact = _books(make_customer, make_staff, make_contact)
    staff = make_staff(None, language="de")
    page = browser_page_factory(width=width, height=900)
    _sign_in(page, live_url, "admin", staff.email)
    page.goto(f"{live_url}/admin/")
    assert page.locator("html").get_attribute("lang") == "de"
    bars = page.locator("#months-EUR .chart-svg rect.series-1")
    assert bars.count() == 12
    assert max(b.bounding_box()["height"] for b in bars.all()) > 100
    assert axe_violations(page) == []
    shot = "desktop" if width > 800 else "mobile"  # the admin's screenshots say mobile
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-dashboard-{shot}.png"), full_page=True)
    if width > 800:  # a bar of the aging chart opens the invoices behind it
        with page.expect_navigation():
            page.locator("#aging-EUR .chart-links a").nth(1).click()  # 1-30 days
        assert "/admin/invoices?status=overdue" in page.url
        assert page.locator(".invoice-row").count() >= 1
    page.goto(f"{live_url}/admin/reports/aging")
    assert customers[0].company_name in page.content()
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / f"admin-aging-{shot}.png"), full_page=True)
    for path in ("/admin/reports/revenue?by=month", "/admin/reports/payments"):
        page.goto(live_url + path)
        assert axe_violations(page) == [], path


@pytest.mark.parametrize("width", [1280, 390])
def test_portal_dashboard_in_german(
    live_url, browser_page_factory, make_customer, make_staff, make_contact, width
):
    _customers, contact = _books(make_customer, make_staff, make_contact)
    page = browser_page_factory(width=width, height=900)
    _sign_in(page, live_url, "clients", contact.email)
    assert page.locator("html").get_attribute("lang") == "de"
    chart = page.locator('svg[role="img"][aria-labelledby^="portal-months-EUR"]')
    assert chart.count() == 1
    assert page.locator("#portal-months-EUR .chart-svg rect.series-2").count() == 12
    assert axe_violations(page) == []
    shot = "desktop" if width > 800 else "phone"
    page.screenshot(path=str(SCREENSHOTS / f"portal-dashboard-chart-{shot}.png"), full_page=True)
