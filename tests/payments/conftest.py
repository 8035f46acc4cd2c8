"""Online payment fixtures: the fake Stripe server, the app pointed at it, an open invoice with
its contact, and helpers to send Stripe's webhook to the app."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.models import Contact, Invoice, OutboxEmail, Payment
from tests.conftest import PASSWORD
from tests.payments.fake_stripe import SECRET_KEY, FakeStripe

WEBHOOK_SECRET = "whsec_portal_test_secret"
WEBHOOK_PATH = "/payments/stripe/webhook"


@pytest.fixture
def fake_stripe(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """A running fake Stripe; the app's Stripe settings point at it."""
    fake = FakeStripe(WEBHOOK_SECRET).start()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", fake.url)
    try:
        yield fake
    finally:
        fake.stop()


@dataclass
class Payer:
    contact: Contact
    invoice: Invoice  # issued: 2 x 100.00 + 24 % tax = 248.00 EUR


@pytest.fixture
def payer(make_contact: Callable[..., Contact], make_invoice: Callable[..., Invoice]) -> Payer:
    contact = make_contact(language="de")
    return Payer(contact, make_invoice(contact.customer, issue=True))


def contact_login(contact: Contact) -> FlaskClient:
    """A fresh test client signed in as ``contact``."""
    client = current_app.test_client()
    response = client.post("/clients/login", data={"email": contact.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def payer_client(app: Flask, payer: Payer) -> FlaskClient:
    return contact_login(payer.contact)


def start_payment(client: FlaskClient, invoice_id: int, amount: str, attempt: str) -> Any:
    return client.post(
        f"/clients/invoices/{invoice_id}/pay", data={"amount": amount, "attempt": attempt}
    )


def send_webhook(client: FlaskClient, fake: FakeStripe, payload: bytes, **sign: Any) -> Any:
    return client.post(
        WEBHOOK_PATH,
        data=payload,
        headers={"Stripe-Signature": fake.sign(payload, **sign)},
        content_type="application/json",
    )


def payments_of(invoice_id: int) -> list[Payment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Payment).where(Payment.invoice_id == invoice_id).order_by(Payment.id)
        )
    )


def count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def receipts_sent() -> list[OutboxEmail]:
    return list(
        db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "payment_receipt"))
    )


@pytest.fixture
def served_app(app: Flask) -> Iterator[str]:
    """The test app itself served over HTTP on 127.0.0.1 by a threaded werkzeug server, for
    deliveries that must really run at the same moment."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
