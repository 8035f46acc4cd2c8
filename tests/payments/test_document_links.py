"""Paying from a document link (``/d/<token>``) without signing in: the Pay form on the link's
page, a checkout for the link's recipient, the return addresses, and a link that no longer
works pays nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import DocumentLink, Invoice, PaymentCheckout
from portal.models.base import utcnow
from portal.models.database import begin_write
from portal.services.billing import document_links
from portal.services.platform.audit import SYSTEM, acting_as
from tests.payments.conftest import count, payments_of, receipts_sent, send_webhook

ATTEMPT = "attempt-link-0123456789ab"


def _link(app, document, contact) -> str:
    begin_write(db.session)
    with acting_as(SYSTEM):
        link = document_links.create_link(db.session.merge(document), db.session.merge(contact))
        url = document_links.link_url(link)
        db.session.commit()
    return url.removeprefix(app.config["BASE_URL"])


@pytest.fixture
def link_path(app, payer) -> str:
    return _link(app, payer.invoice, payer.contact)


def test_the_link_page_offers_to_pay(fake_stripe, client, link_path):
    body = client.get(link_path).get_data(as_text=True)
    assert f'action="{link_path}/pay"' in body
    assert 'name="amount"' in body and 'value="248.00"' in body and 'name="attempt"' in body
    assert '<html lang="de">' in body


def test_no_pay_form_without_stripe_or_for_estimates(app, client, payer, make_estimate):
    path = _link(app, payer.invoice, payer.contact)
    assert "/pay" not in client.get(path).get_data(as_text=True)
    assert client.post(f"{path}/pay", data={"amount": "1"}).status_code == 404
    estimate_path = _link(app, make_estimate(payer.contact.customer, send=True), payer.contact)
    assert client.post(f"{estimate_path}/pay", data={"amount": "1"}).status_code == 404


def test_paying_through_the_link(fake_stripe, client, payer, link_path):
    response = client.post(f"{link_path}/pay", data={"amount": "48.00", "attempt": ATTEMPT})
    assert response.status_code == 303
    [session] = fake_stripe.sessions.values()
    assert response.headers["Location"] == session["url"]
    params = fake_stripe.requests[0]["params"]
    assert params["metadata[contact_id]"] == str(payer.contact.id)
    assert params["line_items[0][price_data][unit_amount]"] == "4800"
    assert params["success_url"] == f"http://portal.test{link_path}/pay/done"
    assert params["cancel_url"] == f"http://portal.test{link_path}/pay/cancelled"
    # A double click is the same session.
    again = client.post(f"{link_path}/pay", data={"amount": "48.00", "attempt": ATTEMPT})
    assert again.headers["Location"] == session["url"] and count(PaymentCheckout) == 1
    # Stripe confirms; the visitor comes back to the link page, which shows the payment.
    payload = fake_stripe.event(
        "checkout.session.completed", fake_stripe.completed(session["id"], "paid")
    )
    assert send_webhook(client, fake_stripe, payload).status_code == 200
    back = client.get(f"{link_path}/pay/done", follow_redirects=True)
    body = back.get_data(as_text=True)
    assert back.request.path == link_path
    assert "flash-success" in body and "200,00" in body  # 248.00 - 48.00 still due, in German
    [payment] = payments_of(payer.invoice.id)
    assert payment.amount == Decimal("48.00")
    assert [r.recipient for r in receipts_sent()] == [payer.contact.email]


def test_paying_the_rest_shows_paid(fake_stripe, client, payer, link_path):
    client.post(f"{link_path}/pay", data={"amount": "248.00", "attempt": ATTEMPT})
    [session_id] = fake_stripe.sessions
    payload = fake_stripe.event(
        "checkout.session.completed", fake_stripe.completed(session_id, "paid")
    )
    send_webhook(client, fake_stripe, payload)
    body = client.get(link_path).get_data(as_text=True)
    assert "status-paid" in body and "Bezahlt" in body
    assert f'action="{link_path}/pay"' not in body
    assert db.session.get(Invoice, payer.invoice.id).status == "paid"


def test_an_amount_over_due_is_refused_on_the_link_page(fake_stripe, client, link_path):
    response = client.post(f"{link_path}/pay", data={"amount": "300", "attempt": ATTEMPT})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Der Betrag ist höher als der offene Betrag." in body and 'id="amount-error"' in body
    assert fake_stripe.requests == [] and count(PaymentCheckout) == 0


def test_an_expired_or_changed_link_pays_nothing(fake_stripe, client, link_path):
    changed = link_path[:-1] + ("A" if link_path[-1] != "A" else "B")
    response = client.post(f"{changed}/pay", data={"amount": "248.00", "attempt": ATTEMPT})
    assert response.status_code == 410
    db.session.execute(
        update(DocumentLink).values(expires_at=utcnow().replace(year=utcnow().year - 1))
    )
    db.session.commit()
    response = client.post(f"{link_path}/pay", data={"amount": "248.00", "attempt": ATTEMPT})
    assert response.status_code == 410
    assert fake_stripe.requests == []
    assert db.session.scalar(select(PaymentCheckout)) is None
