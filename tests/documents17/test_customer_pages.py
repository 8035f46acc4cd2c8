"""Issue 17 on the customer pages: the welcome email option on the full "New customer" form and
in quick create, quick create reachable from the top bar, and status filters on the card's
Invoices and Tickets tabs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Contact, Customer, Invoice, OutboxEmail, Ticket
from portal.models.database import begin_write
from tests.documents17.conftest import ALL_BILLING, assign

NEW = {"currency": "EUR", "language": "", "tax_class_id": "", "company_name": "Welcome Oy"}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _welcomes() -> list[str]:
    stmt = select(OutboxEmail.recipient).where(OutboxEmail.template == "welcome")
    return list(db.session.scalars(stmt))


@pytest.fixture
def eur(make_currency):
    return make_currency("EUR", "€", 2, True)


def test_full_form_creates_the_contact_and_sends_the_welcome(eur, staff_client):
    client, _ = staff_client()
    form = client.get("/admin/customers/new").get_data(as_text=True)
    assert 'name="send_welcome"' in form and 'name="contact_email"' in form
    data = {
        **NEW,
        "contact_first_name": "Wilma",
        "contact_last_name": "Welcome",
        "contact_email": "wilma@welcome.example",
        "send_welcome": "y",
    }
    response = client.post("/admin/customers/new", data=data, follow_redirects=True)
    assert "A welcome email is on its way to wilma@welcome.example." in response.get_data(True)
    contact = db.session.scalar(select(Contact))
    assert contact.is_primary and contact.customer.company_name == "Welcome Oy"
    assert _welcomes() == ["wilma@welcome.example"]


def test_full_form_without_the_option_sends_nothing(eur, staff_client):
    client, _ = staff_client()
    data = {**NEW, "contact_first_name": "N", "contact_last_name": "O", "contact_email": "n@o.fi"}
    assert client.post("/admin/customers/new", data=data).status_code == 302
    assert _count(Contact) == 1 and _welcomes() == []


def test_welcome_needs_an_email_and_nothing_is_written(eur, staff_client):
    client, _ = staff_client()
    response = client.post("/admin/customers/new", data={**NEW, "send_welcome": "y"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="contact_email-error"' in html
    assert "Give the contact&#39;s email to send a welcome email." in html
    assert _count(Customer) == 0 and _welcomes() == []


def test_quick_create_with_welcome_from_the_top_bar(eur, staff_client):
    client, _ = staff_client()
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/customers/quick"' in dashboard  # the top bar's link
    page = client.get("/admin/customers/quick")
    assert page.status_code == 200 and 'name="send_welcome"' in page.get_data(as_text=True)
    data = {"company_name": "Quick Oy", "first_name": "Q", "last_name": "Uick"}
    data |= {"email": "q@quick.example", "send_welcome": "y"}
    response = client.post("/admin/customers/quick", data=data, follow_redirects=True)
    assert "A welcome email is on its way to q@quick.example." in response.get_data(True)
    assert _welcomes() == ["q@quick.example"]
    client.post("/admin/customers/quick", data={"company_name": "Mute Oy", "send_welcome": "y"})
    assert _count(Customer) == 1  # refused: no email to welcome


def test_quick_create_who_must_not(eur, client, staff_client):
    assert client.get("/admin/customers/quick").status_code == 302  # anonymous
    viewer, _ = staff_client(["customers.view"])
    assert viewer.get("/admin/customers/quick").status_code == 403
    assert "/admin/customers/quick" not in viewer.get("/admin/").get_data(as_text=True)


@pytest.fixture
def card(make_customer, make_invoice, make_contact, write):
    customer = make_customer("Card Oy")
    paid = make_invoice(customer, issue=True)
    overdue = make_invoice(customer, issue=True)
    draft = make_invoice(customer)
    contact = make_contact(customer)
    write()
    db.session.get(Invoice, paid.id).status = "paid"
    db.session.get(Invoice, paid.id).amount_paid = db.session.get(Invoice, paid.id).total
    db.session.get(Invoice, overdue.id).due_date = date.today() - timedelta(days=5)
    for subject, status in (("Printer jam", "open"), ("Old question", "closed")):
        db.session.add(
            Ticket(customer_id=customer.id, contact_id=contact.id, subject=subject, status=status)
        )
    db.session.commit()
    return {"customer": customer, "paid": paid, "overdue": overdue, "draft": draft}


def test_card_invoice_tab_status_filter(card, staff_client):
    client, _ = staff_client(["customers.view", "invoices.view", "tickets.view"])
    base = f"/admin/customers/{card['customer'].id}?tab=invoices"

    def shown(status: str) -> str:
        response = client.get(f"{base}&status={status}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    page = shown("overdue")
    assert card["overdue"].number in page and card["paid"].number not in page
    assert '<option value="overdue" selected>' in page
    page = shown("paid")
    assert card["paid"].number in page and card["overdue"].number not in page
    assert "No invoices match." in shown("credited")
    every = shown("")
    assert card["paid"].number in every and card["overdue"].number in every
    assert shown("nonsense").count(card["paid"].number) == every.count(card["paid"].number)


def test_card_ticket_tab_status_filter(card, staff_client):
    client, _ = staff_client(["customers.view", "tickets.view"])
    base = f"/admin/customers/{card['customer'].id}?tab=tickets"
    page = client.get(f"{base}&status=open").get_data(as_text=True)
    assert "Printer jam" in page and "Old question" not in page
    page = client.get(f"{base}&status=closed").get_data(as_text=True)
    assert "Old question" in page and "Printer jam" not in page
    assert "No tickets match." in client.get(f"{base}&status=on_hold").get_data(as_text=True)


def test_card_filters_who_must_not(card, make_customer, staff_client, own_client):
    no_invoices, _ = staff_client(["customers.view"])
    page = no_invoices.get(f"/admin/customers/{card['customer'].id}?tab=invoices&status=paid")
    assert card["paid"].number not in page.get_data(as_text=True)
    own, member = own_client()
    assign(member, make_customer("Mine Oy"))
    path = f"/admin/customers/{card['customer'].id}?tab=invoices&status=paid"
    assert own.get(path).status_code == 404
    begin_write(db.session)
    assert ALL_BILLING
