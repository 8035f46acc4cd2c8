"""Local fake registries for the registry tests: one HTTP server on 127.0.0.1 (a free port)
serving VIES, PRH and Brønnøysund paths with answers the test chooses, and the app pointed at
it. Nothing reaches the internet."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    delay: float = 0.0


@dataclass
class FakeRegistries:
    """``fake.reply("GET", "/brreg/enheter/988077917", Reply(410, {...}))``; a list of replies
    is served in turn (the last one repeats). ``fake.calls`` records (method, path, query,
    body) of every request."""

    routes: dict[tuple[str, str], list[Reply]] = field(default_factory=dict)
    calls: list[tuple[str, str, str, Any]] = field(default_factory=list)
    url: str = ""

    def reply(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def calls_to(self, prefix: str) -> list[tuple[str, str, str, Any]]:
        return [call for call in self.calls if call[1].startswith(prefix)]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_json(silent=True)
        self.calls.append((request.method, request.path, request.query_string.decode(), body))
        key = (request.method, request.path)
        if request.path == "/prh/companies":
            key = ("GET", f"/prh/companies?businessId={request.args.get('businessId')}")
        if request.path == "/vies/check-vat-number" and isinstance(body, dict):
            key = ("POST", f"/vies/{body.get('countryCode')}{body.get('vatNumber')}")
        replies = self.routes.get(key) or [Reply(404, {"error": "not here"})]
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if reply.delay:
            time.sleep(reply.delay)
        payload = json.dumps(reply.body) if reply.body is not None else ""
        response = Response(payload, status=reply.status, mimetype="application/json")
        return response(environ, start_response)


@pytest.fixture
def registries(app: Flask) -> Iterator[FakeRegistries]:
    fake = FakeRegistries()
    server = make_server("127.0.0.1", 0, fake, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_port}"
    saved = {k: app.config[k] for k in app.config if k.startswith("REGISTRY_")}
    app.config.update(
        REGISTRY_VIES_URL=f"{fake.url}/vies",
        REGISTRY_PRH_URL=f"{fake.url}/prh",
        REGISTRY_BRREG_URL=f"{fake.url}/brreg",
        REGISTRY_TIMEOUT=1.0,
    )
    try:
        yield fake
    finally:
        app.config.update(saved)
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def eur(make_currency: Any) -> Any:
    return make_currency("EUR", "€", 2, True)


@pytest.fixture
def staff_client(app: Flask, make_staff: Any) -> Any:
    """``client, member = staff_client(["customers.view"])``: a fresh signed-in client."""
    from tests.conftest import PASSWORD

    def make(permissions: list[str] | None = None) -> Any:
        member = make_staff(permissions)
        client = app.test_client()
        response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302
        return client, member

    return make
