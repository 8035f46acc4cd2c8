"""Two-factor sign-in with TOTP and recovery codes; an Administrator can require it."""

from __future__ import annotations

import re

import pyotp

from portal.extensions import db
from portal.services.identity import twofactor
from portal.services.platform import settings
from tests.admin.conftest import reload
from tests.conftest import PASSWORD


def _enable(client, member):
    page = client.get("/admin/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    assert "otpauth://totp/" in page
    bad = client.post(
        "/admin/account/two-factor", data={"action": "enable", "enable-code": "000000"}
    )
    assert "This code is not valid." in bad.get_data(as_text=True)
    assert reload(member).totp_secret is None
    code = pyotp.TOTP(secret).now()
    done = client.post("/admin/account/two-factor", data={"action": "enable", "enable-code": code})
    body = done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>", body)
    assert len(codes) == twofactor.RECOVERY_CODES
    assert reload(member).totp_secret == secret
    return secret, codes


def _password_step(client, member):
    response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert response.headers["Location"] == "/admin/login/two-factor"
    return response


def test_enable_then_sign_in_with_a_code(client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    secret, _codes = _enable(client, member)
    client.post("/admin/logout")
    _password_step(client, member)
    assert client.get("/admin/").status_code == 302  # not signed in yet
    wrong = client.post("/admin/login/two-factor", data={"code": "123456"})
    assert "This code is not valid." in wrong.get_data(as_text=True)
    ok = client.post("/admin/login/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert ok.status_code == 302 and ok.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_recovery_codes_work_once(client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    _secret, codes = _enable(client, member)
    client.post("/admin/logout")
    _password_step(client, member)
    assert client.post("/admin/login/two-factor", data={"code": codes[0]}).status_code == 302
    assert twofactor.remaining_recovery_codes(reload(member)) == len(codes) - 1
    client.post("/admin/logout")
    _password_step(client, member)
    again = client.post("/admin/login/two-factor", data={"code": codes[0]})
    assert again.status_code == 200


def test_two_factor_step_needs_the_password_step(client):
    response = client.get("/admin/login/two-factor")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/login"


def test_disable_needs_the_password(client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    _enable(client, member)
    client.post(
        "/admin/account/two-factor",
        data={"action": "disable", "confirm-current_password": "nope nope"},
    )
    assert reload(member).totp_secret is not None
    client.post(
        "/admin/account/two-factor",
        data={"action": "disable", "confirm-current_password": PASSWORD},
    )
    assert reload(member).totp_secret is None


def test_required_two_factor_sends_members_to_the_setup(client, make_staff, write):
    member = make_staff([])
    write()
    settings.set_many({"require_staff_2fa": True})
    db.session.commit()
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/account/two-factor"
    _enable(client, member)
    assert client.get("/admin/").status_code == 200


def test_administrator_can_require_it_in_settings(staff_client):
    client, _member = staff_client(None)
    data = {
        "company_name": "Acme",
        "invoice_prefix": "INV-",
        "estimate_prefix": "EST-",
        "require_staff_2fa": "y",
    }
    assert client.post("/admin/settings", data=data).status_code == 302
    assert settings.get("require_staff_2fa") is True
