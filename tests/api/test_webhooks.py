"""Webhooks: registration (http(s) only, no private targets unless allowed), events queued in
the business transaction, delivery by the worker to a real HTTP listener with an HMAC
signature, retries with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask.testing import FlaskCliRunner

from portal.extensions import db
from portal.models import CustomerGroup
from portal.models.webhooks import WebhookDelivery
from portal.services.integration import webhooks
from tests.api.conftest import field_errors


class Receiver:
    """A real HTTP server on loopback that records what it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def allow_private(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


@pytest.fixture
def receiver(allow_private):
    with Receiver() as server:
        yield server


def _register(api, url, events=("invoice.issued", "invoice.paid", "customer.updated")):
    response = api.post("/webhooks", {"url": url, "events": list(events)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_register_list_get_delete(api, allow_private, make_token):
    hook = _register(api, "https://finance.example.com/hooks", ["invoice.paid"])
    assert hook["secret"].startswith("whsec_") and hook["events"] == ["invoice.paid"]
    listed = api.get("/webhooks").get_json()
    assert [h["id"] for h in listed["data"]] == [hook["id"]]
    assert "secret" not in listed["data"][0]
    assert api.get(f"/webhooks/{hook['id']}").get_json()["url"] == hook["url"]
    other = make_token("Other")
    assert api.get(f"/webhooks/{hook['id']}", token=other).status_code == 404
    assert api.get("/webhooks", token=other).get_json()["total"] == 0
    assert api.delete(f"/webhooks/{hook['id']}", token=other).status_code == 404
    assert api.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert api.get(f"/webhooks/{hook['id']}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "http://127.0.0.1:8000/x",
        "http://localhost/x",
        "http://10.1.2.3/x",
        "http://192.168.0.1/x",
        "http://[::1]/x",
        "http://169.254.169.254/latest",
        "http://user:pw@example.com/",
        "not a url",
        "http://intranet/x",
    ],
)
def test_refused_urls(api, url):
    response = api.post("/webhooks", {"url": url, "events": ["invoice.paid"]})
    assert response.status_code == 422
    assert "url" in field_errors(response)


def test_unknown_event_is_422(api):
    response = api.post("/webhooks", {"url": "https://a.example.com", "events": ["x.y"]})
    assert response.status_code == 422
    response = api.post("/webhooks", {"url": "https://a.example.com", "events": []})
    assert response.status_code == 422


def test_private_addresses_allowed_when_configured(api, allow_private):
    assert _register(api, "http://127.0.0.1:9/x")["url"] == "http://127.0.0.1:9/x"


def _deliveries():
    return db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def test_events_are_queued_in_the_business_transaction(api, receiver, make_customer, make_invoice):
    hook = _register(api, receiver.url)
    customer = make_customer()
    invoice = make_invoice(customer)
    assert _deliveries() == []  # creating customers and drafts is not an event
    api.post(f"/invoices/{invoice.id}/issue")
    api.patch(f"/customers/{customer.id}", {"phone": "+358 1"})
    api.post(
        "/sales",
        {
            "invoice_number": db.session.get(type(invoice), invoice.id).number,
            "reference": "P",
            "amount": "248.00",
            "currency": "EUR",
            "paid_at": date.today().isoformat(),
        },
    )
    rows = _deliveries()
    assert [r.event for r in rows] == ["invoice.issued", "customer.updated", "invoice.paid"]
    assert all(r.webhook_id == hook["id"] and r.status == "queued" for r in rows)
    paid = json.loads(rows[2].payload)
    assert paid["event"] == "invoice.paid"
    assert paid["data"]["id"] == invoice.id and paid["data"]["status"] == "paid"
    assert paid["data"]["amount_due"] == "0.00"
    # A refused change queues nothing.
    api.patch(f"/customers/{customer.id}", {"currency": "XXX"})
    assert len(_deliveries()) == 3


def test_customer_updated_only_for_real_changes(api, receiver, make_customer, write):
    _register(api, receiver.url, ["customer.updated"])
    customer = make_customer(phone="1")
    api.post(
        f"/customers/{customer.id}/contacts",
        {"first_name": "A", "last_name": "B", "email": "ab@example.com"},
    )
    api.patch(f"/customers/{customer.id}", {"phone": "1"})
    assert _deliveries() == []
    write()
    group = CustomerGroup(name="VIP")
    db.session.add(group)
    db.session.commit()
    api.patch(f"/customers/{customer.id}", {"groups": ["VIP"]})
    rows = _deliveries()
    assert [r.event for r in rows] == ["customer.updated"]
    assert json.loads(rows[0].payload)["data"]["groups"] == ["VIP"]


def test_only_subscribed_events_are_queued(api, receiver, make_invoice):
    _register(api, receiver.url, ["invoice.paid"])
    make_invoice(issue=True)
    assert _deliveries() == []


def test_worker_delivers_with_hmac_signature(app, api, receiver, make_invoice):
    hook = _register(api, receiver.url)
    make_invoice(issue=True)
    runner: FlaskCliRunner = app.test_cli_runner()
    result = runner.invoke(args=["webhooks", "send"])
    assert result.exit_code == 0, result.output
    assert "delivered 1, failed 0" in result.output
    assert len(receiver.requests) == 1
    headers, body = receiver.requests[0]
    expected = "sha256=" + hmac.new(hook["secret"].encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Portal-Signature"] == expected
    assert headers["X-Portal-Event"] == "invoice.issued"
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "invoice.issued" and payload["data"]["number"] == "INV-000001"
    db.session.expire_all()
    row = _deliveries()[0]
    assert row.status == "delivered" and row.attempts == 1 and row.response_status == 200
    # Nothing is sent twice.
    assert "delivered 0, failed 0" in runner.invoke(args=["webhooks", "send"]).output
    assert len(receiver.requests) == 1


def test_failures_are_retried_with_backoff_then_failed(
    app, api, receiver, make_invoice, monkeypatch
):
    _register(api, receiver.url, ["invoice.issued"])
    make_invoice(issue=True)
    receiver.status = 500
    assert webhooks.deliver() == (0, 1)
    db.session.expire_all()
    row = _deliveries()[0]
    assert row.status == "queued" and row.attempts == 1 and row.last_error == "HTTP 500"
    assert row.next_attempt_at > row.created_at
    assert webhooks.deliver() == (0, 0)  # not due yet
    # Due again: the receiver is back.
    db.session.execute(db.update(WebhookDelivery).values(next_attempt_at=row.created_at))
    db.session.commit()
    receiver.status = 204
    assert webhooks.deliver() == (1, 0)
    db.session.expire_all()
    assert _deliveries()[0].status == "delivered"
    # After the last attempt a delivery is failed for good.
    monkeypatch.setitem(app.config, "WEBHOOKS_MAX_ATTEMPTS", 1)
    make_invoice(issue=True)
    receiver.status = 410
    assert webhooks.deliver() == (0, 1)
    db.session.expire_all()
    assert _deliveries()[1].status == "failed"


def test_unreachable_receiver_is_a_failed_attempt(app, api, allow_private, make_invoice):
    _register(api, "http://127.0.0.1:9/nothing", ["invoice.issued"])
    make_invoice(issue=True)
    assert webhooks.deliver() == (0, 1)
    db.session.expire_all()
    assert "Error" in _deliveries()[0].last_error


def test_private_target_refused_at_send_time(app, api, receiver, make_invoice, monkeypatch):
    _register(api, receiver.url, ["invoice.issued"])
    make_invoice(issue=True)
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    assert webhooks.deliver() == (0, 1)
    assert receiver.requests == []
    db.session.expire_all()
    assert "non-public" in _deliveries()[0].last_error


def test_signature_helper():
    body = b'{"a":1}'
    assert webhooks.sign("s", body) == (
        "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    )


def test_worker_loop_and_show(app, api, receiver, make_invoice):
    _register(api, receiver.url, ["invoice.issued"])
    runner = app.test_cli_runner()
    assert "No webhook deliveries." in runner.invoke(args=["webhooks", "show"]).output
    make_invoice(issue=True)
    result = runner.invoke(
        args=["webhooks", "send", "--loop", "--interval", "0", "--max-loops", "2"]
    )
    assert result.exit_code == 0 and "delivered 1, failed 0" in result.output
    assert "delivered" in runner.invoke(args=["webhooks", "show"]).output
    assert len(receiver.requests) == 1
