"""Tokens: bearer header only (never the query string, never a cookie), scopes, revocation,
last use, rate limits per token; JSON bodies only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import ApiToken
from portal.models.base import utcnow
from portal.services.integration import api_tokens
from tests.api.conftest import Api


def test_no_token_is_401(client, app):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_unknown_and_malformed_tokens_are_401(api):
    assert api.get("/customers", token="pt_not-a-token").status_code == 401
    response = api.client.get("/api/v1/customers", headers={"Authorization": api.token})
    assert response.status_code == 401
    response = api.client.get("/api/v1/customers", headers={"Authorization": f"Basic {api.token}"})
    assert response.status_code == 401


def test_token_in_query_string_does_not_authenticate(api):
    for name in ("token", "access_token", "api_key"):
        response = api.client.get(f"/api/v1/customers?{name}={api.token}")
        assert response.status_code == 401


def test_a_staff_session_cookie_does_not_authenticate(api, login_staff):
    login_staff()
    assert api.client.get("/api/v1/customers").status_code == 401


def test_revoked_token_is_401(api, write):
    assert api.get("/customers").status_code == 200
    write()
    token = db.session.scalar(db.select(ApiToken))
    api_tokens.revoke(token)
    db.session.commit()
    response = api.get("/customers")
    assert response.status_code == 401


def test_read_scope_may_get_but_not_write(api, make_token):
    reader = make_token("Reader", ("read",))
    assert api.get("/customers", token=reader).status_code == 200
    response = api.post("/customers", {"company_name": "X"}, token=reader)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    assert api.delete("/customers/1", token=reader).status_code == 403
    assert api.patch("/customers/1", {"phone": "1"}, token=reader).status_code == 403


def test_write_scope_alone_may_not_read(api, make_token):
    writer = make_token("Writer", ("write",))
    assert api.get("/customers", token=writer).status_code == 403
    assert api.post("/customers", {"company_name": "X"}, token=writer).status_code == 201


def test_last_used_at_is_written_at_most_once_a_minute(api, count_queries):
    token = db.session.scalar(db.select(ApiToken))
    assert token.last_used_at is None
    api.get("/customers")
    db.session.expire_all()
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    with count_queries() as queries:
        api.get("/customers")
    assert not any(q.lstrip().upper().startswith("UPDATE") for q in queries.statements)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at == first
    # A minute later it is written again.
    db.session.execute(db.update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    api.get("/customers")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).last_used_at > first


def test_last_use_is_not_in_the_audit_log_and_updated_at_stays(api):
    from portal.models import AuditLog

    token = db.session.scalar(db.select(ApiToken))
    before = token.updated_at
    api.get("/customers")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).updated_at == before
    logs = db.session.scalars(db.select(AuditLog).where(AuditLog.entity_type == "ApiToken"))
    assert all(log.action == "create" for log in logs)


def test_body_that_is_not_json_is_415(api):
    response = api.client.post(
        "/api/v1/customers",
        data="company_name=X",
        headers={"Authorization": f"Bearer {api.token}"},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.get_json()["error"]["code"] == "unsupported_media_type"
    response = api.client.patch(
        "/api/v1/customers/1",
        data="x",
        headers={"Authorization": f"Bearer {api.token}"},
        content_type="text/plain",
    )
    assert response.status_code == 415


def test_invalid_json_is_400(api):
    response = api.client.post(
        "/api/v1/customers",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.token}"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"


def test_unknown_path_and_method_are_json(api):
    response = api.get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    response = api.request("PUT", "/customers")
    assert response.status_code == 405
    assert "error" in response.get_json()


@pytest.fixture
def limited_app(app, app_config):
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "API_RATELIMIT": "3/minute",
        }
    )
    yield limited
    with limited.app_context():
        db.engine.dispose()


def test_requests_are_rate_limited_per_token(limited_app, make_token, make_currency):
    first, second = make_token("First"), make_token("Second")
    client = limited_app.test_client()
    api_one, api_two = Api(client, first), Api(client, second)
    for _ in range(3):
        assert api_one.get("/customers").status_code == 200
    blocked = api_one.get("/customers")
    assert blocked.status_code == 429
    assert blocked.get_json()["error"]["code"] == "too_many_requests"
    # Another token from the same address has its own budget.
    assert api_two.get("/customers").status_code == 200


def _operations():
    from portal.api.core import OPERATIONS

    return sorted(
        (op.method, op.path.removeprefix("/api/v1").replace("{id}", "1"), op.scope)
        for op in OPERATIONS.values()
    )


@pytest.mark.parametrize(("method", "path", "scope"), _operations())
def test_every_operation_needs_a_token_with_its_scope(api, make_token, method, path, scope):
    body = {} if method in ("POST", "PATCH") else None
    kwargs = {"json": body} if body is not None else {}
    response = api.client.open("/api/v1" + path, method=method, **kwargs)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    other = make_token("Other", ("write",) if scope == "read" else ("read",))
    response = api.request(method, path, body, token=other)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
