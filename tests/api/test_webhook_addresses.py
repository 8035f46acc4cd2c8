"""Webhook addresses (issue 24 item 8): special-purpose addresses in any notation are refused
at registration; at delivery the host is resolved once, every address is checked and the
checked address is the one connected to (no second look-up for DNS rebinding to exploit).

The network is faked at the socket module: ``socket.getaddrinfo`` answers for made-up names and
counts the look-ups, ``socket.socket.connect`` records every address connected to and sends the
made-up public address to a real listener on 127.0.0.1."""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from portal.models.webhooks import WebhookDelivery
from portal.services.integration import safe_http, webhooks
from tests.api.conftest import field_errors

NAME = "hooks.example.com"
PUBLIC = "93.184.215.14"  # stands for the receiver's public address; never really reached


class Listener:
    """A real HTTP(S) server on 127.0.0.1 counting connections and recording requests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.connections = 0
        self.requests: list[dict[str, str]] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                listener.requests.append(dict(self.headers))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def verify_request(self, request, client_address) -> bool:
                listener.connections += 1
                return True

        self.server = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Listener:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def _info(address: str, port):
    if ipaddress.ip_address(address).version == 4:
        return (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
    return (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port, 0, 0))


class Network:
    """``answers[name]`` is a list of answers (lists of addresses), one per look-up; the last
    one repeats. Numeric look-ups (``AI_NUMERICHOST``) go to the real resolver."""

    def __init__(self, monkeypatch, listener: Listener) -> None:
        self.answers: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self.connects: list[tuple] = []
        real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect

        def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
            if host not in self.answers or flags & socket.AI_NUMERICHOST:
                return real_getaddrinfo(host, port, family, type, proto, flags)
            self.lookups.append(host)
            queue = self.answers[host]
            answer = queue.pop(0) if len(queue) > 1 else queue[0]
            return [_info(address, port) for address in answer]

        def connect(sock, address):
            self.connects.append(tuple(address[:2]))
            if address[0] == PUBLIC:
                address = ("127.0.0.1", listener.port)
            return real_connect(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture
def listener():
    with Listener() as server:
        yield server


@pytest.fixture
def network(monkeypatch, listener):
    return Network(monkeypatch, listener)


def _register(api, url):
    response = api.post("/webhooks", {"url": url, "events": ["invoice.issued"]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _rows():
    db.session.expire_all()
    return db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


# -- registration -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        # Short and odd IPv4 notations the resolver turns into loopback.
        "http://127.1:8080/x",
        "http://127.1/x",
        "http://0x7f.1/x",
        "http://0177.0.0.1/x",
        "http://0x7f.0.0.1/x",
        "http://127.0.1/x",
        "http://2130706433/x",
        "http://0x7f000001/x",
        "http://10.1/x",
        # IPv6 forms of private IPv4.
        "http://[::ffff:127.0.0.1]/x",
        "http://[::ffff:7f00:1]/x",
        "http://[::ffff:a9fe:a9fe]/x",
        "http://[64:ff9b::7f00:1]/x",
        "http://[64:ff9b::a9fe:a9fe]/x",
        "http://[64:ff9b::a00:1]/x",
        "http://[64:ff9b:1::a00:1]/x",
        "http://[2002:7f00:1::1]/x",
        "http://[2002:a9fe:a9fe::1]/x",
        "http://[2002:c0a8:1::1]/x",
        "http://[::a9fe:a9fe]/x",
        "http://[::127.0.0.1]/x",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/x",  # Teredo, client 127.0.0.1
        # Other special-purpose ranges.
        "http://0.0.0.0/x",
        "http://[::]/x",
        "http://100.64.0.1/x",
        "http://192.0.0.8/x",
        "http://192.0.2.10/x",
        "http://198.18.0.1/x",
        "http://224.0.0.251/x",
        "http://239.1.2.3/x",
        "http://240.0.0.1/x",
        "http://255.255.255.255/x",
        "http://[fc00::1]/x",
        "http://[fec0::1]/x",
        "http://[fe80::1%25eth0]/x",
        "http://[ff0e::1]/x",
        "http://[2001:db8::1]/x",
        "http://127.0.0.1./x",
        "http://localhost./x",
    ],
)
def test_special_addresses_refused_at_registration(api, url):
    response = api.post("/webhooks", {"url": url, "events": ["invoice.paid"]})
    assert response.status_code == 422
    assert "url" in field_errors(response)


def test_unclosed_ipv6_bracket_is_a_field_error(api):
    response = api.post("/webhooks", {"url": "http://[::1/x", "events": ["invoice.paid"]})
    assert response.status_code == 422
    assert "url" in field_errors(response)


@pytest.mark.parametrize(
    "url",
    [
        "https://8.8.8.8/x",
        "https://[2606:4700:4700::1111]/x",
        "https://[::ffff:8.8.8.8]/x",
        "https://[64:ff9b::808:808]/x",
        "https://[2002:808:808::1]/x",
        f"https://{NAME}/x",
    ],
)
def test_public_addresses_are_accepted(api, url):
    assert _register(api, url)["url"] == url


# -- delivery ---------------------------------------------------------------------------------


def test_rebinding_answer_is_never_connected_to(api, make_invoice, network, listener):
    """The first answer is public, a second look-up would say 127.0.0.1: only the first is
    looked up, checked and connected to; Host stays the name."""
    _register(api, f"http://{NAME}:{listener.port}/hook")
    make_invoice(issue=True)
    network.answers[NAME] = [[PUBLIC], ["127.0.0.1"]]
    assert webhooks.deliver() == (1, 0)
    assert network.lookups == [NAME]
    assert network.connects == [(PUBLIC, listener.port)]
    assert len(listener.requests) == 1
    assert listener.requests[0]["Host"] == f"{NAME}:{listener.port}"
    assert _rows()[0].status == "delivered"


def test_allowed_private_address_is_looked_up_once_too(
    app, api, make_invoice, network, listener, monkeypatch
):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    _register(api, f"http://{NAME}:{listener.port}/hook")
    make_invoice(issue=True)
    network.answers[NAME] = [["127.0.0.1"], ["127.0.0.2"]]
    assert webhooks.deliver() == (1, 0)
    assert network.lookups == [NAME]
    assert network.connects == [("127.0.0.1", listener.port)]
    assert len(listener.requests) == 1


@pytest.mark.parametrize(
    "answer",
    [
        ["127.0.0.1"],
        ["10.0.0.7"],
        ["169.254.169.254"],
        ["100.64.0.1"],
        ["0.0.0.0"],
        ["224.0.0.251"],
        ["::1"],
        ["fd00::1"],
        ["fec0::1"],
        ["::ffff:127.0.0.1"],
        ["64:ff9b::7f00:1"],
        ["64:ff9b::a9fe:a9fe"],
        ["2002:7f00:1::1"],
        ["::a9fe:a9fe"],
        [PUBLIC, "127.0.0.1"],  # every address is checked, not only the first
        ["2606:4700:4700::1111", "::ffff:10.0.0.1"],
    ],
    ids=",".join,
)
def test_name_resolving_to_special_address_is_never_connected(
    api, make_invoice, network, listener, answer
):
    _register(api, f"http://{NAME}:{listener.port}/hook")
    make_invoice(issue=True)
    network.answers[NAME] = [answer]
    assert webhooks.deliver() == (0, 1)
    assert network.connects == []
    assert listener.connections == 0
    row = _rows()[0]
    # A failed attempt like a network error: recorded, queued again with the backoff.
    assert row.status == "queued" and row.attempts == 1 and row.response_status is None
    assert row.next_attempt_at > row.created_at
    assert "non-public" in row.last_error


def test_refused_address_fails_for_good_after_the_last_attempt(
    app, api, make_invoice, network, listener, monkeypatch
):
    _register(api, f"http://{NAME}:{listener.port}/hook")
    make_invoice(issue=True)
    network.answers[NAME] = [["64:ff9b::7f00:1"]]
    monkeypatch.setitem(app.config, "WEBHOOKS_MAX_ATTEMPTS", 1)
    assert webhooks.deliver() == (0, 1)
    assert _rows()[0].status == "failed"
    assert network.connects == [] and listener.connections == 0


def test_redirect_is_not_followed(app, api, make_invoice, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            hits.append(self.path)
            self.send_response(307)
            self.send_header("Location", "/elsewhere")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _register(api, f"http://127.0.0.1:{server.server_address[1]}/hook?x=1")
        make_invoice(issue=True)
        assert webhooks.deliver() == (0, 1)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/hook?x=1"]
    assert _rows()[0].last_error == "HTTP 307"


# -- TLS to the checked address ---------------------------------------------------------------


@pytest.fixture
def certificate(tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2"
    names = ["-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME}"]
    subprocess.run(
        [*command.split(), "-keyout", key, "-out", cert, *names],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_verifies_the_name_on_the_checked_address(api, make_invoice, monkeypatch, certificate):
    cert, key = certificate
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    sni: list[str | None] = []
    server_tls.sni_callback = lambda sock, name, context: sni.append(name)
    monkeypatch.setattr(safe_http, "tls_context", lambda: ssl.create_default_context(cafile=cert))
    with Listener(tls=server_tls) as listener:
        network = Network(monkeypatch, listener)
        network.answers[NAME] = [[PUBLIC], ["127.0.0.1"]]
        network.answers["other.example.com"] = [[PUBLIC]]
        _register(api, f"https://{NAME}:{listener.port}/hook")
        _register(api, f"https://other.example.com:{listener.port}/hook")
        make_invoice(issue=True)
        assert webhooks.deliver() == (1, 1)
    assert network.connects == [(PUBLIC, listener.port)] * 2
    assert sni == [NAME, "other.example.com"]
    assert len(listener.requests) == 1 and listener.requests[0]["Host"] == f"{NAME}:{listener.port}"
    good, other = _rows()
    assert good.status == "delivered"
    assert other.status == "queued" and "CERTIFICATE_VERIFY_FAILED" in other.last_error
