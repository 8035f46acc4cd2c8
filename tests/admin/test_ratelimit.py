"""Login brute force: after the configured number of failures the limiter answers 429, per
account (any address) and per address (any account). Uses its own app with the limiter on."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def limited_app(app, app_config):
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes",
            "LOGIN_LIMIT_ADDRESS": "5 per 15 minutes",
        }
    )
    yield limited
    with limited.app_context():
        db.engine.dispose()


def _login(client, email, password, address):
    return client.post(
        "/admin/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_account_is_locked_after_failures_from_any_address(limited_app, make_staff):
    member = make_staff([])
    client = limited_app.test_client()
    for i in range(3):
        assert _login(client, member.email, "wrong password", f"10.0.0.{i}").status_code == 200
    blocked = _login(client, member.email, PASSWORD, "10.0.0.99")
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another account from the same addresses is not affected.
    other = make_staff([])
    assert _login(client, other.email, PASSWORD, "10.0.0.1").status_code == 302


def test_address_is_locked_after_failures_on_any_account(limited_app, make_staff):
    member = make_staff([])
    client = limited_app.test_client()
    for i in range(5):
        response = _login(client, f"guess{i}@example.com", "wrong password", "10.0.0.7")
        assert response.status_code == 200
    assert _login(client, member.email, PASSWORD, "10.0.0.7").status_code == 429
    assert _login(client, member.email, PASSWORD, "10.0.0.8").status_code == 302


def test_successful_logins_do_not_count(limited_app, make_staff):
    member = make_staff([])
    client = limited_app.test_client()
    for _ in range(6):
        assert _login(client, member.email, PASSWORD, "10.0.0.9").status_code == 302
        client.post("/admin/logout", environ_base={"REMOTE_ADDR": "10.0.0.9"})


def test_get_of_the_login_page_is_never_limited(limited_app, make_staff):
    member = make_staff([])
    client = limited_app.test_client()
    for _ in range(4):
        _login(client, member.email, "wrong password", "10.0.0.5")
    assert client.get("/admin/login").status_code == 200


def test_reset_requests_are_limited_per_address(limited_app):
    client = limited_app.test_client()
    codes = [
        client.post(
            "/admin/reset-password",
            data={"email": f"a{i}@example.com"},
            environ_base={"REMOTE_ADDR": "10.0.1.1"},
        ).status_code
        for i in range(6)
    ]
    assert codes[:5] == [302] * 5 and codes[5] == 429


def test_second_factor_guesses_are_limited(limited_app, make_staff, write):
    import pyotp

    from portal.services.identity import twofactor
    from tests.admin.conftest import reload

    member = make_staff([])
    write()
    twofactor.enable(reload(member), pyotp.random_base32())
    db.session.commit()
    client = limited_app.test_client()
    assert _login(client, member.email, PASSWORD, "10.0.2.1").status_code == 302
    codes = [
        client.post(
            "/admin/login/two-factor",
            data={"code": "000000"},
            environ_base={"REMOTE_ADDR": "10.0.2.1"},
        ).status_code
        for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
