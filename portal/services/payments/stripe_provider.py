"""Stripe through the official ``stripe`` library: Checkout Sessions (card, and SEPA Direct
Debit for euro amounts) and signed webhook events (``stripe.Webhook.construct_event``).

The API base comes from ``PORTAL_STRIPE_API_BASE`` (tests point it at a local fake). Events read:

* ``checkout.session.completed`` with ``payment_status == "paid"``: a card payment;
  with ``"unpaid"`` the money is still on its way (SEPA) and nothing is recorded yet;
* ``checkout.session.async_payment_succeeded``: a delayed (SEPA) payment arrived;
* ``charge.refunded``: money given back; the charge carries the running total refunded.

A payment's reference is its PaymentIntent (``pi_...``), the same in all of these events.
"""

from __future__ import annotations

import json
from typing import Any

import stripe

from portal.services.payments.provider import (
    BadEvent,
    Checkout,
    CheckoutRequest,
    Event,
    OtherEvent,
    PaymentReceived,
    ProviderError,
    RefundReceived,
)

#: Payment methods offered per currency (card everywhere).
METHODS = {"EUR": ["card", "sepa_debit"]}


class StripeProvider:
    name = "stripe"

    def __init__(self, secret_key: str, webhook_secret: str, api_base: str, timeout: float):
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=stripe.RequestsClient(timeout=timeout),
            # A 409 (the same idempotency key still being processed) and network errors are
            # retried by the library with the same key.
            max_network_retries=2,
        )

    def create_checkout(self, request: CheckoutRequest, idempotency_key: str) -> Checkout:
        metadata = dict(request.metadata)
        params: dict[str, Any] = {
            "mode": "payment",
            "payment_method_types": METHODS.get(request.currency, ["card"]),
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "metadata": metadata,
            # Copied onto the PaymentIntent, so refunds (charge events) carry it too.
            "payment_intent_data": {"metadata": metadata},
            "client_reference_id": metadata.get("checkout", ""),
            "locale": request.locale,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = self.client.v1.checkout.sessions.create(
                params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise ProviderError(str(exc.user_message or exc.__class__.__name__)) from exc
        if not session.id or not session.url:
            raise ProviderError("Stripe returned a checkout session without a URL")
        return Checkout(session_id=session.id, url=session.url)

    def parse_event(self, payload: bytes, signature: str | None) -> Event:
        if not self.webhook_secret:
            raise BadEvent("PORTAL_STRIPE_WEBHOOK_SECRET is not set")
        try:
            stripe.Webhook.construct_event(payload, signature, self.webhook_secret)
            # The signature covers these exact bytes; read them as plain JSON.
            body = json.loads(payload)
            obj = body["data"]["object"]
            return _event(str(body["type"]), obj)
        except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError) as exc:
            raise BadEvent(str(exc)) from None


def _metadata(obj: dict[str, Any]) -> dict[str, str]:
    found = obj.get("metadata") or {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def _event(kind: str, obj: dict[str, Any]) -> Event:
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") != "paid" or obj.get("mode", "payment") != "payment":
            return OtherEvent(kind)  # SEPA: still processing; its async event follows
        return PaymentReceived(
            reference=str(obj.get("payment_intent") or obj["id"]),
            session_id=str(obj["id"]),
            amount_minor=int(obj["amount_total"]),
            currency=str(obj["currency"]).upper(),
            method="card" if kind == "checkout.session.completed" else "sepa_debit",
            metadata=_metadata(obj),
        )
    if kind == "charge.refunded":
        return RefundReceived(
            payment_reference=str(obj.get("payment_intent") or obj["id"]),
            charge_reference=str(obj["id"]),
            refunded_minor=int(obj["amount_refunded"]),
            currency=str(obj["currency"]).upper(),
            metadata=_metadata(obj),
        )
    return OtherEvent(kind)
