"""Staff sign-in, sign-out, sessions, safe ``next``, password reset, password hashing."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher

from portal.extensions import db
from portal.models import OutboxEmail, Staff
from portal.services.identity import passwords, sessions
from tests.admin.conftest import reload
from tests.conftest import PASSWORD

FAILED = "Email or password is incorrect."


def test_login_page_has_the_fixed_field_names(client):
    body = client.get("/admin/login").get_data(as_text=True)
    assert 'name="email"' in body and 'name="password"' in body


def test_login_and_logout(client, make_staff):
    member = make_staff([])
    response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert reload(member).last_login_at is not None
    assert client.post("/admin/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_email_is_case_insensitive(client, make_staff):
    member = make_staff([])
    response = client.post(
        "/admin/login", data={"email": member.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("which", ["unknown", "wrong-password", "inactive"])
def test_failed_logins_answer_the_same(client, make_staff, which):
    member = make_staff([])
    email, password = member.email, PASSWORD
    if which == "unknown":
        email = "nobody@example.com"
    elif which == "wrong-password":
        password = "wrong password!"
    else:
        member = reload(member)
        member.is_active = False
        db.session.commit()
    response = client.post("/admin/login", data={"email": email, "password": password})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert FAILED in body
    assert "unknown" not in body.lower() and "deactivated" not in body.lower()
    assert client.get("/admin/").status_code == 302


def test_unknown_email_costs_one_full_hash_verification(client, monkeypatch):
    calls = []
    real_verify = PasswordHasher.verify

    def counting(self, hash_, password):
        calls.append(hash_)
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting)
    client.post("/admin/login", data={"email": "nobody@example.com", "password": "whatever12"})
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_a_contact_cannot_sign_in_as_staff(client, make_contact):
    contact = make_contact()
    response = client.post("/admin/login", data={"email": contact.email, "password": PASSWORD})
    assert response.status_code == 200 and FAILED in response.get_data(as_text=True)


def test_login_starts_a_new_session(client, make_staff):
    member = make_staff([])
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["sid"] = "fixed-id"
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["sid"] != "fixed-id"
        secret = session["_user_id"]
    # The session id is the secret of this browser's session row, which names the member and
    # stores only the secret's hash.
    record = sessions.find_active(secret)
    assert record is not None and (record.account_kind, record.account_id) == ("staff", member.id)
    assert record.token_hash == sessions.hash_secret(secret) != secret


def test_logout_ends_a_copied_session(app, client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    copy = app.test_client()
    with client.session_transaction() as original, copy.session_transaction() as stolen:
        stolen.update(original)
    assert copy.get("/admin/").status_code == 200
    client.post("/admin/logout")
    assert copy.get("/admin/").status_code == 302  # the cookie is still validly signed


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    other = app.test_client()
    other.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    response = client.post(
        "/admin/account",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "a brand new password",
            "pw-confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
    client.post("/admin/logout")
    ok = client.post(
        "/admin/login", data={"email": member.email, "password": "a brand new password"}
    )
    assert ok.status_code == 302


def test_password_change_with_a_wrong_current_password_changes_nothing(client, make_staff):
    member = make_staff([])
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    before = reload(member).password_hash
    response = client.post(
        "/admin/account",
        data={
            "pw-current_password": "not it at all",
            "pw-password": "x" * 12,
            "pw-confirm": "x" * 12,
        },
    )
    assert response.status_code == 200
    assert "The current password is not correct." in response.get_data(as_text=True)
    assert reload(member).password_hash == before


def test_deactivated_member_is_signed_out_at_the_next_request(app, make_staff):
    admin = make_staff(None)
    member = make_staff([])
    theirs = app.test_client()
    theirs.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert theirs.get("/admin/").status_code == 200
    mine = app.test_client()
    mine.post("/admin/login", data={"email": admin.email, "password": PASSWORD})
    response = mine.post(f"/admin/staff/{member.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert theirs.get("/admin/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/admin/",
        "%2F%2Fevil.example",
        "/%2F%2Fevil.example",
        "/admin/%5C%5Cevil.example",
        "javascript:alert(1)",
        "/clients/",
    ],
)
def test_next_must_be_a_relative_admin_path(client, make_staff, target):
    member = make_staff([])
    response = client.post(
        "/admin/login",
        query_string={"next": target},
        data={"email": member.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_next_is_followed_inside_the_admin(client, make_staff):
    member = make_staff([])
    response = client.post(
        "/admin/login?next=/admin/account",
        data={"email": member.email, "password": PASSWORD},
    )
    assert response.headers["Location"] == "/admin/account"


def test_guard_sends_to_login_with_next(client):
    response = client.get("/admin/account")
    assert response.headers["Location"] == "/admin/login?next=/admin/account"


def test_login_rehashes_old_parameters(client, make_staff):
    member = reload(make_staff([]))
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    member.password_hash = weak.hash(PASSWORD)
    db.session.commit()
    assert passwords.needs_rehash(member.password_hash)
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    stored = reload(member).password_hash
    assert not passwords.needs_rehash(stored)
    assert "m=19456,t=2,p=1" in stored


def _reset_link(recipient: str) -> str:
    email = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipient == recipient)
    ).one()
    path = re.search(r"http://portal\.test(/admin/reset-password/[^\s\"<]+)", email.body_text)
    assert path is not None, email.body_text
    return path.group(1)


def test_password_reset_by_email(client, make_staff):
    member = make_staff([])
    page = client.get("/admin/reset-password")
    assert 'name="email"' in page.get_data(as_text=True)
    known = client.post("/admin/reset-password", data={"email": member.email})
    unknown = client.post("/admin/reset-password", data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert db.session.scalar(db.select(db.func.count(OutboxEmail.id))) == 1
    link = _reset_link(member.email)
    form = client.get(link).get_data(as_text=True)
    assert 'name="password"' in form and 'name="confirm"' in form
    mismatch = client.post(link, data={"password": "new password 123", "confirm": "different 123"})
    assert mismatch.status_code == 200
    assert "The passwords do not match." in mismatch.get_data(as_text=True)
    done = client.post(link, data={"password": "new password 123", "confirm": "new password 123"})
    assert done.status_code == 302
    assert client.get(link).status_code == 410  # single use
    ok = client.post("/admin/login", data={"email": member.email, "password": "new password 123"})
    assert ok.status_code == 302


def test_reset_answer_is_the_same_page_for_unknown_and_known(client, make_staff):
    member = make_staff([])
    a = client.post("/admin/reset-password", data={"email": member.email}, follow_redirects=True)
    b = client.post("/admin/reset-password", data={"email": "x@example.com"}, follow_redirects=True)
    assert a.get_data(as_text=True) == b.get_data(as_text=True)


def test_forged_reset_link_is_refused(client):
    assert client.get("/admin/reset-password/not-a-token").status_code == 410


def test_member_language_is_used_for_the_whole_admin(client, make_staff):
    member = make_staff([], language="de")
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert 'lang="de"' in client.get("/admin/").get_data(as_text=True)
    client.post("/admin/account", data={"lang-language": "fi"})
    assert reload(member).language == "fi"
    assert 'lang="fi"' in client.get("/admin/account").get_data(as_text=True)


def test_a_staff_row_has_a_modern_hash(make_staff):
    member = make_staff([])
    assert db.session.get(Staff, member.id).password_hash.startswith("$argon2id$")
