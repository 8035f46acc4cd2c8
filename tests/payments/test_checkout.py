"""Paying an invoice in the portal: the real ``stripe`` library opens a Checkout Session at the
local fake Stripe; the amount is checked first, and a double click makes one session."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Invoice, PaymentCheckout
from portal.services.billing import payments as billing_payments
from portal.services.payments import provider as providers
from portal.services.platform import settings
from portal.services.platform.audit import SYSTEM, acting_as
from tests.payments.conftest import contact_login, count, start_payment

ATTEMPT = "attempt-0123456789abcdef"


def _checkouts() -> list[PaymentCheckout]:
    db.session.expire_all()
    return list(db.session.scalars(select(PaymentCheckout).order_by(PaymentCheckout.id)))


def test_the_pay_page_offers_the_amount_due(fake_stripe, payer, payer_client):
    page = payer_client.get(f"/clients/invoices/{payer.invoice.id}")
    assert f'href="/clients/invoices/{payer.invoice.id}/pay"' in page.get_data(as_text=True)
    response = payer_client.get(f"/clients/invoices/{payer.invoice.id}/pay")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'name="amount"' in body and 'value="248.00"' in body
    assert 'name="attempt"' in body


def test_a_session_for_a_partial_amount(fake_stripe, payer, payer_client):
    invoice = payer.invoice
    response = start_payment(payer_client, invoice.id, "100,50", ATTEMPT)
    assert response.status_code == 303
    [session] = fake_stripe.sessions.values()
    assert response.headers["Location"] == session["url"]
    [sent] = fake_stripe.requests
    params = sent["params"]
    # What the stripe library put on the wire: minor units, currency, our metadata.
    assert params["line_items[0][price_data][unit_amount]"] == "10050"
    assert params["line_items[0][price_data][currency]"] == "eur"
    assert params["line_items[0][quantity]"] == "1"
    assert params["mode"] == "payment"
    assert params["metadata[invoice_id]"] == str(invoice.id)
    assert params["metadata[amount]"] == "100.50"
    assert params["metadata[currency]"] == "EUR"
    assert params["metadata[contact_id]"] == str(payer.contact.id)
    assert params["payment_intent_data[metadata][invoice_id]"] == str(invoice.id)
    assert params["payment_method_types[0]"] == "card"
    assert params["payment_method_types[1]"] == "sepa_debit"  # EUR allows SEPA Direct Debit
    assert params["locale"] == "de" and params["customer_email"] == payer.contact.email
    assert params["line_items[0][price_data][product_data][name]"].startswith("Rechnung ")
    assert params["success_url"] == f"http://portal.test/clients/invoices/{invoice.id}/pay/done"
    assert sent["idempotency_key"].startswith("portal-checkout-")
    [row] = _checkouts()
    assert row.amount == Decimal("100.50") and row.session_id == session["id"]
    assert row.contact_id == payer.contact.id and row.status == "open"
    assert row.idempotency_key == sent["idempotency_key"]
    # Nothing is paid yet: the webhook records the payment.
    assert db.session.get(Invoice, invoice.id).status == "unpaid"


def test_card_only_outside_the_euro(fake_stripe, make_customer, make_contact, make_invoice):
    customer = make_customer(currency="USD")
    contact = make_contact(customer)
    invoice = make_invoice(customer, issue=True)
    client = contact_login(contact)
    assert start_payment(client, invoice.id, "10.00", ATTEMPT).status_code == 303
    params = fake_stripe.requests[0]["params"]
    assert params["line_items[0][price_data][currency]"] == "usd"
    assert params["line_items[0][price_data][unit_amount]"] == "1000"
    assert params["payment_method_types[0]"] == "card"
    assert "payment_method_types[1]" not in params
    assert params["locale"] == "en"


def test_double_click_makes_one_session(fake_stripe, payer, payer_client):
    first = start_payment(payer_client, payer.invoice.id, "248.00", ATTEMPT)
    second = start_payment(payer_client, payer.invoice.id, "248.00", ATTEMPT)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(fake_stripe.sessions) == 1 and len(_checkouts()) == 1
    # A new visit of the pay page is a new attempt, so a new session.
    third = start_payment(payer_client, payer.invoice.id, "248.00", ATTEMPT + "x")
    assert third.headers["Location"] != first.headers["Location"]
    assert len(fake_stripe.sessions) == 2 and len(_checkouts()) == 2


def test_the_same_key_at_the_provider_gives_the_same_session(fake_stripe, payer, app):
    """Two requests that race past our table send the same Idempotency-Key; Stripe (here the
    fake, as Stripe does) answers both with the first session."""
    provider = providers.configured()
    assert provider is not None
    request = providers.CheckoutRequest(
        amount_minor=24800,
        currency="EUR",
        description="Invoice",
        locale="en",
        customer_email=None,
        success_url="http://portal.test/ok",
        cancel_url="http://portal.test/cancel",
        metadata={"invoice_id": str(payer.invoice.id)},
    )
    one = provider.create_checkout(request, "portal-checkout-same")
    two = provider.create_checkout(request, "portal-checkout-same")
    assert one == two
    assert len(fake_stripe.requests) == 2 and len(fake_stripe.sessions) == 1


def test_an_amount_over_the_amount_due_is_refused_in_the_payers_language(
    fake_stripe, payer, payer_client
):
    response = start_payment(payer_client, payer.invoice.id, "248.01", ATTEMPT)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Der Betrag ist höher als der offene Betrag." in body
    assert 'id="amount-error"' in body and 'aria-invalid="true"' in body
    assert fake_stripe.requests == [] and count(PaymentCheckout) == 0


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1.001", "", "1e1000000"])
def test_bad_amounts_are_refused(fake_stripe, payer, payer_client, amount):
    response = start_payment(payer_client, payer.invoice.id, amount, ATTEMPT)
    assert response.status_code == 422
    assert 'id="amount-error"' in response.get_data(as_text=True)
    assert fake_stripe.requests == [] and count(PaymentCheckout) == 0


def test_the_minimum_part_from_the_settings(fake_stripe, payer, payer_client, write):
    write()
    settings.set_many({"online_payment_minimum": "50.00"})
    db.session.commit()
    response = start_payment(payer_client, payer.invoice.id, "49.99", ATTEMPT)
    assert response.status_code == 422
    assert "50,00" in response.get_data(as_text=True)  # the minimum, in German
    assert fake_stripe.requests == []
    assert start_payment(payer_client, payer.invoice.id, "50", ATTEMPT).status_code == 303
    # When less than the minimum is due, the whole rest may be paid.
    write()
    with acting_as(SYSTEM):
        billing_payments.record_payment(
            db.session.get(Invoice, payer.invoice.id), "220.00", "2026-01-02"
        )
    db.session.commit()
    assert start_payment(payer_client, payer.invoice.id, "20", ATTEMPT).status_code == 422
    assert start_payment(payer_client, payer.invoice.id, "28.00", ATTEMPT).status_code == 303


def test_an_unreachable_provider_writes_nothing(fake_stripe, payer, payer_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "http://127.0.0.1:9")
    monkeypatch.setitem(app.config, "STRIPE_TIMEOUT", 2)
    response = start_payment(payer_client, payer.invoice.id, "248.00", ATTEMPT)
    assert response.status_code == 503
    assert count(PaymentCheckout) == 0


def test_without_a_key_there_is_no_pay_button(app, payer, payer_client):
    assert not app.config["STRIPE_SECRET_KEY"]
    page = payer_client.get(f"/clients/invoices/{payer.invoice.id}").get_data(as_text=True)
    assert f"/clients/invoices/{payer.invoice.id}/pay" not in page
    assert payer_client.get(f"/clients/invoices/{payer.invoice.id}/pay").status_code == 404
    assert start_payment(payer_client, payer.invoice.id, "1", ATTEMPT).status_code == 404


def test_paid_and_draft_invoices_cannot_be_paid(
    fake_stripe, payer, payer_client, make_invoice, write
):
    draft = make_invoice(payer.contact.customer)
    assert payer_client.get(f"/clients/invoices/{draft.id}/pay").status_code == 404
    write()
    with acting_as(SYSTEM):
        billing_payments.record_payment(
            db.session.get(Invoice, payer.invoice.id), "248.00", "2026-01-02"
        )
    db.session.commit()
    page = payer_client.get(f"/clients/invoices/{payer.invoice.id}").get_data(as_text=True)
    assert f"/clients/invoices/{payer.invoice.id}/pay" not in page
    response = payer_client.get(f"/clients/invoices/{payer.invoice.id}/pay")
    assert response.status_code == 302
    assert start_payment(payer_client, payer.invoice.id, "1", ATTEMPT).status_code == 302
    assert fake_stripe.requests == []


# -- who must not pay -------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login(fake_stripe, payer, client):
    for response in (
        client.get(f"/clients/invoices/{payer.invoice.id}/pay"),
        start_payment(client, payer.invoice.id, "248.00", ATTEMPT),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/clients/login")
    assert fake_stripe.requests == []


def test_another_customers_contact_gets_404(fake_stripe, payer, make_contact):
    stranger = contact_login(make_contact())
    assert stranger.get(f"/clients/invoices/{payer.invoice.id}/pay").status_code == 404
    response = start_payment(stranger, payer.invoice.id, "248.00", ATTEMPT)
    assert response.status_code == 404
    assert fake_stripe.requests == [] and count(PaymentCheckout) == 0


def test_a_contact_without_invoices_gets_403(fake_stripe, payer, make_contact):
    colleague = make_contact(payer.contact.customer, permissions=["estimates", "tickets"])
    client = contact_login(colleague)
    assert client.get(f"/clients/invoices/{payer.invoice.id}/pay").status_code == 403
    assert start_payment(client, payer.invoice.id, "248.00", ATTEMPT).status_code == 403
    assert fake_stripe.requests == []


def test_staff_cannot_pay(fake_stripe, payer, client, login_staff):
    login_staff()
    response = start_payment(client, payer.invoice.id, "248.00", ATTEMPT)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/clients/login")
    assert fake_stripe.requests == []


def test_staff_viewing_as_the_contact_cannot_pay(fake_stripe, payer, client, login_staff):
    login_staff()
    assert client.post(f"/admin/contacts/{payer.contact.id}/view-as").status_code == 302
    page = client.get(f"/clients/invoices/{payer.invoice.id}").get_data(as_text=True)
    assert 'class="view-as-banner"' in page
    assert f"/clients/invoices/{payer.invoice.id}/pay" not in page
    assert start_payment(client, payer.invoice.id, "248.00", ATTEMPT).status_code == 403
    assert fake_stripe.requests == []
