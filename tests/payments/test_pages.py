"""The portal's Payments page and receipt PDFs, the return pages, the navigation link and the
minimum on the settings page - and who must not see them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, Payment
from portal.services.billing import payments as billing_payments
from portal.services.platform import settings
from portal.services.platform.audit import SYSTEM, acting_as
from tests.payments.conftest import contact_login, send_webhook, start_payment


@pytest.fixture
def paid_online(fake_stripe, payer, payer_client, client, write):
    """The payer paid 100.50 online; staff recorded a bank transfer of 20.00 before."""
    write()
    with acting_as(SYSTEM):
        billing_payments.record_payment(
            db.session.get(Invoice, payer.invoice.id), "20.00", "2026-01-02", "Bank transfer"
        )
    db.session.commit()
    assert start_payment(payer_client, payer.invoice.id, "100.50", "attempt-pages-0123456789")
    [session_id] = fake_stripe.sessions
    payload = fake_stripe.event(
        "checkout.session.completed", fake_stripe.completed(session_id, "paid")
    )
    assert send_webhook(client, fake_stripe, payload).status_code == 200
    return payer


def test_the_payments_page_lists_date_invoice_amount_method_receipt(paid_online, payer_client):
    response = payer_client.get("/clients/payments")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    number = db.session.get(Invoice, paid_online.invoice.id).number
    assert body.count(f">{number}</a>") == 2
    assert "100,50" in body and "20,00" in body  # German amounts
    assert "Karte" in body or "Card" in body
    assert "Bank transfer" in body
    assert body.count("/receipt.pdf") == 2
    assert 'aria-current="page"' in body and 'href="/clients/payments"' in body


def test_the_payments_page_runs_a_bounded_number_of_queries(
    paid_online, payer_client, count_queries, write
):
    with count_queries() as few:
        payer_client.get("/clients/payments")
    write()
    with acting_as(SYSTEM):
        for _ in range(5):
            billing_payments.record_payment(
                db.session.get(Invoice, paid_online.invoice.id), "1.00", "2026-01-03", "Cash"
            )
    db.session.commit()
    with count_queries() as more:
        body = payer_client.get("/clients/payments").get_data(as_text=True)
    assert body.count("/receipt.pdf") == 7
    assert more.count == few.count


def test_a_receipt_pdf(paid_online, payer_client):
    online = db.session.scalar(select(Payment).where(Payment.provider == "stripe"))
    path = f"/clients/payments/{online.id}/receipt.pdf"
    assert path in payer_client.get("/clients/payments").get_data(as_text=True)
    response = payer_client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    number = db.session.get(Invoice, paid_online.invoice.id).number
    assert number in text and "100,50" in text


def test_the_return_pages(fake_stripe, payer, payer_client):
    done = payer_client.get(f"/clients/invoices/{payer.invoice.id}/pay/done")
    cancelled = payer_client.get(f"/clients/invoices/{payer.invoice.id}/pay/cancelled")
    assert done.status_code == cancelled.status_code == 200
    assert "<h1>" in done.get_data(as_text=True)
    assert done.get_data(as_text=True) != cancelled.get_data(as_text=True)


def test_receipts_of_another_customer_are_404(paid_online, make_contact, app):
    stranger = contact_login(make_contact())
    ids = [p.id for p in db.session.scalars(db.select(Payment))]
    assert ids
    for pk in ids:
        assert stranger.get(f"/clients/payments/{pk}/receipt.pdf").status_code == 404
    body = stranger.get("/clients/payments").get_data(as_text=True)
    assert "/receipt.pdf" not in body


def test_contacts_without_invoices_do_not_see_payments(paid_online, make_contact):
    colleague = make_contact(paid_online.contact.customer, permissions=["tickets"])
    client = contact_login(colleague)
    assert client.get("/clients/payments").status_code == 403
    assert 'href="/clients/payments"' not in client.get("/clients/").get_data(as_text=True)
    for payment in db.session.scalars(db.select(Payment)):
        assert client.get(f"/clients/payments/{payment.id}/receipt.pdf").status_code == 403


def test_anonymous_and_staff_are_sent_to_the_login(paid_online, client, login_staff):
    for who in ("anonymous", "staff"):
        if who == "staff":
            login_staff()
        for path in ("/clients/payments", "/clients/payments/1/receipt.pdf"):
            response = client.get(path)
            assert response.status_code == 302, (who, path)
            assert response.headers["Location"].startswith("/clients/login")


def test_the_minimum_is_on_the_settings_page(app, client, login_staff):
    login_staff()
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="online_payment_minimum"' in page and 'value="1.00"' in page
    form = {
        "company_name": "Nordlicht",
        "invoice_prefix": "INV-",
        "estimate_prefix": "EST-",
        "default_language": "",
        "online_payment_minimum": "abc",
    }
    refused = client.post("/admin/settings", data=form)
    assert refused.status_code == 422 and 'id="online_payment_minimum-error"' in refused.get_data(
        as_text=True
    )
    form["online_payment_minimum"] = "25,5"
    assert client.post("/admin/settings", data=form).status_code == 302
    db.session.expire_all()
    assert settings.get("online_payment_minimum") == "25.50"
    assert Decimal(settings.get("online_payment_minimum")) == Decimal("25.5")
