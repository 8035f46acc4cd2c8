"""Portal billing pages: the invoice detail with taxes, totals and payments, credit notes in
the list, PDFs in the contact's language with ETags, estimates accepted by typing one's name or
declined with a reason (staff notified by email), refused when expired, answered or viewed as
the contact, and the statement of account."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer, Estimate, Invoice, OutboxEmail
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import payments
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD


@pytest.fixture(autouse=True)
def _pdf_cache(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))
    return tmp_path


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def pay(invoice: Invoice, amount: str, reference: str = "RF-1") -> None:
    begin_write(db.session)
    with acting_as(SYSTEM):
        payments.record_payment(
            db.session.get(Invoice, invoice.id), amount, date.today(), "Bank", reference
        )
        db.session.commit()


def test_invoice_detail_shows_lines_taxes_totals_payments_and_status(
    make_customer, make_contact, make_invoice, contact_client
):
    customer = make_customer()
    contact = make_contact(customer)
    invoice = make_invoice(
        customer,
        issue=True,
        lines=[("Consulting", "10", "100.00", "24"), ("Books", "2", "10.00", "10")],
    )
    pay(invoice, "500.00", reference="RF18 5000")
    body = contact_client(contact).get(f"/clients/invoices/{invoice.id}").get_data(as_text=True)
    assert "Consulting" in body and "Books" in body
    assert "Tax 24% on €1,000.00" in body and "Tax 10% on €20.00" in body
    assert "€1,262.00" in body  # 1020 + 240 + 2
    assert "RF18 5000" in body and "€500.00" in body and "€762.00" in body
    assert "Partially paid" in body
    assert f'href="/clients/invoices/{invoice.id}/pdf"' in body


def test_credit_notes_are_marked_in_the_list(
    make_customer, make_contact, make_invoice, contact_client
):
    customer = make_customer()
    contact = make_contact(customer)
    invoice = make_invoice(customer, issue=True)
    begin_write(db.session)
    with acting_as(SYSTEM):
        note = billing.create_credit_note(db.session.get(Invoice, invoice.id))
        billing.issue_invoice(note)
        db.session.commit()
    client = contact_client(contact)
    listing = client.get("/clients/invoices").get_data(as_text=True)
    row = re.search(r"CN-000001</a>(.*?)</td>", listing).group(1)
    assert "Credit note" in row
    detail = client.get(f"/clients/invoices/{note.id}").get_data(as_text=True)
    assert "Credit note CN-000001" in detail and invoice.number in detail


def test_pdfs_download_in_the_contacts_language_with_etag(
    make_customer, make_contact, make_invoice, make_estimate, contact_client
):
    customer = make_customer()
    contact = make_contact(customer, language="de")
    invoice = make_invoice(customer, issue=True)
    estimate = make_estimate(customer, send=True)
    client = contact_client(contact)
    for path, number, word in (
        (f"/clients/invoices/{invoice.id}/pdf", invoice.number, "Rechnung"),
        (f"/clients/estimates/{estimate.id}/pdf", estimate.number, "Angebot"),
    ):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        disposition = f"attachment; filename={word}-{number}.pdf"  # named in its language
        assert response.headers["Content-Disposition"] == disposition
        text = text_of(response.data)
        assert number in text and word in text
        cached = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
        assert cached.status_code == 304 and not cached.data


def test_drafts_have_no_pdf_in_the_portal(
    make_customer, make_contact, make_invoice, make_estimate, contact_client
):
    customer = make_customer()
    client = contact_client(make_contact(customer))
    assert client.get(f"/clients/invoices/{make_invoice(customer).id}/pdf").status_code == 404
    assert client.get(f"/clients/estimates/{make_estimate(customer).id}/pdf").status_code == 404


@pytest.fixture
def sent(make_customer, make_contact, make_estimate, make_staff):
    customer = make_customer("Virtanen Oy")
    contact = make_contact(customer, first_name="Aino", last_name="Virtanen")
    estimate = make_estimate(customer, send=True)
    everyone = make_staff(["estimates.view"], email="sales@example.com", language="fi")
    make_staff(["estimates.view_own"], email="own@example.com")
    make_staff(["invoices.view"], email="books@example.com")
    return {"customer": customer, "contact": contact, "estimate": estimate, "staff": everyone}


def staff_emails() -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "estimate_response_staff")
        )
    )


def test_accepting_records_the_name_and_notifies_staff(sent, contact_client):
    client = contact_client(sent["contact"])
    estimate = sent["estimate"]
    page = client.get(f"/clients/estimates/{estimate.id}").get_data(as_text=True)
    assert f'action="/clients/estimates/{estimate.id}/accept"' in page and 'name="name"' in page
    assert f'action="/clients/estimates/{estimate.id}/decline"' in page and 'name="reason"' in page
    response = client.post(f"/clients/estimates/{estimate.id}/accept", data={"name": "A. V."})
    assert response.status_code == 302
    estimate = reload(estimate)
    assert estimate.status == "accepted" and estimate.accepted_by_name == "A. V."
    emails = staff_emails()
    assert [e.recipient for e in emails] == ["sales@example.com"]  # estimates.view, no admins
    assert emails[0].language == "fi" and estimate.number in emails[0].subject
    assert f"/admin/estimates/{estimate.id}" in emails[0].body_text
    page = client.get(f"/clients/estimates/{estimate.id}").get_data(as_text=True)
    assert "Accepted by A. V." in page and "/accept" not in page
    # Answered once: a second answer is refused and nothing changes.
    again = client.post(f"/clients/estimates/{estimate.id}/decline", data={"reason": "No"})
    assert again.status_code == 409
    assert "This estimate can no longer be accepted or declined." in again.get_data(as_text=True)
    assert reload(estimate).status == "accepted" and len(staff_emails()) == 1


def test_declining_needs_a_reason_and_goes_to_the_customer_admins(sent, contact_client, write):
    from portal.models import Staff

    write()
    admin = db.session.scalar(select(Staff).where(Staff.email == "own@example.com"))
    db.session.get(Customer, sent["customer"].id).admins.append(admin)
    db.session.commit()
    client = contact_client(sent["contact"])
    estimate = sent["estimate"]
    empty = client.post(f"/clients/estimates/{estimate.id}/decline", data={"reason": "  "})
    assert empty.status_code == 422
    assert re.search(
        r'id="reason-error">Tell us why you decline the estimate.<', empty.get_data(as_text=True)
    )
    assert reload(estimate).status == "sent" and not staff_emails()
    response = client.post(
        f"/clients/estimates/{estimate.id}/decline", data={"reason": "Too expensive for us"}
    )
    assert response.status_code == 302
    estimate = reload(estimate)
    assert estimate.status == "declined" and estimate.decline_reason == "Too expensive for us"
    emails = staff_emails()
    assert [e.recipient for e in emails] == ["own@example.com"]
    assert "Too expensive for us" in emails[0].body_text


def test_accepting_needs_a_name(sent, contact_client):
    client = contact_client(sent["contact"])
    response = client.post(f"/clients/estimates/{sent['estimate'].id}/accept", data={"name": ""})
    assert response.status_code == 422
    assert re.search(
        r'id="name-error">Type your name to accept the estimate.<', response.get_data(as_text=True)
    )
    assert reload(sent["estimate"]).status == "sent" and not staff_emails()


def test_an_expired_estimate_cannot_be_answered(sent, contact_client, write):
    write()
    db.session.get(Estimate, sent["estimate"].id).expiry_date = date.today() - timedelta(days=1)
    db.session.commit()
    client = contact_client(sent["contact"])
    page = client.get(f"/clients/estimates/{sent['estimate'].id}").get_data(as_text=True)
    assert "This estimate has expired." in page and "/accept" not in page
    response = client.post(
        f"/clients/estimates/{sent['estimate'].id}/accept", data={"name": "Aino"}
    )
    assert response.status_code == 409
    assert reload(sent["estimate"]).status == "sent" and not staff_emails()


def test_contacts_without_the_estimates_permission_and_view_as_cannot_answer(
    sent, make_contact, contact_client, app, make_staff
):
    limited = make_contact(sent["customer"], permissions=["invoices"])
    client = contact_client(limited)
    estimate = sent["estimate"]
    assert (
        client.post(f"/clients/estimates/{estimate.id}/accept", data={"name": "X"}).status_code
        == 403
    )
    member = make_staff(["customers.view", "customers.edit"])
    staff = app.test_client()
    staff.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert staff.post(f"/admin/contacts/{sent['contact'].id}/view-as").status_code == 302
    page = staff.get(f"/clients/estimates/{estimate.id}").get_data(as_text=True)
    assert "view-as-banner" in page and "/accept" not in page
    assert (
        staff.post(f"/clients/estimates/{estimate.id}/accept", data={"name": "X"}).status_code
        == 403
    )
    assert reload(estimate).status == "sent" and not staff_emails()


def test_anonymous_visitors_are_sent_to_the_login(client, sent):
    for path in (f"/clients/estimates/{sent['estimate'].id}/pdf", "/clients/statement"):
        assert "/clients/login" in client.get(path).location
    response = client.post(f"/clients/estimates/{sent['estimate'].id}/accept", data={"name": "X"})
    assert "/clients/login" in response.location
    assert reload(sent["estimate"]).status == "sent"


def test_statement_page_and_pdf(make_customer, make_contact, make_invoice, contact_client, write):
    customer = make_customer()
    contact = make_contact(customer)
    invoice = make_invoice(customer, issue=True)
    other = make_invoice(make_customer("Someone Else Oy"), issue=True)
    pay(invoice, "48.00", reference="RF-48")
    client = contact_client(contact)
    today = date.today()
    page = client.get(f"/clients/statement?start={today.year}-01-01&end={today.isoformat()}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Invoice {invoice.number}" in body and other.number not in body
    assert "RF-48" in body and "€200.00" in body  # closing balance: 248 - 48
    response = client.get(f"/clients/statement/pdf?start={today.year}-01-01&end={today}")
    assert response.mimetype == "application/pdf" and invoice.number in text_of(response.data)
    bad = client.get("/clients/statement?start=yesterday")
    assert bad.status_code == 400
    assert 'id="start-error">Enter a date such as 2024-12-31.<' in bad.get_data(as_text=True)
    assert client.get("/clients/statement/pdf?start=2030-01-01&end=2020-01-01").status_code == 400
    limited = contact_client(make_contact(customer, permissions=["tickets"]))
    assert limited.get("/clients/statement").status_code == 403


def test_payments_shown_in_the_contacts_locale(
    make_customer, make_contact, make_invoice, contact_client
):
    customer = make_customer()
    contact = make_contact(customer, language="de")
    invoice = make_invoice(customer, issue=True, lines=[("Beratung", "1", "1000", "19")])
    pay(invoice, "1190")
    body = contact_client(contact).get(f"/clients/invoices/{invoice.id}").get_data(as_text=True)
    assert "1.190,00\xa0€" in body and "Bezahlt" in body
    assert reload(invoice).amount_due == Decimal("0")
