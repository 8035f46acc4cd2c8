"""Staff sessions per device (SPEC section 11, issue 24 item 10): signing out ends only that
browser's session; ``/admin/account/sessions`` lists the member's sessions and ends one or all
others; deactivation ends them all; staff with ``customers.edit`` end a contact's sessions."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Staff
from portal.services.identity import sessions
from tests.conftest import PASSWORD

PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.6478.71 Mobile Safari/537.36"
)
LAPTOP = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15"
)


def _device(app, account, agent, address="192.0.2.20", side="admin"):
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post(f"/{side}/login", data={"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _signed_in(client, side="admin") -> bool:
    response = client.get(f"/{side}/")
    if response.status_code == 302:
        assert f"/{side}/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def _rows(account):
    db.session.expire_all()
    return sessions.list_active(account)


def _id_of(account, agent):
    return next(r.id for r in _rows(account) if r.user_agent == agent)


def test_signing_out_on_the_phone_keeps_the_laptop_signed_in(app, make_staff):
    member = make_staff([])
    phone, laptop = _device(app, member, PHONE), _device(app, member, LAPTOP)
    stolen = phone.get_cookie("session").value
    phone.post("/admin/logout")
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert not _signed_in(thief)


def test_the_list_shows_each_device_and_marks_this_one(app, make_staff):
    member = make_staff([])
    _device(app, member, PHONE, "198.51.100.21")
    laptop = _device(app, member, LAPTOP, "203.0.113.22")
    body = laptop.get("/admin/account/sessions").get_data(as_text=True)
    assert "Chrome on Android" in body and "Safari on macOS" in body
    assert "198.51.100.21" in body and "203.0.113.22" in body
    assert body.count("This device") == 1
    assert body.index("Safari on macOS") < body.index("This device") < body.index("Chrome on")
    assert "/admin/account/sessions" in laptop.get("/admin/account").get_data(as_text=True)


def test_ending_one_and_all_others(app, make_staff):
    member = make_staff([])
    phone, laptop = _device(app, member, PHONE), _device(app, member, LAPTOP)
    tablet = _device(app, member, "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0")
    response = laptop.post(f"/admin/account/sessions/{_id_of(member, PHONE)}/end")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/account/sessions"
    assert not _signed_in(phone)
    assert _signed_in(laptop) and _signed_in(tablet)
    assert laptop.post("/admin/account/sessions/end-others").status_code == 302
    assert not _signed_in(tablet)
    assert _signed_in(laptop)
    assert [r.user_agent for r in _rows(member)] == [LAPTOP]


def test_a_member_cannot_end_another_members_session(app, make_staff):
    victim, other = make_staff([]), make_staff(None)  # the other one is an Administrator
    victim_phone = _device(app, victim, PHONE)
    admin = _device(app, other, LAPTOP)
    response = admin.post(f"/admin/account/sessions/{_id_of(victim, PHONE)}/end")
    assert response.status_code == 404
    assert _signed_in(victim_phone)
    admin.post("/admin/account/sessions/end-others")
    assert _signed_in(victim_phone)


def test_the_password_change_ends_the_other_sessions_and_keeps_this_one(app, make_staff):
    member = make_staff([])
    phone, laptop = _device(app, member, PHONE), _device(app, member, LAPTOP)
    kept = _id_of(member, LAPTOP)
    response = laptop.post(
        "/admin/account",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "a brand new password",
            "pw-confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert _signed_in(laptop) and not _signed_in(phone)
    assert [r.id for r in _rows(member)] == [kept]


def test_deactivation_ends_every_session(app, make_staff):
    member = make_staff([])
    phone, laptop = _device(app, member, PHONE), _device(app, member, LAPTOP)
    admin = _device(app, make_staff(None), LAPTOP)
    response = admin.post(f"/admin/staff/{member.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert _rows(member) == []
    admin.post(f"/admin/staff/{member.id}/active", data={"active": "1"})
    assert db.session.get(Staff, member.id).is_active
    assert not _signed_in(phone) and not _signed_in(laptop)  # active again, still signed out


# -- staff end a contact's sessions ---------------------------------------------------------------


def test_staff_sign_a_contact_out_everywhere(app, make_staff, make_contact):
    contact, other = make_contact(), make_contact()
    phone = _device(app, contact, PHONE, side="clients")
    laptop = _device(app, contact, LAPTOP, side="clients")
    theirs = _device(app, other, PHONE, side="clients")
    editor = _device(app, make_staff(["customers.view", "customers.edit"]), LAPTOP)
    card = editor.get(f"/admin/customers/{contact.customer_id}?tab=contacts")
    path = f"/admin/customers/{contact.customer_id}/contacts/{contact.id}/sign-out"
    assert path in card.get_data(as_text=True)
    response = editor.post(path)
    assert response.status_code == 302
    assert not _signed_in(phone, "clients") and not _signed_in(laptop, "clients")
    assert _signed_in(theirs, "clients")


def test_deactivating_a_contact_ends_its_sessions(app, make_staff, make_contact):
    contact = make_contact()
    contact_b = make_contact(contact.customer)  # the first contact is primary
    phone = _device(app, contact_b, PHONE, side="clients")
    editor = _device(app, make_staff(["customers.view", "customers.edit"]), LAPTOP)
    response = editor.post(
        f"/admin/customers/{contact.customer_id}/contacts/{contact_b.id}/deactivate"
    )
    assert response.status_code == 302
    assert _rows(contact_b) == []
    editor.post(f"/admin/customers/{contact.customer_id}/contacts/{contact_b.id}/activate")
    assert not _signed_in(phone, "clients")


def test_without_customers_edit_a_member_cannot_sign_a_contact_out(app, make_staff, make_contact):
    contact = make_contact()
    phone = _device(app, contact, PHONE, side="clients")
    viewer = _device(app, make_staff(["customers.view"]), LAPTOP)
    path = f"/admin/customers/{contact.customer_id}/contacts/{contact.id}/sign-out"
    assert viewer.post(path).status_code == 403
    assert path not in viewer.get(f"/admin/customers/{contact.customer_id}?tab=contacts").get_data(
        as_text=True
    )
    assert _signed_in(phone, "clients")


def test_a_contact_of_another_customer_is_404(app, make_staff, make_contact):
    contact, stranger = make_contact(), make_contact()
    phone = _device(app, stranger, PHONE, side="clients")
    editor = _device(app, make_staff(["customers.view", "customers.edit"]), LAPTOP)
    path = f"/admin/customers/{contact.customer_id}/contacts/{stranger.id}/sign-out"
    assert editor.post(path).status_code == 404
    assert _signed_in(phone, "clients")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/account/sessions"),
        ("POST", "/admin/account/sessions/1/end"),
        ("POST", "/admin/account/sessions/end-others"),
        ("POST", "/admin/customers/1/contacts/1/sign-out"),
    ],
)
def test_anonymous_and_contacts_are_sent_to_the_login(app, make_contact, method, path):
    anonymous = app.test_client()
    contact = _device(app, make_contact(), PHONE, side="clients")
    for client in (anonymous, contact):
        response = client.get(path) if method == "GET" else client.post(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/admin/login")


def test_changing_ones_own_email_keeps_one_session_here_and_ends_the_others(app, make_staff):
    admin = make_staff(None)
    phone, laptop = _device(app, admin, PHONE), _device(app, admin, LAPTOP)
    response = laptop.post(
        f"/admin/staff/{admin.id}",
        data={
            "name": admin.name,
            "email": "new.address@example.com",
            "role_id": admin.role_id,
            "language": "",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(laptop) and not _signed_in(phone)
    assert [r.user_agent for r in _rows(admin)] == [LAPTOP]  # no left-over row of this browser


def test_editing_ones_own_name_leaves_no_stale_row_of_this_browser(app, make_staff):
    admin = make_staff(None)
    phone, laptop = _device(app, admin, PHONE), _device(app, admin, LAPTOP)
    response = laptop.post(
        f"/admin/staff/{admin.id}",
        data={"name": "A New Name", "email": admin.email, "role_id": admin.role_id, "language": ""},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _signed_in(laptop) and _signed_in(phone)
    assert sorted(r.user_agent for r in _rows(admin)) == sorted([PHONE, LAPTOP])
