"""The dashboards and reports run the same number of SQL statements whatever the data: one
``GROUP BY`` per chart, one per report table (plus its count), whether the books hold a dozen
documents or five times as many customers, invoices, payments, tickets and estimates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db
from portal.models import Ticket
from tests.dashboards.conftest import TODAY, Writer, credit, estimate, invoice, pay

ADMIN_PAGES = [
    "/admin/",
    "/admin/reports/aging",
    "/admin/reports/revenue?start=2025-07-01&end=2026-06-15",
    "/admin/reports/revenue?by=customer&start=2025-07-01&end=2026-06-15",
    "/admin/reports/revenue?by=month&start=2025-07-01&end=2026-06-15",
    "/admin/reports/payments?start=2025-07-01&end=2026-06-15",
]


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    for module in ("portal.admin.dashboard", "portal.admin.reports", "portal.clients.dashboard"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)


def _grow(make_customer, books, customers: int = 12) -> None:
    """More of everything: per new customer three invoices over the year (one paid, one partly
    paid and credited, one open), an estimate and a ticket assigned to a new agent."""
    for i in range(customers):
        customer = make_customer(f"Grown {i:02d} AG", currency="USD" if i % 3 == 0 else "EUR")
        issued = TODAY - timedelta(days=25 * i + 5)
        first = invoice(customer, "100.00", issued, issued + timedelta(days=10))
        pay(first, "100.00", issued + timedelta(days=3))
        second = invoice(customer, "250.00", issued, issued + timedelta(days=30))
        pay(second, "50.00", issued + timedelta(days=4))
        credit(second, "20.00", issued + timedelta(days=4))
        invoice(customer, "75.00", issued, issued + timedelta(days=60 * (i % 3)))
        estimate(customer, issued, issued + timedelta(days=30), ("sent", "accepted")[i % 2])
        with Writer():
            db.session.add(Ticket(customer_id=customer.id, subject=f"Grown {i}", status="open"))


def _counts(client, count_queries, paths: list[str]) -> dict[str, int]:
    result = {}
    for path in paths:
        client.get(path)  # warm: caches of the navigation and labels are filled
        with count_queries() as queries:
            response = client.get(path)
        assert response.status_code == 200, path
        result[path] = queries.count
    return result


def test_admin_dashboard_and_reports_have_fixed_query_counts(
    books, staff_client, make_customer, count_queries, fresh
):
    from tests.conftest import PASSWORD

    client, _admin = staff_client(None)
    own = db.session.merge(books.own)
    own_client = client.application.test_client()
    own_client.post("/admin/login", data={"email": own.email, "password": PASSWORD})
    small = _counts(client, count_queries, ADMIN_PAGES)
    small_own = _counts(own_client, count_queries, ADMIN_PAGES)
    _grow(make_customer, books)
    large = _counts(client, count_queries, ADMIN_PAGES)
    large_own = _counts(own_client, count_queries, ADMIN_PAGES)
    assert small == large
    assert small_own == large_own
    # Measured: the sign-in checks (4), then the dashboard's 2 counts, 6 chart statements and
    # the list of one's open activities (13); a report its table (with the pager's count in a
    # window), the totals per currency (6); the payments report also its page's count and the
    # page's invoices and customers (9).
    assert large["/admin/"] <= 13, large
    assert max(v for k, v in large.items() if "payments" not in k and k != "/admin/") <= 6
    assert large["/admin/reports/payments?start=2025-07-01&end=2026-06-15"] <= 9, large


def test_portal_dashboard_has_a_fixed_query_count(
    books, make_contact, contact_client, make_customer, count_queries
):
    contact = make_contact(books.alpha)
    client = contact_client(contact)
    small = _counts(client, count_queries, ["/clients/"])
    for i in range(6):
        issued = date(2026, 1 + i, 3)
        doc = invoice(books.alpha, f"{100 + i}.00", issued, issued + timedelta(days=20))
        pay(doc, "10.00", issued + timedelta(days=2))
    assert _counts(client, count_queries, ["/clients/"]) == small
