"""A local fake of the parts of Stripe the portal uses, served on 127.0.0.1 by werkzeug in a
thread, so the real ``stripe`` library talks HTTP to it (``PORTAL_STRIPE_API_BASE``):

* ``POST /v1/checkout/sessions`` answers like Stripe (a ``checkout.session`` object) and
  honours ``Idempotency-Key``: the same key gives the first answer again, no second session;
  the form parameters the library sent are kept in :attr:`FakeStripe.requests`;
* ``GET /checkout/<id>`` is the hosted "checkout page": visiting it completes the session,
  sends the signed ``checkout.session.completed`` webhook to :attr:`FakeStripe.webhook_url`
  (as Stripe does) and redirects the browser to the session's ``success_url``;
* :meth:`FakeStripe.event` and :meth:`FakeStripe.sign` build events and ``Stripe-Signature``
  headers (``t=...,v1=HMAC-SHA256(secret, "t.payload")``) for the tests to send themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_portal_fake"


class FakeStripe:
    def __init__(self, webhook_secret: str) -> None:
        self.webhook_secret = webhook_secret
        #: Where the checkout page delivers its webhook (the app's ``/payments/stripe/webhook``).
        self.webhook_url: str | None = None
        #: Every API request: ``{"method", "path", "idempotency_key", "params"}``.
        self.requests: list[dict[str, Any]] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        #: What each checkout page visit's webhook delivery answered: ``(status, body)``.
        self.deliveries: list[tuple[int, str]] = []
        self._answers: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- the server ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakeStripe:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            return self._create_session(request)
        if request.method == "GET" and request.path.startswith("/checkout/"):
            return self._checkout_page(request.path.removeprefix("/checkout/"))
        return _json({"error": {"type": "invalid_request_error", "message": "No such route"}}, 404)

    # -- the API ------------------------------------------------------------------------------

    def _create_session(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {SECRET_KEY}":
            return _json({"error": {"type": "invalid_request_error", "message": "Bad key"}}, 401)
        key = request.headers.get("Idempotency-Key")
        params = dict(request.form.items())
        with self._lock:
            self.requests.append(
                {"method": "POST", "path": request.path, "idempotency_key": key, "params": params}
            )
            if key and key in self._answers:
                return _json(self._answers[key], headers={"Idempotent-Replayed": "true"})
            session = self._session(params)
            self.sessions[session["id"]] = session
            if key:
                self._answers[key] = session
            return _json(session)

    def _session(self, params: dict[str, str]) -> dict[str, Any]:
        session_id = "cs_test_" + secrets.token_hex(12)
        methods = [v for k, v in sorted(params.items()) if k.startswith("payment_method_types[")]
        return {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "livemode": False,
            "metadata": _nested(params, "metadata"),
            "mode": params.get("mode", "payment"),
            "payment_intent": "pi_" + secrets.token_hex(12),
            "payment_method_types": methods,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": params["success_url"],
            "cancel_url": params["cancel_url"],
            "url": f"{self.url}/checkout/{session_id}",
        }

    # -- the hosted checkout page -------------------------------------------------------------

    def _checkout_page(self, session_id: str) -> Response:
        session = self.sessions.get(session_id)
        if session is None:
            return Response("no such checkout", status=404)
        payload = self.event("checkout.session.completed", self.completed(session_id))
        self.deliveries.append(self.deliver(payload))
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return Response("", status=303, headers={"Location": target})

    # -- events -------------------------------------------------------------------------------

    def completed(self, session_id: str, payment_status: str = "paid") -> dict[str, Any]:
        """The session as a ``checkout.session.*`` event shows it once the contact paid."""
        return {
            **self.sessions[session_id],
            "status": "complete",
            "payment_status": payment_status,
            "url": None,
        }

    def charge(self, session_id: str, refunded_minor: int) -> dict[str, Any]:
        """The charge of a paid session, as ``charge.refunded`` shows it."""
        session = self.sessions[session_id]
        return {
            "id": "ch_" + session["payment_intent"].removeprefix("pi_"),
            "object": "charge",
            "amount": session["amount_total"],
            "amount_refunded": refunded_minor,
            "currency": session["currency"],
            "metadata": session["metadata"],
            "paid": True,
            "payment_intent": session["payment_intent"],
            "refunded": refunded_minor >= session["amount_total"],
        }

    @staticmethod
    def event(kind: str, obj: dict[str, Any]) -> bytes:
        body = {
            "id": "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2025-10-29.clover",
            "created": int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        return json.dumps(body).encode()

    def sign(self, payload: bytes, secret: str | None = None, at: int | None = None) -> str:
        timestamp = int(time.time()) if at is None else at
        signed = f"{timestamp}.".encode() + payload
        key = (secret or self.webhook_secret).encode()
        return f"t={timestamp},v1={hmac.new(key, signed, hashlib.sha256).hexdigest()}"

    def deliver(self, payload: bytes, signature: str | None = None) -> tuple[int, str]:
        """POSTs ``payload`` to :attr:`webhook_url` as Stripe does (signed unless given)."""
        assert self.webhook_url, "set fake.webhook_url first"
        request = urllib.request.Request(
            self.webhook_url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": signature or self.sign(payload),
                "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def _nested(params: dict[str, str], name: str) -> dict[str, str]:
    """``metadata[invoice_id]=7`` (form encoding) back to ``{"invoice_id": "7"}``."""
    prefix = f"{name}["
    return {k[len(prefix) : -1]: v for k, v in params.items() if k.startswith(prefix)}


def _json(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body),
        status=status,
        mimetype="application/json",
        headers={"Request-Id": "req_" + secrets.token_hex(8), **(headers or {})},
    )
