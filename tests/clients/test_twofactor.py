"""Optional two-factor sign-in for contacts: setup with a TOTP code, sign-in with a code or a
single-use recovery code, turning it off with the password."""

from __future__ import annotations

import re

import pyotp

from portal.extensions import db
from portal.models import Contact
from tests.conftest import PASSWORD


def _enable(client) -> tuple[str, list[str]]:
    page = client.get("/clients/profile/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    response = client.post(
        "/clients/profile/two-factor",
        data={"action": "enable", "enable-code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def _password_step(client, contact):
    response = client.post("/clients/login", data={"email": contact.email, "password": PASSWORD})
    assert response.status_code == 302
    return response.headers["Location"]


def test_setup_and_sign_in_with_a_code(app, make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    secret, _codes = _enable(client)
    assert client.get("/clients/").status_code == 200  # this session goes on
    fresh = app.test_client()
    assert _password_step(fresh, contact) == "/clients/login/two-factor"
    assert fresh.get("/clients/").status_code == 302  # not signed in yet
    wrong = fresh.post("/clients/login/two-factor", data={"code": "123456"})
    assert "This code is not valid." in wrong.get_data(as_text=True)
    ok = fresh.post("/clients/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302 and ok.headers["Location"] == "/clients/"
    assert fresh.get("/clients/").status_code == 200


def test_wrong_setup_code_does_not_enable(make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    client.get("/clients/profile/two-factor")
    response = client.post(
        "/clients/profile/two-factor", data={"action": "enable", "enable-code": "000000"}
    )
    assert "This code is not valid." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).totp_secret is None


def test_recovery_code_works_once(app, make_contact, contact_client):
    contact = make_contact()
    _secret, codes = _enable(contact_client(contact))
    first = app.test_client()
    _password_step(first, contact)
    assert first.post("/clients/login/two-factor", data={"code": codes[0]}).status_code == 302
    second = app.test_client()
    _password_step(second, contact)
    again = second.post("/clients/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 200
    assert "This code is not valid." in again.get_data(as_text=True)


def test_turning_off_needs_the_password(app, make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    _enable(client)
    refused = client.post(
        "/clients/profile/two-factor",
        data={"action": "disable", "confirm-current_password": "wrong"},
    )
    assert "The current password is not correct." in refused.get_data(as_text=True)
    ok = client.post(
        "/clients/profile/two-factor",
        data={"action": "disable", "confirm-current_password": PASSWORD},
    )
    assert ok.status_code == 302
    fresh = app.test_client()
    assert _password_step(fresh, contact) == "/clients/"


def test_two_factor_step_without_password_step_goes_back_to_login(client):
    response = client.get("/clients/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/clients/login"
