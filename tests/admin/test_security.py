"""Security headers, cookie settings, CSRF on state changes, error pages that reveal nothing."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import PASSWORD


def test_security_headers_on_admin_pages(client, staff_client):
    for response in (client.get("/admin/login"), staff_client(None)[0].get("/admin/")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"]


def test_error_pages_reveal_nothing(staff_client, client):
    missing = client.get("/admin/login/nothing-here")
    assert missing.status_code == 404 and "Page not found" in missing.get_data(as_text=True)
    member_client, _ = staff_client([])
    forbidden = member_client.get("/admin/settings")
    assert forbidden.status_code == 403
    assert "settings.view" not in forbidden.get_data(as_text=True)


def test_500_page_reveals_nothing(app, staff_client, monkeypatch):
    client, _member = staff_client(None)
    from portal.services.dashboards import staff as dashboard

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr("portal.admin.dashboard.summary", boom)
    app.testing = False  # let the error handler answer instead of raising into the test
    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        response = client.get("/admin/")
    finally:
        app.testing = True
        app.config["PROPAGATE_EXCEPTIONS"] = None
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "Something went wrong" in body
    assert dashboard is not None


def test_secure_cookies_outside_debug(app_config):
    production = create_app({**app_config, "TESTING": False, "RATELIMIT_ENABLED": False})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["SESSION_COOKIE_HTTPONLY"] is True
    assert production.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with production.app_context():
        db.engine.dispose()


@pytest.fixture
def csrf_app(app, app_config):
    protected = create_app({**app_config, "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": False})
    yield protected
    with protected.app_context():
        db.engine.dispose()


def test_state_changes_need_the_csrf_token(csrf_app, make_staff):
    member = make_staff(None)
    client = csrf_app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    assert 'name="csrf_token"' in page
    refused = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert refused.status_code == 400
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    ok = client.post(
        "/admin/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token}
    )
    assert ok.status_code == 302
    assert client.post("/admin/logout").status_code == 400  # no token: still signed in
    assert client.get("/admin/").status_code == 200
