"""Stripe's signed webhook (``/payments/stripe/webhook``), verified by the real ``stripe``
library: a payment is recorded exactly once however often and however concurrently it is
delivered, a bad signature writes nothing, a refund is a negative payment."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import (
    AuditLog,
    Invoice,
    OutboxEmail,
    PaymentCheckout,
    Webhook,
    WebhookDelivery,
)
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import payments as billing_payments
from portal.services.errors import ValidationError
from portal.services.platform.audit import SYSTEM, acting_as
from tests.payments.conftest import (
    WEBHOOK_PATH,
    count,
    payments_of,
    receipts_sent,
    send_webhook,
    start_payment,
)

ATTEMPT = "attempt-webhook-0123456789"


@pytest.fixture
def session_id(fake_stripe, payer, payer_client) -> str:
    """A checkout session for 100.50 of the payer's 248.00 EUR invoice."""
    response = start_payment(payer_client, payer.invoice.id, "100.50", ATTEMPT)
    assert response.status_code == 303
    [found] = fake_stripe.sessions
    return found


def _completed(fake, session_id: str, status: str = "paid") -> bytes:
    return fake.event("checkout.session.completed", fake.completed(session_id, status))


def _subscribe_payment_created() -> None:
    begin_write(db.session)
    with acting_as(SYSTEM):
        db.session.add(
            Webhook(url="https://erp.example.com/h", events=["payment.created"], secret="s" * 32)
        )
    db.session.commit()


def test_a_signed_payment_is_recorded_with_receipt_and_our_webhook(
    fake_stripe, payer, client, session_id
):
    _subscribe_payment_created()
    response = send_webhook(client, fake_stripe, _completed(fake_stripe, session_id))
    assert response.status_code == 200 and response.get_json()["outcome"] == "recorded"
    [payment] = payments_of(payer.invoice.id)
    session = fake_stripe.sessions[session_id]
    assert payment.amount == Decimal("100.50") and payment.method == "card"
    assert payment.provider == "stripe" and payment.provider_reference == session["payment_intent"]
    assert payment.reference == session["payment_intent"]
    invoice = db.session.get(Invoice, payer.invoice.id)
    assert invoice.status == "partially_paid" and invoice.amount_due == Decimal("147.50")
    checkout = db.session.scalar(select(PaymentCheckout))
    assert checkout.status == "paid" and checkout.payment_id == payment.id
    # The receipt, in the payer's language (German), with the receipt PDF attached.
    [receipt] = receipts_sent()
    assert receipt.recipient == payer.contact.email and receipt.language == "de"
    assert "100,50" in receipt.body_text and invoice.number in receipt.subject
    assert receipt.attachments == [
        {"kind": "payment_receipt_pdf", "id": payment.id, "locale": "de"}
    ]
    # Our own payment.created webhook, in the same transaction.
    [delivery] = db.session.scalars(select(WebhookDelivery)).all()
    assert delivery.event == "payment.created"
    data = json.loads(delivery.payload)["data"]
    assert data["id"] == payment.id and data["amount"] == "100.50"
    assert data["invoice_status"] == "partially_paid" and data["amount_due"] == "147.50"
    # Audited like any payment.
    assert db.session.scalar(
        select(AuditLog).where(AuditLog.entity_type == "Payment", AuditLog.entity_id == payment.id)
    )


def test_the_same_event_three_times_is_recorded_once(fake_stripe, payer, client, session_id):
    payload = _completed(fake_stripe, session_id)
    outcomes = [send_webhook(client, fake_stripe, payload) for _ in range(3)]
    assert [r.status_code for r in outcomes] == [200, 200, 200]
    assert [r.get_json()["outcome"] for r in outcomes] == ["recorded", "repeat", "repeat"]
    # Stripe may also send a new event (new id, new signature) about the same payment.
    again = send_webhook(client, fake_stripe, _completed(fake_stripe, session_id))
    assert again.get_json()["outcome"] == "repeat"
    assert len(payments_of(payer.invoice.id)) == 1 and len(receipts_sent()) == 1
    assert db.session.get(Invoice, payer.invoice.id).amount_paid == Decimal("100.50")


def test_two_workers_receiving_it_at_the_same_moment_record_it_once(
    fake_stripe, payer, session_id, served_app
):
    payload = _completed(fake_stripe, session_id)
    fake_stripe.webhook_url = served_app + WEBHOOK_PATH
    barrier = threading.Barrier(4)
    answers: list[tuple[int, str]] = []

    def deliver() -> None:
        signature = fake_stripe.sign(payload)
        barrier.wait()
        answers.append(fake_stripe.deliver(payload, signature))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(code for code, _body in answers) == [200, 200, 200, 200]
    outcomes = sorted(json.loads(body)["outcome"] for _code, body in answers)
    assert outcomes == ["recorded", "repeat", "repeat", "repeat"]
    assert len(payments_of(payer.invoice.id)) == 1 and len(receipts_sent()) == 1
    assert db.session.get(Invoice, payer.invoice.id).amount_paid == Decimal("100.50")


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "changed body", "no header", "garbage header", "too old", "no secret set"],
)
def test_a_bad_signature_is_400_and_writes_nothing(
    fake_stripe, payer, client, session_id, tamper, app, monkeypatch
):
    payload = _completed(fake_stripe, session_id)
    headers = {"Stripe-Signature": fake_stripe.sign(payload)}
    if tamper == "wrong secret":
        headers["Stripe-Signature"] = fake_stripe.sign(payload, secret="whsec_guess")
    elif tamper == "changed body":
        payload = payload.replace(b'"amount_total": 10050', b'"amount_total": 24800')
        assert b"24800" in payload
    elif tamper == "no header":
        headers = {}
    elif tamper == "garbage header":
        headers["Stripe-Signature"] = "t=abc,v1=zz"
    elif tamper == "too old":
        headers["Stripe-Signature"] = fake_stripe.sign(payload, at=int(time.time()) - 3600)
    else:
        monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    before = (count(AuditLog), count(OutboxEmail), count(WebhookDelivery))
    response = client.post(
        WEBHOOK_PATH, data=payload, headers=headers, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
    assert payments_of(payer.invoice.id) == []
    assert (count(AuditLog), count(OutboxEmail), count(WebhookDelivery)) == before
    assert db.session.get(Invoice, payer.invoice.id).status == "unpaid"


def test_a_refund_is_a_negative_payment_with_a_note(fake_stripe, payer, client, session_id):
    assert send_webhook(client, fake_stripe, _completed(fake_stripe, session_id)).status_code == 200
    # 30.00 refunded, the same event twice, then 100.50 in all (a second refund of 70.50).
    first = fake_stripe.event("charge.refunded", fake_stripe.charge(session_id, 3000))
    assert send_webhook(client, fake_stripe, first).get_json()["outcome"] == "recorded"
    assert send_webhook(client, fake_stripe, first).get_json()["outcome"] == "repeat"
    [paid, refund] = payments_of(payer.invoice.id)
    assert refund.amount == Decimal("-30.00") and refund.note == "Refunded through Stripe"
    assert refund.provider == "stripe" and refund.reference == paid.reference
    invoice = db.session.get(Invoice, payer.invoice.id)
    assert invoice.amount_paid == Decimal("70.50") and invoice.status == "partially_paid"
    full = fake_stripe.event("charge.refunded", fake_stripe.charge(session_id, 10050))
    assert send_webhook(client, fake_stripe, full).get_json()["outcome"] == "recorded"
    # The older event arriving late adds nothing.
    assert send_webhook(client, fake_stripe, first).get_json()["outcome"] == "repeat"
    amounts = [p.amount for p in payments_of(payer.invoice.id)]
    assert amounts == [Decimal("100.50"), Decimal("-30.00"), Decimal("-70.50")]
    invoice = db.session.get(Invoice, payer.invoice.id)
    assert invoice.amount_paid == Decimal("0.00") and invoice.status == "unpaid"
    assert len(receipts_sent()) == 1  # refunds send no payment receipt


def test_a_refund_of_an_unknown_payment_is_not_recorded(fake_stripe, payer, client, session_id):
    event = fake_stripe.event("charge.refunded", fake_stripe.charge(session_id, 3000))
    response = send_webhook(client, fake_stripe, event)
    assert response.status_code == 200 and response.get_json()["outcome"] == "refused"
    assert payments_of(payer.invoice.id) == []


def test_sepa_is_recorded_when_the_money_arrives(fake_stripe, payer, client, session_id):
    pending = _completed(fake_stripe, session_id, status="unpaid")
    assert send_webhook(client, fake_stripe, pending).get_json()["outcome"] == "ignored"
    assert payments_of(payer.invoice.id) == []
    arrived = fake_stripe.event(
        "checkout.session.async_payment_succeeded", fake_stripe.completed(session_id)
    )
    assert send_webhook(client, fake_stripe, arrived).get_json()["outcome"] == "recorded"
    [payment] = payments_of(payer.invoice.id)
    assert payment.method == "sepa_debit" and payment.amount == Decimal("100.50")


def test_a_payment_after_a_bank_transfer_is_recorded_as_an_overpayment(
    fake_stripe, payer, client, session_id, write
):
    write()
    with acting_as(SYSTEM):  # staff recorded a bank transfer of the whole amount meanwhile
        billing_payments.record_payment(
            db.session.get(Invoice, payer.invoice.id), "248.00", "2026-01-02", "Bank transfer"
        )
    db.session.commit()
    response = send_webhook(client, fake_stripe, _completed(fake_stripe, session_id))
    assert response.status_code == 200 and response.get_json()["outcome"] == "recorded"
    assert [p.method for p in payments_of(payer.invoice.id)] == ["Bank transfer", "card"]
    assert db.session.get(Invoice, payer.invoice.id).amount_due == Decimal("-100.50")


def test_a_payment_on_a_cancelled_invoice_is_refused_and_logged(
    fake_stripe, payer, client, session_id, write, caplog
):
    write()
    with acting_as(SYSTEM):
        billing.cancel_invoice(db.session.get(Invoice, payer.invoice.id))
    db.session.commit()
    response = send_webhook(client, fake_stripe, _completed(fake_stripe, session_id))
    assert response.status_code == 200 and response.get_json()["outcome"] == "refused"
    assert payments_of(payer.invoice.id) == []
    assert receipts_sent() == []
    assert "not recorded" in caplog.text


def test_other_events_are_acknowledged(fake_stripe, client):
    payload = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    response = send_webhook(client, fake_stripe, payload)
    assert response.status_code == 200 and response.get_json()["outcome"] == "ignored"


def test_without_stripe_the_webhook_is_404(app, client):
    assert not app.config["STRIPE_SECRET_KEY"]
    assert client.post(WEBHOOK_PATH, data=b"{}").status_code == 404


def test_bad_signatures_are_rate_limited_per_address(fake_stripe, app, app_config):
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "STRIPE_WEBHOOK_LIMIT": "3 per minute",
            **{key: app.config[key] for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")},
            "STRIPE_API_BASE": fake_stripe.url,
        }
    )
    try:
        client = limited.test_client()
        payload = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
        bad = {"Stripe-Signature": fake_stripe.sign(payload, secret="whsec_guess")}
        good = {"Stripe-Signature": fake_stripe.sign(payload)}

        def post(headers: dict[str, str], address: str) -> int:
            env = {"REMOTE_ADDR": address}
            return client.post(
                WEBHOOK_PATH, data=payload, headers=headers, environ_base=env
            ).status_code

        # Signed deliveries do not count, however many.
        assert [post(good, "203.0.113.9") for _ in range(5)] == [200] * 5
        assert [post(bad, "203.0.113.9") for _ in range(4)] == [400, 400, 400, 429]
        assert post(bad, "203.0.113.10") == 400  # another address has its own count
    finally:
        with limited.app_context():
            db.engine.dispose()


def test_the_checkout_page_of_the_fake_sends_the_webhook(
    fake_stripe, payer, session_id, served_app
):
    """The fake's hosted page (used by the browser test) delivers a signed event that the app
    accepts, then sends the browser to the success address."""
    fake_stripe.webhook_url = served_app + WEBHOOK_PATH
    opener = urllib.request.build_opener(_NoRedirect())
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(fake_stripe.sessions[session_id]["url"])
    assert answer.value.code == 303
    assert answer.value.headers["Location"].endswith(
        f"/clients/invoices/{payer.invoice.id}/pay/done"
    )
    assert fake_stripe.deliveries == [(200, '{"outcome":"recorded","received":true}\n')]
    assert [p.amount for p in payments_of(payer.invoice.id)] == [Decimal("100.50")]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_money_taken_after_the_invoice_was_settled_is_still_recorded(
    fake_stripe, payer, payer_client, client
):
    """Two sessions for the whole amount, both paid at Stripe (two tabs, or two contacts): the
    second payment arrives when nothing is due any more. The money was taken, so it is
    recorded; the excess is an overpayment (a negative amount due) for staff to refund."""
    for attempt in ("attempt-tab-one-0123456789", "attempt-tab-two-0123456789"):
        assert start_payment(payer_client, payer.invoice.id, "248.00", attempt).status_code == 303
    first, second = list(fake_stripe.sessions)
    for session in (first, second):
        response = send_webhook(client, fake_stripe, _completed(fake_stripe, session))
        assert response.get_json()["outcome"] == "recorded"
    assert [p.amount for p in payments_of(payer.invoice.id)] == [Decimal("248.00")] * 2
    invoice = db.session.get(Invoice, payer.invoice.id)
    assert invoice.status == "paid" and invoice.amount_due == Decimal("-248.00")
    assert len(receipts_sent()) == 2


def test_a_manual_payment_still_cannot_exceed_the_amount_due(payer, write):
    write()
    with acting_as(SYSTEM), pytest.raises(ValidationError):
        billing_payments.record_payment(payer.invoice, "248.01", "2026-11-30")
    assert payments_of(payer.invoice.id) == []
