"""The card's Financials tab: invoiced, credited, paid and outstanding per year and currency,
average days to pay, open estimates; figures worked out by hand; a fixed number of queries;
who may see them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.models import Customer, Invoice, InvoiceLine, Payment, Staff
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing.totals import recalculate
from portal.services.customers import financials
from tests.dashboards.conftest import Writer, _line, credit, estimate, invoice, pay

D = Decimal


def usd_invoice(customer: Customer, amount: str, issued: date) -> Invoice:
    """An invoice in US dollars for a customer whose currency is the euro."""
    with Writer():
        usd = db.session.scalar(db.select(type(customer.currency)).filter_by(code="USD"))
        doc = Invoice(
            customer=db.session.merge(customer),
            currency=usd,
            status="draft",
            kind="invoice",
            lines=[_line(InvoiceLine, amount)],
            issue_date=issued,
            due_date=issued + timedelta(days=14),
        )
        db.session.add(doc)
        recalculate(doc)
        billing.issue_invoice(doc, issued)
    return doc


@pytest.fixture
def ledger(make_customer, make_currency):
    """Fin Oy (EUR), amounts without tax:

    2025: E1 1000.00 of 1 Mar, paid in full on 31 Mar (30 days); E2 400.00 of 20 Nov, 100.00
    paid on 10 Jan 2026 (300.00 outstanding, counted in 2025, the year it was issued).
    2026: E3 500.00 of 1 Feb, credited 200.00 on 10 Feb, 300.00 paid on 21 Feb (paid in full:
    20 days); E4 250.00 of 5 Mar, cancelled; a 999.00 draft; an open estimate of 100.00, an
    expired one, an accepted one and a draft.
    USD 2026: U1 2000.00 of 1 Jun, 500.00 paid on 12 Jun (1500.00 outstanding).
    Another customer's invoice must not count.
    """
    make_currency("USD", "$", 2)
    fin = make_customer("Fin Oy")
    other = make_customer("Other AB")
    e1 = invoice(fin, "1000.00", date(2025, 3, 1), date(2025, 3, 31))
    pay(e1, "1000.00", date(2025, 3, 31))
    e2 = invoice(fin, "400.00", date(2025, 11, 20), date(2025, 12, 20))
    pay(e2, "100.00", date(2026, 1, 10))
    e3 = invoice(fin, "500.00", date(2026, 2, 1), date(2026, 3, 1))
    credit(e3, "200.00", date(2026, 2, 10))
    pay(e3, "300.00", date(2026, 2, 21))
    e4 = invoice(fin, "250.00", date(2026, 3, 5), date(2026, 4, 4))
    with Writer():
        billing.cancel_invoice(db.session.merge(e4))
    with Writer():
        draft = Invoice(
            customer=db.session.merge(fin),
            currency=db.session.merge(fin).currency,
            status="draft",
            kind="invoice",
            lines=[_line(InvoiceLine, "999.00")],
        )
        db.session.add(draft)
        recalculate(draft)
    u1 = usd_invoice(fin, "2000.00", date(2026, 6, 1))
    pay(u1, "500.00", date(2026, 6, 12))
    today = date.today()
    estimate(fin, today - timedelta(days=5), today + timedelta(days=25), "sent")  # open
    estimate(fin, today - timedelta(days=60), today - timedelta(days=30), "sent")  # expired
    estimate(fin, today - timedelta(days=9), today + timedelta(days=20), "accepted")
    estimate(fin, today - timedelta(days=2), today + timedelta(days=20), "draft")
    pay(invoice(other, "777.00", date(2026, 1, 1), date(2026, 2, 1)), "777.00", date(2026, 1, 5))
    return fin, other


def _figures(entry):
    return {
        row.year: (row.invoiced, row.credited, row.paid, row.outstanding, row.average_days)
        for row in entry.years
    }


def test_figures_against_hand_computed_books(ledger, make_staff):
    fin, _other = ledger
    everything = make_staff(["customers.view", "invoices.view", "estimates.view"])
    eur, usd = financials.summary(fin.id, db.session.get(Staff, everything.id))
    assert (eur.currency.code, usd.currency.code) == ("EUR", "USD")
    assert _figures(eur) == {
        2026: (D("500.00"), D("200.00"), D("400.00"), D("0.00"), D("20.0")),
        2025: (D("1400.00"), D("0.00"), D("1000.00"), D("300.00"), D("30.0")),
    }
    assert [row.year for row in eur.years] == [2026, 2025]  # newest first
    total = eur.total
    assert (total.invoiced, total.credited, total.paid, total.outstanding) == (
        D("1900.00"),
        D("200.00"),
        D("1400.00"),
        D("300.00"),
    )
    assert total.net == D("1700.00") and total.average_days == D("25.0")
    assert (eur.open_estimates, eur.open_estimate_count) == (D("100.00"), 1)
    assert _figures(usd) == {2026: (D("2000.00"), D("0.00"), D("500.00"), D("1500.00"), None)}
    assert (usd.open_estimates, usd.open_estimate_count) == (D("0"), 0)


def test_the_tab_shows_the_figures(ledger, staff_client):
    fin, _other = ledger
    client, _member = staff_client(["customers.view", "invoices.view", "estimates.view"])
    response = client.get(f"/admin/customers/{fin.id}?tab=financials")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Financials",
        "2025",
        "2026",
        "1,400.00",
        "1,500.00",
        'class="num">30</td>',
        'class="num">25</td>',
        "Open estimates:",
        "USD",
    ):
        assert text in html, text
    assert "999.00" not in html and "250.00" not in html and "777.00" not in html


def _bulk_invoices(customer: Customer, count: int, start: int) -> None:
    """``count`` issued invoices (every third one half paid) written directly, fast."""
    begin_write(db.session)
    customer = db.session.get(Customer, customer.id)
    for i in range(start, start + count):
        issued = date(2024 + i % 3, 1 + i % 12, 1 + i % 28)
        doc = Invoice(
            customer=customer,
            currency=customer.currency,
            kind="invoice",
            status="partially_paid" if i % 3 == 0 else "unpaid",
            number=f"B-{i:06d}",
            issue_date=issued,
            due_date=issued,
            subtotal=D("100.00"),
            tax_total=D("0"),
            total=D("100.00"),
            amount_paid=D("50.00") if i % 3 == 0 else D("0"),
        )
        db.session.add(doc)
        if i % 3 == 0:
            doc.payments.append(
                Payment(
                    amount=D("50.00"),
                    currency=customer.currency,
                    paid_at=issued + timedelta(days=i % 40),
                )
            )
    db.session.commit()


def test_query_count_is_the_same_at_10_and_1000_invoices(
    make_customer, staff_client, count_queries
):
    customer = make_customer("Big Oy")
    client, _member = staff_client(["customers.view", "invoices.view", "estimates.view"])
    url = f"/admin/customers/{customer.id}?tab=financials"
    _bulk_invoices(customer, 10, 0)
    client.get(url)  # warm the caches
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _bulk_invoices(customer, 990, 10)
    client.get(url)  # as above (the writes' session is settled first)
    with count_queries() as many:
        html = client.get(url).get_data(as_text=True)
    assert many.count == few.count
    summary = financials.summary(
        customer.id, db.session.scalar(db.select(Staff).filter_by(is_active=True))
    )
    assert summary[0].total.invoiced == D("100000.00")
    assert "100,000.00" in html


def test_view_own_sees_financials_only_of_its_customers(ledger, make_staff, app):
    fin, other = ledger
    own = make_staff(["customers.view_own", "invoices.view_own", "estimates.view_own"])
    begin_write(db.session)
    db.session.get(Customer, other.id).admins.append(db.session.get(Staff, own.id))
    db.session.commit()
    from tests.conftest import PASSWORD

    client = app.test_client()
    client.post("/admin/login", data={"email": own.email, "password": PASSWORD})
    assert client.get(f"/admin/customers/{fin.id}?tab=financials").status_code == 404
    mine = client.get(f"/admin/customers/{other.id}?tab=financials").get_data(as_text=True)
    assert "777.00" in mine
    # sees every customer, but invoices only of its own: no figures of Fin Oy
    mixed = make_staff(["customers.view", "invoices.view_own", "estimates.view_own"])
    assert financials.summary(fin.id, db.session.get(Staff, mixed.id)) == []


def test_who_must_not_see_the_tab(ledger, client, staff_client, make_contact, login_contact):
    fin, _other = ledger
    url = f"/admin/customers/{fin.id}?tab=financials"
    assert client.get(url).status_code == 302  # anonymous
    assert staff_client(["invoices.view"])[0].get(url).status_code == 403
    no_invoices = staff_client(["customers.view"])[0].get(url).get_data(as_text=True)
    assert "You do not have access to invoices." in no_invoices and "1,400.00" not in no_invoices
    contact = make_contact(fin)
    login_contact(contact)
    assert client.get(url).status_code in (302, 403)
