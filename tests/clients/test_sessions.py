"""Portal sessions per device (SPEC section 11, issue 24 item 10): signing out ends only that
browser's session; ``/clients/sessions`` lists the contact's sessions and ends one or all
others; a password change, a two-factor change or deactivation ends them."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from portal.extensions import db
from portal.models import UserSession
from portal.models.base import utcnow
from portal.services.identity import sessions
from tests.conftest import PASSWORD

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
LAPTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"


def _device(app, contact, agent, address="192.0.2.10"):
    """A browser (its own cookie jar, user agent and address) signed in as ``contact``."""
    client = app.test_client()
    client.environ_base.update(HTTP_USER_AGENT=agent, REMOTE_ADDR=address)
    response = client.post("/clients/login", data={"email": contact.email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/clients/").status_code == 200
    return client


def _signed_in(client) -> bool:
    response = client.get("/clients/")
    if response.status_code == 302:
        assert "/clients/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def _rows(contact):
    db.session.expire_all()
    return sessions.list_active(contact)


def _id_of(contact, agent):
    return next(r.id for r in _rows(contact) if r.user_agent == agent)


def test_signing_out_on_the_phone_keeps_the_laptop_signed_in(app, make_contact):
    contact = make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    assert phone.post("/clients/logout").status_code == 302
    assert not _signed_in(phone)
    assert _signed_in(laptop)
    assert [r.device for r in _rows(contact)] == ["Firefox on Windows"]


def test_the_stolen_cookie_of_a_signed_out_session_stays_dead(app, make_contact):
    contact = make_contact()
    phone = _device(app, contact, PHONE)
    stolen = phone.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert _signed_in(thief)  # the copy works while the session lasts
    phone.post("/clients/logout")
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/clients/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/clients/login")


def test_the_list_shows_each_device(app, make_contact):
    contact = make_contact()
    _device(app, contact, PHONE, "198.51.100.7")
    laptop = _device(app, contact, LAPTOP, "203.0.113.9")
    page = laptop.get("/clients/sessions")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Safari on iPhone" in body and "Firefox on Windows" in body
    assert "198.51.100.7" in body and "203.0.113.9" in body
    assert body.count("This device") == 1
    # "This device" is on the laptop's row (the rows are in last-seen order, laptop first).
    assert body.index("Firefox on Windows") < body.index("This device") < body.index("Safari")
    assert "Sign out all other sessions" in body
    profile = laptop.get("/clients/profile").get_data(as_text=True)
    assert "/clients/sessions" in profile


def test_ending_one_session_ends_only_that_one(app, make_contact):
    contact = make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    tablet = _device(app, contact, "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X)")
    response = laptop.post(f"/clients/sessions/{_id_of(contact, PHONE)}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/clients/sessions"
    assert not _signed_in(phone)
    assert _signed_in(laptop) and _signed_in(tablet)
    # An ended session cannot be ended again.
    ended = db.session.scalar(db.select(UserSession.id).where(UserSession.user_agent == PHONE))
    assert laptop.post(f"/clients/sessions/{ended}/end").status_code == 404


def test_ending_this_devices_own_session_signs_it_out(app, make_contact):
    contact = make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    response = laptop.post(f"/clients/sessions/{_id_of(contact, LAPTOP)}/end")
    assert response.headers["Location"] == "/clients/login"
    assert not _signed_in(laptop)
    assert _signed_in(phone)


def test_signing_out_all_others_keeps_this_one(app, make_contact):
    contact, colleague = make_contact(), make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    tablet = _device(app, contact, "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X)")
    theirs = _device(app, colleague, PHONE)
    response = laptop.post("/clients/sessions/end-others")
    assert response.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone) and not _signed_in(tablet)
    assert _signed_in(theirs)
    assert [r.user_agent for r in _rows(contact)] == [LAPTOP]


def test_a_password_change_ends_the_other_sessions(app, make_contact):
    contact = make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    kept = _id_of(contact, LAPTOP)
    copy = laptop.get_cookie("session").value
    response = laptop.post(
        "/clients/profile",
        data={
            "pw-current_password": PASSWORD,
            "pw-password": "a brand new password",
            "pw-confirm": "a brand new password",
        },
    )
    assert response.status_code == 302
    assert _signed_in(laptop)
    assert not _signed_in(phone)
    assert [r.id for r in _rows(contact)] == [kept]  # the same session, kept
    # ... under a new secret: a copy of the cookie from before the change is dead.
    thief = app.test_client()
    thief.set_cookie("session", copy)
    assert not _signed_in(thief)


def test_turning_on_two_factor_ends_the_other_sessions(app, make_contact):
    contact = make_contact()
    phone, laptop = _device(app, contact, PHONE), _device(app, contact, LAPTOP)
    laptop.get("/clients/profile/two-factor")
    with laptop.session_transaction() as state:
        secret = state["portal_2fa_setup_secret"]
    response = laptop.post(
        "/clients/profile/two-factor",
        data={"action": "enable", "enable-code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 200
    assert "Two-factor sign-in is on." in response.get_data(as_text=True)
    assert _signed_in(laptop)
    assert not _signed_in(phone)


def test_deactivation_by_a_colleague_ends_every_session(app, world):
    member = world.a.colleague
    phone, laptop = _device(app, member, PHONE), _device(app, member, LAPTOP)
    manager = _device(app, world.a.primary, LAPTOP)
    response = manager.post(f"/clients/contacts/{member.id}/active", data={})
    assert response.status_code == 302
    assert not _signed_in(phone) and not _signed_in(laptop)
    assert _rows(member) == []
    # Active again, the old sessions stay ended.
    manager.post(f"/clients/contacts/{member.id}/active", data={"active": "y"})
    assert not _signed_in(phone) and not _signed_in(laptop)


def test_a_contact_cannot_end_another_contacts_session(app, world):
    victim_phone = _device(app, world.a.colleague, PHONE, "198.51.100.66")
    other_customer = _device(app, world.b.primary, PHONE)
    colleague_of_victim = _device(app, world.a.primary, LAPTOP)
    victims = _id_of(world.a.colleague, PHONE)
    for client in (other_customer, colleague_of_victim):
        assert client.post(f"/clients/sessions/{victims}/end").status_code == 404
        page = client.get("/clients/sessions").get_data(as_text=True)
        assert "198.51.100.66" not in page  # only one's own sessions are listed
    assert _signed_in(victim_phone)
    assert [r.id for r in _rows(world.a.colleague)] == [victims]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/clients/sessions"),
        ("POST", "/clients/sessions/1/end"),
        ("POST", "/clients/sessions/end-others"),
    ],
)
def test_anonymous_is_sent_to_the_login(client, make_contact, method, path):
    contact = make_contact()
    phone = client.application.test_client()
    phone.post("/clients/login", data={"email": contact.email, "password": PASSWORD})
    response = client.get(path) if method == "GET" else client.post(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/clients/login")
    assert len(_rows(contact)) == 1


def test_a_staff_session_is_not_a_portal_session(app, make_staff):
    member = make_staff([])
    client = app.test_client()
    client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    response = client.get("/clients/sessions")
    assert response.status_code == 302 and "/clients/login" in response.headers["Location"]


def test_viewing_as_the_contact_shows_its_sessions_read_only(app, make_contact, make_staff):
    contact = make_contact()
    phone = _device(app, contact, PHONE)
    staff = app.test_client()
    member = make_staff(["customers.view", "customers.edit"])
    staff.post("/admin/login", data={"email": member.email, "password": PASSWORD})
    assert staff.post(f"/admin/contacts/{contact.id}/view-as").status_code == 302
    page = staff.get("/clients/sessions")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "Safari on iPhone" in body
    assert "This device" not in body and 'class="link" disabled' in body
    assert staff.post(f"/clients/sessions/{_id_of(contact, PHONE)}/end").status_code == 403
    assert staff.post("/clients/sessions/end-others").status_code == 403
    assert _signed_in(phone)


def test_last_seen_is_written_at_most_once_a_minute(app, make_contact, count_queries):
    contact = make_contact()
    laptop = _device(app, contact, LAPTOP)
    row = _rows(contact)[0]
    seen = row.last_seen_at
    with count_queries() as queries:
        laptop.get("/clients/")
    assert not any(
        q.lstrip().upper().startswith("UPDATE USER_SESSIONS") for q in queries.statements
    )
    assert _rows(contact)[0].last_seen_at == seen
    earlier = utcnow() - timedelta(minutes=5)
    db.session.execute(db.update(UserSession).values(last_seen_at=earlier))
    db.session.commit()
    assert _signed_in(laptop)
    assert _rows(contact)[0].last_seen_at > earlier + timedelta(minutes=4)
