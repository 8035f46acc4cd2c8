"""Portal brute force: after the configured number of failed sign-ins the limiter answers 429,
per account (from any address) and per address (on any account); only failures count; reset
and registration requests are limited per address. Uses its own app with the limiter on."""

from __future__ import annotations

import pyotp
import pytest

from portal import create_app
from portal.extensions import db
from portal.services.identity import twofactor as contact_twofactor
from portal.services.platform import settings
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
        "/clients/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_account_is_locked_after_failures_from_any_address(limited_app, make_contact):
    contact = make_contact()
    client = limited_app.test_client()
    for i in range(3):
        assert _login(client, contact.email, "wrong password", f"10.1.0.{i}").status_code == 200
    assert _login(client, contact.email, PASSWORD, "10.1.0.99").status_code == 429
    other = make_contact()
    assert _login(client, other.email, PASSWORD, "10.1.0.1").status_code == 302


def test_address_is_locked_after_failures_on_any_account(limited_app, make_contact):
    contact = make_contact()
    client = limited_app.test_client()
    for i in range(5):
        assert _login(client, f"guess{i}@example.com", "nope", "10.1.0.7").status_code == 200
    assert _login(client, contact.email, PASSWORD, "10.1.0.7").status_code == 429
    assert _login(client, contact.email, PASSWORD, "10.1.0.8").status_code == 302


def test_successful_logins_do_not_count(limited_app, make_contact):
    contact = make_contact()
    client = limited_app.test_client()
    for _ in range(6):
        assert _login(client, contact.email, PASSWORD, "10.1.0.9").status_code == 302
        client.post("/clients/logout", environ_base={"REMOTE_ADDR": "10.1.0.9"})


def test_second_factor_guesses_are_limited(limited_app, make_contact, write):
    contact = make_contact()
    write()
    contact_twofactor.enable(contact, pyotp.random_base32())
    db.session.commit()
    client = limited_app.test_client()
    assert _login(client, contact.email, PASSWORD, "10.1.0.3").status_code == 302
    codes = [
        client.post(
            "/clients/login/two-factor",
            data={"code": "000000"},
            environ_base={"REMOTE_ADDR": "10.1.0.3"},
        ).status_code
        for _ in range(4)
    ]
    assert codes[:3] == [200, 200, 200] and codes[3] == 429


def test_reset_and_register_are_limited_per_address(limited_app, write):
    write()
    settings.set_many({"registration_enabled": True})
    db.session.commit()
    client = limited_app.test_client()
    env = {"REMOTE_ADDR": "10.1.1.1"}
    resets = [
        client.post(
            "/clients/reset-password", data={"email": f"r{i}@example.com"}, environ_base=env
        ).status_code
        for i in range(6)
    ]
    assert resets[:5] == [302] * 5 and resets[5] == 429
    registrations = [
        client.post(
            "/clients/register", data={"email": "x"}, environ_base={"REMOTE_ADDR": "10.1.1.2"}
        ).status_code
        for _ in range(6)
    ]
    assert registrations[5] == 429
