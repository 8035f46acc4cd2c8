"""API fixtures: tokens with chosen scopes and a small JSON client that sends them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models.database import begin_write
from portal.services.integration import api_tokens
from portal.services.platform.audit import SYSTEM, acting_as


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    """``make_token(scopes=("read",))`` creates a token and returns its secret."""

    def make(name: str = "Finance system", scopes: tuple[str, ...] = ("read", "write")) -> str:
        begin_write(db.session)
        with acting_as(SYSTEM):
            _token, raw = api_tokens.create_token(name, list(scopes))
            db.session.commit()
        return raw

    return make


class Api:
    """``api.post("/customers", {...})`` with the bearer token; returns the response."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Any:
        all_headers = {"Authorization": f"Bearer {token or self.token}", **(headers or {})}
        if body is not None:
            kwargs["json"] = body
        return self.client.open("/api/v1" + path, method=method, headers=all_headers, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.request("GET", path, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("POST", path, body, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.request("PATCH", path, body, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def api(client: FlaskClient, make_token: Callable[..., str], make_currency: Any) -> Api:
    make_currency("EUR", "€", 2, True)
    return Api(client, make_token())


def field_errors(response: Any) -> dict[str, str]:
    body = response.get_json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "fields"} <= set(body["error"]), body
    return body["error"]["fields"]
