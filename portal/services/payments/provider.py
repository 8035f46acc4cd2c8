"""The payment provider interface: what the portal needs from Stripe (or a later provider).

A provider does two things: it opens a hosted checkout for an amount (``create_checkout``)
and it turns a webhook request into a verified event (``parse_event``). Amounts cross this
boundary in minor units (cents) as integers, as providers count them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from flask import current_app


class ProviderError(Exception):
    """The provider could not be reached or refused the request (nothing was written)."""


class BadEvent(Exception):
    """A webhook request whose signature or content does not check out."""


@dataclass(frozen=True)
class CheckoutRequest:
    amount_minor: int
    currency: str  # ISO code, upper case
    description: str
    locale: str
    customer_email: str | None
    success_url: str
    cancel_url: str
    #: Copied to the provider's session and payment, and back into its events.
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str


@dataclass(frozen=True)
class PaymentReceived:
    """Money arrived: ``reference`` names this payment at the provider (one per payment, the
    same in every event about it)."""

    reference: str
    session_id: str | None
    amount_minor: int
    currency: str
    method: str  # card | sepa_debit
    metadata: dict[str, str]


@dataclass(frozen=True)
class RefundReceived:
    """Money given back on the payment ``payment_reference``: ``refunded_minor`` is the total
    refunded on it so far (providers report the running total)."""

    payment_reference: str
    charge_reference: str
    refunded_minor: int
    currency: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class OtherEvent:
    """An event the portal does not act on (answered 200 so the provider stops sending)."""

    kind: str


Event = PaymentReceived | RefundReceived | OtherEvent


class PaymentProvider(Protocol):
    name: str

    def create_checkout(self, request: CheckoutRequest, idempotency_key: str) -> Checkout:
        """Opens a hosted checkout; the same ``idempotency_key`` gives the same checkout."""
        ...

    def parse_event(self, payload: bytes, signature: str | None) -> Event:
        """Verifies the webhook's signature and reads it; raises :class:`BadEvent`."""
        ...


def configured() -> PaymentProvider | None:
    """The provider of this app (Stripe when ``PORTAL_STRIPE_SECRET_KEY`` is set), or ``None``:
    then there is no Pay button anywhere."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        return None
    from portal.services.payments.stripe_provider import StripeProvider

    return StripeProvider(
        secret_key=str(config["STRIPE_SECRET_KEY"]),
        webhook_secret=str(config.get("STRIPE_WEBHOOK_SECRET") or ""),
        api_base=str(config.get("STRIPE_API_BASE") or "https://api.stripe.com"),
        timeout=float(config.get("STRIPE_TIMEOUT", 20)),
    )


def enabled() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def checkout_origin() -> str:
    """Where the provider's checkout pages live (``PORTAL_STRIPE_CHECKOUT_ORIGIN``): a pay form
    is answered with a redirect there, so the page holding it allows that origin as a form
    target (CSP ``form-action``; browsers check it on the redirect too)."""
    return str(current_app.config.get("STRIPE_CHECKOUT_ORIGIN") or "https://checkout.stripe.com")


def to_minor(amount: Decimal, places: int) -> int:
    """``12.34`` with 2 places is ``1234``."""
    return int(amount.scaleb(places).to_integral_exact())


def from_minor(amount: int, places: int) -> Decimal:
    """``1234`` with 2 places is ``12.34``."""
    return Decimal(amount).scaleb(-places).quantize(Decimal(1).scaleb(-places))
