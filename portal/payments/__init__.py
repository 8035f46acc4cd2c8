"""Payment provider blueprint (``/payments``): the providers' webhooks.

No session and no form token here: a request is trusted only when the provider's signature
over its exact body checks out (``Stripe-Signature``, verified by the ``stripe`` library).
A bad signature answers 400 and writes nothing; those answers are counted per client address
(``PORTAL_STRIPE_WEBHOOK_LIMIT``), so guessing is slow while real deliveries, however many,
are never throttled. Each request is one unit of work (``create_app`` wraps the views): the
payment, its receipt email and our own ``payment.created`` webhook commit together.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from portal.extensions import csrf, limiter
from portal.services.payments import events
from portal.services.payments import provider as providers

bp = Blueprint("payments", __name__, url_prefix="/payments")
csrf.exempt(bp)


def _refused(response: Response) -> bool:
    return response.status_code == 400


@bp.post("/stripe/webhook")
@limiter.limit(
    lambda: str(current_app.config["STRIPE_WEBHOOK_LIMIT"]),
    methods=["POST"],
    scope="stripe-webhook",
    deduct_when=_refused,
)
def stripe_webhook() -> ResponseReturnValue:
    provider = providers.configured()
    if provider is None or provider.name != "stripe":
        abort(404)
    try:
        event = provider.parse_event(request.get_data(), request.headers.get("Stripe-Signature"))
    except providers.BadEvent as exc:
        current_app.logger.info("stripe webhook refused: %s", exc)
        return jsonify({"error": {"code": "bad_signature", "message": "Bad signature"}}), 400
    outcome = events.record(event, provider.name)
    return jsonify({"received": True, "outcome": outcome.status}), 200
