"""Dashboard, lists, profile, company profile and the language switcher: the figures, the
permissions, Babel formatting in the contact's locale, bounded query counts, audited changes,
and bad input shown next to the field with nothing written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.extensions import db
from portal.models import AuditLog, Contact, Customer, Invoice
from portal.models.database import begin_write


def _overdue(invoice: Invoice) -> None:
    begin_write(db.session)
    row = db.session.get(Invoice, invoice.id)
    row.due_date = date.today() - timedelta(days=3)
    db.session.commit()


def test_dashboard_balance_due_and_overdue_per_currency(
    make_customer, make_contact, make_invoice, make_estimate, contact_client, make_ticket
):
    customer = make_customer()
    contact = make_contact(customer)
    make_invoice(customer, issue=True)  # 248.00 due, not overdue
    _overdue(make_invoice(customer, issue=True))
    make_invoice(customer)  # a draft: never counted
    make_estimate(customer, send=True)
    make_ticket(customer, contact, subject="Need help")
    make_ticket(customer, contact, subject="Old question", status="closed")
    body = contact_client(contact).get("/clients/").get_data(as_text=True)
    assert "€496.00" in body  # due
    assert "€248.00" in body  # overdue
    assert "Need help" in body and "Old question" not in body
    assert 'href="/clients/estimates/' in body


def test_dashboard_in_german_formats_money_and_dates_with_babel(
    make_customer, make_contact, make_invoice, contact_client
):
    customer = make_customer()
    contact = make_contact(customer, language="de")
    make_invoice(customer, issue=True, lines=[("Beratung", "10", "123.40", "19")])
    client = contact_client(contact)
    body = client.get("/clients/").get_data(as_text=True)
    assert 'lang="de"' in body
    assert "1.468,46\xa0€" in body
    assert "Offene Angebote" in body and "Abmelden" in body
    listing = client.get("/clients/invoices").get_data(as_text=True)
    today = date.today()
    from babel.dates import format_date

    assert format_date(today, "medium", locale="de") in listing


def test_dashboard_shows_only_permitted_areas(
    make_customer, make_contact, make_invoice, contact_client
):
    customer = make_customer()
    make_contact(customer)
    make_invoice(customer, issue=True)
    tickets_only = make_contact(customer, permissions=["tickets"])
    body = contact_client(tickets_only).get("/clients/").get_data(as_text=True)
    assert "€248.00" not in body and "Balance due" not in body
    assert "Open estimates" not in body and "Open tickets" in body


@pytest.mark.parametrize(
    "path",
    [
        "/clients/",
        "/clients/invoices",
        "/clients/estimates",
        "/clients/tickets",
        "/clients/contacts",
    ],
)
def test_query_count_does_not_grow_with_rows(
    path,
    make_customer,
    make_contact,
    make_invoice,
    make_estimate,
    make_ticket,
    contact_client,
    count_queries,
):
    customer = make_customer()
    contact = make_contact(customer)
    client = contact_client(contact)

    def add_rows() -> None:
        make_invoice(customer, issue=True)
        make_estimate(customer, send=True)
        make_ticket(customer, contact)
        make_contact(customer)

    add_rows()
    with count_queries() as few:
        assert client.get(path).status_code == 200
    for _ in range(6):
        add_rows()
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count, many.statements


def test_profile_update_is_audited(make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    response = client.post(
        "/clients/profile",
        data={
            "profile-first_name": "Maija",
            "profile-last_name": "Meikäläinen",
            "profile-phone": "+358 40 1",
            "profile-language": "fi",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contact, contact.id)
    assert (saved.first_name, saved.language) == ("Maija", "fi")
    log = db.session.scalars(
        db.select(AuditLog).where(AuditLog.entity_type == "Contact", AuditLog.action == "update")
    ).all()[-1]
    assert log.actor == f"contact:{contact.id}" and log.changes["first_name"][1] == "Maija"
    assert 'lang="fi"' in client.get("/clients/profile").get_data(as_text=True)


def test_profile_bad_input_writes_nothing(make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    response = client.post(
        "/clients/profile",
        data={"profile-first_name": "", "profile-last_name": "X", "profile-language": "xx"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'id="profile-first_name-error"' in body and 'id="profile-language-error"' in body
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).first_name == "Test"


def test_company_profile_is_audited_and_validated(make_contact, contact_client):
    primary = make_contact()
    client = contact_client(primary)
    bad = client.post(
        "/clients/company", data={"company_name": "Renamed Oy", "billing_country": "XX"}
    )
    assert bad.status_code == 422
    assert 'id="billing_country-error"' in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, primary.customer_id).company_name != "Renamed Oy"
    ok = client.post(
        "/clients/company",
        data={
            "company_name": "Renamed Oy",
            "vat_number": "fi 2077 4740",
            "billing_city": "Oulu",
            "billing_country": "fi",
        },
    )
    assert ok.status_code == 302
    db.session.expire_all()
    customer = db.session.get(Customer, primary.customer_id)
    assert (customer.company_name, customer.vat_number, customer.billing_country) == (
        "Renamed Oy",
        "FI20774740",
        "FI",
    )
    log = db.session.scalars(
        db.select(AuditLog).where(AuditLog.entity_type == "Customer", AuditLog.action == "update")
    ).all()[-1]
    assert log.actor == f"contact:{primary.id}" and "company_name" in log.changes


def test_language_switcher_stores_the_contacts_choice(make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    page = client.get("/clients/invoices").get_data(as_text=True)
    assert 'name="language"' in page and 'action="/clients/language"' in page
    response = client.post(
        "/clients/language", data={"language": "de", "next": "/clients/invoices"}
    )
    assert response.headers["Location"] == "/clients/invoices"
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).language == "de"
    assert 'lang="de"' in client.get("/clients/invoices").get_data(as_text=True)
    # Never redirects off the portal.
    away = client.post("/clients/language", data={"language": "fi", "next": "https://evil.example"})
    assert away.headers["Location"] == "/clients/"


def test_language_switcher_before_sign_in_uses_the_session(client):
    client.post("/clients/language", data={"language": "nb", "next": "/clients/login"})
    body = client.get("/clients/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert 'lang="nb"' in body
    assert client.post("/clients/language", data={"language": "xx"}).status_code == 400


def test_company_logo_and_name_from_settings(client, write, tmp_path):
    import io

    from PIL import Image

    from portal.services.platform import company

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, "PNG")
    write()
    company.save(
        {"company_name": "Acme Services", "invoice_prefix": "INV-", "estimate_prefix": "EST-"},
        ("logo.png", buffer.getvalue()),
        False,
    )
    db.session.commit()
    body = client.get("/clients/login").get_data(as_text=True)
    assert "Acme Services" in body and 'src="/clients/logo"' in body
    logo = client.get("/clients/logo")
    assert logo.status_code == 200 and logo.mimetype == "image/png"
