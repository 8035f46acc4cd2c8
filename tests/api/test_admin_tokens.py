"""The admin page of API tokens and webhooks (permission area ``api``)."""

from __future__ import annotations

from portal.extensions import db
from portal.models import ApiToken
from portal.models.webhooks import Webhook
from portal.services.integration import api_tokens


def test_create_token_shows_it_once_and_stores_only_the_hash(client, login_staff):
    login_staff(permissions=["api.view", "api.create"])
    response = client.post("/admin/api-tokens", data={"name": "Finance", "read": "y", "write": "y"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    token = db.session.scalar(db.select(ApiToken))
    start = html.index('id="new-token">') + len('id="new-token">')
    raw = html[start : html.index("<", start)]
    assert raw.startswith("pt_") and raw.startswith(token.prefix)
    assert token.token_hash == api_tokens.hash_token(raw) and raw not in token.token_hash
    assert token.scopes == "read write"
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Finance" in listing and raw not in listing
    # The new token works.
    ok = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {raw}"})
    assert ok.status_code == 200


def test_token_needs_a_name_and_a_scope(client, login_staff):
    login_staff(permissions=["api.view", "api.create"])
    response = client.post("/admin/api-tokens", data={"name": "Nothing"})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0
    response = client.post("/admin/api-tokens", data={"name": "", "read": "y"})
    assert response.status_code == 422


def test_read_only_token_from_the_admin(client, login_staff):
    login_staff(permissions=["api.view", "api.create"])
    client.post("/admin/api-tokens", data={"name": "Reader", "read": "y"})
    assert db.session.scalar(db.select(ApiToken)).scopes == "read"


def test_revoke(client, login_staff, make_token):
    raw = make_token()
    login_staff(permissions=["api.view", "api.delete"])
    token = db.session.scalar(db.select(ApiToken))
    response = client.post(f"/admin/api-tokens/{token.id}/revoke")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    client.post("/admin/logout")
    assert (
        client.get("/api/v1/customers", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )


def test_view_only_staff_sees_no_forms_and_cannot_create(client, login_staff, make_token):
    make_token("Visible")
    login_staff(permissions=["api.view"])
    html = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "Visible" in html and "Create token" not in html and "Revoke" not in html
    assert client.post("/admin/api-tokens", data={"name": "x", "read": "y"}).status_code == 403
    token = db.session.scalar(db.select(ApiToken))
    assert client.post(f"/admin/api-tokens/{token.id}/revoke").status_code == 403


def test_staff_without_api_permission_gets_403(client, login_staff):
    login_staff(permissions=["customers.view"])
    assert client.get("/admin/api-tokens").status_code == 403


def test_webhook_create_shows_secret_and_delete(app, client, login_staff, monkeypatch):
    login_staff(permissions=["api.view", "api.create", "api.delete"])
    response = client.post(
        "/admin/api-tokens/webhooks", data={"url": "http://10.0.0.5/hook", "invoice_paid": "y"}
    )
    assert response.status_code == 422
    assert "Private" in response.get_data(as_text=True)
    response = client.post(
        "/admin/api-tokens/webhooks",
        data={"url": "https://finance.example.com/hook", "invoice_paid": "y"},
    )
    assert response.status_code == 200
    hook = db.session.scalar(db.select(Webhook))
    assert hook.events == ["invoice.paid"]
    assert hook.secret in response.get_data(as_text=True)
    assert hook.secret not in client.get("/admin/api-tokens").get_data(as_text=True)
    assert client.post(f"/admin/api-tokens/webhooks/{hook.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(Webhook)) == 0
