"""The admin dashboard, the reports and the portal dashboard as pages: the charts (accessible
SVG with a table and links), who sees what (``view_own``, permissions, the other customer's
contact), German formatting, and the filtered lists the charts link to."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest

from portal.extensions import db
from portal.models import Invoice
from tests.conftest import PASSWORD
from tests.dashboards.conftest import TODAY


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    """The pages look at the books on ``TODAY``."""
    moment = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
    for module in ("portal.admin.dashboard", "portal.admin.reports", "portal.clients.dashboard"):
        monkeypatch.setattr(f"{module}.utcnow", lambda: moment)


def _links(body: str) -> set[str]:
    return {unescape(h) for h in re.findall(r'href="([^"]+)"', body)}


def test_admin_dashboard_draws_each_chart(books, staff_client):
    client, _member = staff_client(None)
    body = client.get("/admin/").get_data(as_text=True)
    for chart in (
        "months-EUR",
        "months-USD",
        "aging-EUR",
        "aging-USD",
        "top-EUR",
        "tickets-status",
        "tickets-assignee",
        "conversion",
    ):
        svg = f'<svg class="chart-svg" role="img" aria-labelledby="{chart}-title {chart}-desc"'
        assert svg in body, chart
        assert f'<title id="{chart}-title">' in body
    assert "<script" not in body
    assert "Open invoices in EUR: €1,420.00 outstanding, €1,120.00 of it overdue." in body
    assert '<p class="figure">40%</p>' in body  # 2 of 5 estimates accepted
    links = _links(body)
    assert "/admin/invoices?status=open&due_start=2026-06-15&currency=EUR" in links
    assert (
        "/admin/invoices?status=overdue&due_start=2026-05-16&due_end=2026-06-14&currency=EUR"
        in links
    )
    assert "/admin/invoices?status=overdue&due_end=2026-03-16&currency=EUR" in links
    assert f"/admin/invoices?status=overdue&customer={books.alpha.id}" in links
    assert "/admin/invoices?start=2026-05-01&end=2026-05-31&currency=EUR" in links
    assert "/admin/reports/payments?start=2026-02-01&end=2026-02-28" in links
    assert "/admin/tickets?status=on_hold" in links
    assert f"/admin/tickets?assignee={books.agent.id}" in links
    assert "/admin/tickets?assignee=none" in links
    assert "/admin/estimates?status=accepted&start=2026-03-18&end=2026-06-15" in links


def test_chart_links_open_the_lists_behind_them(books, staff_client):
    client, _member = staff_client(None)
    over_90 = client.get("/admin/invoices?status=overdue&due_end=2026-03-16&currency=EUR")
    text = over_90.get_data(as_text=True)
    assert text.count('class="invoice-row"') == 2  # A1 and B3
    assert "€600.00" in text and "€100.00" in text
    current = client.get("/admin/invoices?status=open&due_start=2026-06-15&currency=EUR")
    assert current.get_data(as_text=True).count('class="invoice-row"') == 1  # A3
    usd = client.get("/admin/invoices?currency=USD").get_data(as_text=True)
    assert usd.count('class="invoice-row"') == 1 and "Gamma Inc" in usd
    may = client.get("/admin/invoices?start=2026-05-01&end=2026-05-31&currency=EUR")
    assert may.get_data(as_text=True).count('class="invoice-row"') == 2  # A2 and its credit note


def test_view_own_dashboard_counts_only_its_customers(books, app):
    from tests.conftest import PASSWORD

    client = app.test_client()
    client.post("/admin/login", data={"email": books.own.email, "password": PASSWORD})
    body = client.get("/admin/").get_data(as_text=True)
    assert 'id="months-EUR"' in body and 'id="months-USD"' not in body
    assert "€1,200.00 outstanding, €900.00 of it overdue" in body  # Alpha's only
    assert "Alpha GmbH" in body and "Beta Oy" not in body and "Gamma Inc" not in body
    assert '<p class="figure">0%</p>' in body  # its 2 estimates: open and expired
    for path in ("/admin/reports/aging", "/admin/reports/revenue?by=customer&start=2026-01-01"):
        page = client.get(path).get_data(as_text=True)
        assert "Alpha GmbH" in page and "Beta Oy" not in page and "Gamma Inc" not in page, path


def test_dashboard_shows_no_chart_of_an_area_without_permission(books, staff_client):
    client, _member = staff_client(["tickets.view"])
    body = client.get("/admin/").get_data(as_text=True)
    assert 'id="tickets-status"' in body
    assert 'id="months-EUR"' not in body and 'id="aging-EUR"' not in body
    assert 'id="conversion"' not in body and "/admin/reports" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/admin/reports/aging",
        "/admin/reports/aging.csv",
        "/admin/reports/aging.xlsx",
        "/admin/reports/revenue",
        "/admin/reports/payments",
    ],
)
def test_reports_need_invoice_access(books, staff_client, path):
    client, _member = staff_client(["tickets.view", "customers.view", "payments.create"])
    assert client.get(path).status_code == 403


def test_aging_report_page(books, staff_client):
    client, _member = staff_client(["invoices.view"])
    body = client.get("/admin/reports/aging").get_data(as_text=True)
    rows = body.split("Per customer")[1]
    assert rows.index("Alpha GmbH") < rows.index("Beta Oy") < rows.index("Gamma Inc")
    assert "€1,420.00" in body and "$1,500.00" in body  # totals per currency
    assert f"/admin/invoices?customer={books.alpha.id}&amp;status=open" in body


def test_aging_exports(books, staff_client):
    import csv
    import io

    from openpyxl import load_workbook

    client, _member = staff_client(["invoices.view_own", "invoices.view"])
    response = client.get("/admin/reports/aging.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="Aging-2026-06-15.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Customer number",
        "Customer",
        "Currency",
        "Not yet due",
        "1-30 days",
        "31-60 days",
        "61-90 days",
        "Over 90 days",
        "Total",
    ]
    assert rows[1][1:] == ["Alpha GmbH", "EUR", "300.00", "300.00"] + ["0.00"] * 2 + [
        "600.00",
        "1200.00",
    ]
    assert len(rows) == 4
    book = load_workbook(io.BytesIO(client.get("/admin/reports/aging.xlsx").data))
    sheet = book.active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][1] == "Customer" and values[2][1] == "Beta Oy"
    assert values[2][5:] == [120, 0, 100, 220]
    assert sheet.cell(row=3, column=9).number_format == "#,##0.00"


def test_aging_csv_in_german_uses_semicolons_and_decimal_commas(books, staff_client):
    import csv
    import io

    from babel.numbers import parse_decimal

    client, _member = staff_client(None, language="de")
    text = client.get("/admin/reports/aging.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    alpha = rows[1]
    assert alpha[1:3] == ["Alpha GmbH", "EUR"] and len(alpha) == 9
    assert [parse_decimal(v, locale="de") for v in alpha[3:]] == [
        300,
        300,
        0,
        0,
        600,
        1200,
    ]
    assert alpha[3] == "300,00"


def test_aging_csv_neutralises_formulas(books, staff_client, write):
    from portal.extensions import db
    from portal.models import Customer

    write()
    db.session.get(Customer, books.beta.id).company_name = "=HYPERLINK(1)"
    db.session.commit()
    client, _member = staff_client(None)
    assert "'=HYPERLINK(1)" in client.get("/admin/reports/aging.csv").get_data(as_text=True)


def test_revenue_report_views_and_period(books, staff_client):
    client, _member = staff_client(["invoices.view"])
    by_group = client.get("/admin/reports/revenue?start=2026-01-01&end=2026-06-15")
    text = by_group.get_data(as_text=True)
    assert "Revenue by group" in text and "Events" in text and "No group" in text
    assert "€1,600.00" in text and "€2,520.00" in text  # Events EUR net; EUR total net
    by_month = client.get("/admin/reports/revenue?by=month&start=2026-01-01&end=2026-06-15")
    text = by_month.get_data(as_text=True)
    assert 'id="revenue-EUR"' in text and "May 2026" in text
    by_customer = client.get("/admin/reports/revenue?by=customer&start=2026-06-01&end=2026-06-30")
    text = by_customer.get_data(as_text=True)
    assert "Gamma Inc" in text and "Alpha GmbH" in text and "Beta Oy" not in text
    empty = client.get("/admin/reports/revenue?start=2024-01-01&end=2024-12-31")
    assert "No invoices in this period." in empty.get_data(as_text=True)
    wrong = client.get("/admin/reports/revenue?start=2026-06-01&end=2026-01-01")
    assert "The end date must not be before the start date." in wrong.get_data(as_text=True)
    default = client.get("/admin/reports/revenue").get_data(as_text=True)
    assert 'value="2026-01-01"' in default and 'value="2026-06-15"' in default


def test_payments_report_lists_the_payments(books, staff_client):
    client, _member = staff_client(["invoices.view"])
    body = client.get("/admin/reports/payments?start=2026-02-01&end=2026-02-28").get_data(
        as_text=True
    )
    assert 'id="payments-EUR"' in body and "€400.00" in body
    assert "$500.00" not in body
    assert f"/admin/invoices/{books.invoices['A1']}" in body


def test_dashboard_in_german(books, staff_client):
    client, _member = staff_client(None, language="de")
    body = client.get("/admin/").get_data(as_text=True)
    assert 'lang="de"' in body
    assert "1.420,00\xa0€" in body and "1.500,00\xa0$" in body


def test_portal_dashboard_chart_for_its_customer_only(books, make_contact, contact_client):
    contact = make_contact(books.alpha, permissions=["invoices"])
    body = contact_client(contact).get("/clients/").get_data(as_text=True)
    assert 'id="portal-months-EUR"' in body and 'role="img"' in body
    assert "€1,000.00" in body and "€400.00" in body  # Alpha: A1 and its payment
    assert "€800.00" not in body and "USD" not in body  # Beta's and Gamma's
    assert "/clients/invoices" in body


def test_portal_dashboard_has_no_chart_without_invoices(books, make_contact, contact_client):
    make_contact(books.alpha)  # the primary contact, who may do everything
    contact = make_contact(books.alpha, permissions=["tickets"])
    body = contact_client(contact).get("/clients/").get_data(as_text=True)
    assert "portal-months" not in body and "€1,000.00" not in body


def test_another_customers_contact_sees_none_of_it(books, make_contact, contact_client):
    contact = make_contact(books.beta, permissions=["invoices"])
    body = contact_client(contact).get("/clients/").get_data(as_text=True)
    assert "€800.00" in body and "€120.00" in body  # Beta's B1 and B2
    assert "€400.00" not in body and "€300.00" not in body  # Alpha's payment and A3


def test_payments_report_searches_by_invoice_and_customer(books, staff_client, app):
    client, _member = staff_client(["invoices.view"])
    period = "start=2026-01-01&end=2026-12-31"

    def invoices_listed(query: str, who=client) -> set[str]:
        body = who.get(f"/admin/reports/payments?{period}&q={query}").get_data(as_text=True)
        return {key for key, pk in books.invoices.items() if f'/admin/invoices/{pk}"' in body}

    assert invoices_listed("") == {"A1", "B1", "C1"}
    assert invoices_listed("Beta") == {"B1"}
    assert invoices_listed(books.beta.number) == {"B1"}
    number = db.session.get(Invoice, books.invoices["C1"]).number
    assert invoices_listed(number) == {"C1"}
    assert invoices_listed("Nobody%20Here") == set()
    # The search keeps the period, the period picker keeps the search.
    body = client.get(f"/admin/reports/payments?{period}&q=Beta").get_data(as_text=True)
    assert 'name="q" value="Beta"' in body and 'type="hidden" name="q" value="Beta"' in body
    # A view_own member finds only the payments of its own customers.
    own = app.test_client()
    own.post("/admin/login", data={"email": books.own.email, "password": PASSWORD})
    assert invoices_listed("Beta", own) == set()
    assert invoices_listed("Alpha", own) == {"A1"}
