"""Portal sign-in, sign-out, set password, reset: same answers for known and unknown emails,
sessions that end, languages before sign-in, and CSRF on a real (CSRF-enabled) app."""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.extensions import db
from portal.models import Contact, OutboxEmail
from portal.services.identity import tokens
from tests.conftest import PASSWORD


def _login(client, email, password, **kw):
    return client.post("/clients/login", data={"email": email, "password": password}, **kw)


def test_login_form_field_names(client):
    body = client.get("/clients/login").get_data(as_text=True)
    assert 'name="email"' in body and 'name="password"' in body


def test_login_and_logout_end_the_session(app, make_contact):
    contact = make_contact()
    client = app.test_client()
    assert _login(client, contact.email, PASSWORD).status_code == 302
    assert client.get("/clients/").status_code == 200
    stolen = client.get_cookie("session").value
    assert client.post("/clients/logout").status_code == 302
    assert client.get("/clients/").status_code == 302
    # A copy of the old session cookie no longer works either.
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/clients/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_contact):
    contact = make_contact()
    wrong = _login(client, contact.email, "not the password")
    unknown = _login(client, "nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)
    assert "Email or password is incorrect." in wrong.get_data(as_text=True)


def test_next_only_inside_the_portal(client, make_contact):
    contact = make_contact()
    response = client.post(
        "/clients/login?next=https://evil.example/",
        data={"email": contact.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/clients/"
    client.post("/clients/logout")
    response = client.post(
        "/clients/login?next=/clients/profile",
        data={"email": contact.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/clients/profile"


def test_reset_answers_the_same_for_known_and_unknown(client, make_contact):
    contact = make_contact()
    known = client.post("/clients/reset-password", data={"email": contact.email})
    unknown = client.post("/clients/reset-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    rows = db.session.scalars(db.select(OutboxEmail)).all()
    assert [r.recipient for r in rows] == [contact.email]


def test_reset_link_sets_a_password_once(client, make_contact):
    contact = make_contact()
    token = tokens.make_token(contact, "reset")
    page = client.get(f"/clients/reset-password/{token}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'name="password"' in body and 'name="confirm"' in body
    bad = client.post(
        f"/clients/reset-password/{token}", data={"password": "short", "confirm": "short"}
    )
    assert bad.status_code == 422
    assert "Use at least 10 characters." in bad.get_data(as_text=True)
    ok = client.post(
        f"/clients/reset-password/{token}",
        data={"password": "a brand new password", "confirm": "a brand new password"},
    )
    assert ok.status_code == 302
    assert client.get(f"/clients/reset-password/{token}").status_code == 410
    assert _login(client, contact.email, "a brand new password").status_code == 302


def test_set_password_page_speaks_the_contacts_language(client, make_contact):
    contact = make_contact(language="de", password=None)
    token = tokens.make_token(contact, "welcome")
    page = client.get(f"/clients/set-password/{token}", headers={"Accept-Language": "fr"})
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="de"' in body and "Passwort festlegen" in body


def test_set_password_page_uses_the_customers_language(client, make_customer, make_contact):
    contact = make_contact(make_customer(language="fi"), password=None)
    token = tokens.make_token(contact, "welcome")
    body = client.get(f"/clients/set-password/{token}").get_data(as_text=True)
    assert 'lang="fi"' in body


@pytest.mark.parametrize("path", ["/clients/login", "/clients/reset-password"])
def test_public_pages_follow_accept_language(client, path):
    body = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert 'lang="de"' in body
    assert "Anmelden" in body or "Passwort zurücksetzen" in body
    body = client.get(path, headers={"Accept-Language": "nl"}).get_data(as_text=True)
    assert 'lang="nl"' in body


def test_wrong_login_message_is_translated(client, make_contact):
    contact = make_contact()
    response = _login(client, contact.email, "wrong password", headers={"Accept-Language": "de"})
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.get_data(as_text=True)


def test_password_change_ends_other_sessions(app, make_contact, contact_client):
    contact = make_contact()
    first, second = contact_client(contact), contact_client(contact)
    response = first.post(
        "/clients/profile",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "another long password",
            "pw-confirm": "another long password",
        },
    )
    assert response.status_code == 302
    assert first.get("/clients/").status_code == 200
    assert second.get("/clients/").status_code == 302


def test_wrong_current_password_changes_nothing(make_contact, contact_client):
    contact = make_contact()
    client = contact_client(contact)
    before = contact.password_hash
    response = client.post(
        "/clients/profile",
        data={
            "pw-current_password": "not it",
            "pw-password": "another long password",
            "pw-confirm": "another long password",
        },
    )
    assert response.status_code == 422
    assert "The current password is not correct." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).password_hash == before


def test_post_without_csrf_token_is_refused(app_config, app, make_contact):
    csrf_app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    try:
        contact = make_contact()
        client = csrf_app.test_client()
        response = _login(client, contact.email, PASSWORD)
        assert response.status_code == 400
        page = client.get("/clients/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = client.post(
            "/clients/login",
            data={"email": contact.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302
        # Signed in, a state change without the token is refused too.
        response = client.post("/clients/language", data={"language": "de"})
        assert response.status_code == 400
    finally:
        with csrf_app.app_context():
            db.engine.dispose()
