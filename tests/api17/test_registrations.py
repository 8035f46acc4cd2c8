"""Registration modes ``off | open | approval``: with approval the sign-up waits in a staff
queue; approving or refusing emails the registrant (through the outbox and a real SMTP
server, in the registrant's language). Who must not see the queue."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Contact, Customer, OutboxEmail, RegistrationRequest
from portal.models.database import begin_write
from portal.services.identity import registrations
from portal.services.platform import outbox, settings

FORM = {
    "company_name": "Newco Oy",
    "first_name": "Ella",
    "last_name": "Virtanen",
    "email": "ella@newco.example",
    "phone": "+358 40 123",
}


def _mode(mode: str) -> None:
    begin_write(db.session)
    settings.set_many({"registration_mode": mode})
    db.session.commit()


def _register(client, **data):
    return client.post(
        "/clients/register", data={**FORM, **data}, headers={"Accept-Language": "fi"}
    )


def _pending(app, client, make_currency, make_staff):
    make_currency("EUR", "€", 2, True)
    admin = make_staff(language="de")
    _mode("approval")
    assert _register(client).status_code == 200
    request = db.session.scalar(select(RegistrationRequest))
    return admin, request


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_modes_off_open_and_the_old_switch(client, make_currency):
    make_currency("EUR", "€", 2, True)
    assert registrations.mode() == "off"
    assert client.get("/clients/register").status_code == 404
    begin_write(db.session)
    settings.set_many({"registration_enabled": True})  # before the modes: on means open
    db.session.commit()
    assert registrations.mode() == "open"
    _mode("off")
    assert client.get("/clients/register").status_code == 404
    _mode("open")
    assert _register(client).status_code == 200
    contact = db.session.scalar(select(Contact))
    assert contact.customer.is_active
    assert (
        db.session.scalar(
            select(OutboxEmail.template).where(OutboxEmail.recipient == contact.email)
        )
        == "welcome"
    )
    assert db.session.scalar(select(RegistrationRequest)) is None


def test_approval_keeps_the_customer_waiting_without_a_welcome(
    app, client, make_currency, make_staff
):
    admin, request = _pending(app, client, make_currency, make_staff)
    page = client.post(
        "/clients/register",
        data={**FORM, "email": "second@newco.example"},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    assert "We review new registrations first." in page
    assert request.status == "pending" and request.email == FORM["email"]
    assert request.language == "fi" and request.name == "Ella Virtanen"
    customer = db.session.get(Customer, request.customer_id)
    assert customer.is_active is False
    emails = {(e.recipient, e.template) for e in db.session.scalars(select(OutboxEmail))}
    assert (FORM["email"], "welcome") not in emails
    assert (admin.email, "registration_staff") in emails
    staff_mail = db.session.scalar(select(OutboxEmail).where(OutboxEmail.recipient == admin.email))
    assert "/admin/registrations" in staff_mail.body_text
    # No password and an inactive customer: no sign-in, and no reset link either.
    client.post("/clients/reset-password", data={"email": FORM["email"]})
    assert (FORM["email"], "password_reset") not in {
        (e.recipient, e.template) for e in db.session.scalars(select(OutboxEmail))
    }


def test_approve_emails_a_working_set_password_link_in_the_registrant_language(
    app, client, make_currency, make_staff, staff_client, smtp_server
):
    _admin, request = _pending(app, client, make_currency, make_staff)
    db.session.execute(db.delete(OutboxEmail))
    db.session.commit()
    staff, member = staff_client(["customers.view", "customers.edit"])
    page = staff.get("/admin/registrations").get_data(as_text=True)
    assert "Newco Oy" in page and FORM["email"] in page
    response = staff.post(f"/admin/registrations/{request.id}/approve")
    assert response.status_code == 302
    db.session.expire_all()
    request = db.session.get(RegistrationRequest, request.id)
    assert request.status == "approved" and request.decided_by_id == member.id
    assert request.customer.is_active
    outbox.deliver()
    [message] = [m for m in smtp_server.messages if m["To"] == FORM["email"]]
    assert message["Content-Language"] == "fi"
    text = _body(message)
    assert "Hei Ella Virtanen," in text
    link = re.search(r"https?://[^/\s]+(/clients/set-password/\S+)", text).group(1)
    assert (
        client.post(
            link, data={"password": "a long new password", "confirm": "a long new password"}
        ).status_code
        == 302
    )
    login = client.post(
        "/clients/login", data={"email": FORM["email"], "password": "a long new password"}
    )
    assert login.status_code == 302
    # Deciding again is refused, nothing changes.
    again = staff.post(f"/admin/registrations/{request.id}/refuse", follow_redirects=True)
    assert "This registration was already decided." in again.get_data(as_text=True)
    assert db.session.get(Customer, request.customer_id) is not None


def test_refuse_emails_the_registrant_and_deletes_the_customer(
    app, client, make_currency, make_staff, staff_client, smtp_server
):
    _admin, request = _pending(app, client, make_currency, make_staff)
    customer_id = request.customer_id
    db.session.execute(db.delete(OutboxEmail))
    db.session.commit()
    staff, _member = staff_client(["customers.edit"])
    assert staff.post(f"/admin/registrations/{request.id}/refuse").status_code == 302
    db.session.expire_all()
    request = db.session.get(RegistrationRequest, request.id)
    assert request.status == "refused" and request.customer_id is None
    assert request.company_name == "Newco Oy"  # the record of the decision stays
    assert db.session.get(Customer, customer_id) is None
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0
    outbox.deliver()
    [message] = [m for m in smtp_server.messages if m["To"] == FORM["email"]]
    assert message["Content-Language"] == "fi"
    assert "Hei Ella Virtanen," in _body(message)
    assert "/clients/set-password/" not in _body(message)
    listed = staff.get("/admin/registrations?status=refused").get_data(as_text=True)
    assert "Newco Oy" in listed


def test_who_must_not_see_the_queue(
    app, client, make_currency, make_staff, staff_client, make_contact, login_contact
):
    _admin, request = _pending(app, client, make_currency, make_staff)
    for path in ("/admin/registrations",):
        assert "/admin/login" in client.get(path).location
    assert "/admin/login" in client.post(f"/admin/registrations/{request.id}/approve").location
    viewer, _ = staff_client(["customers.view", "customers.view_own"])
    assert viewer.get("/admin/registrations").status_code == 403
    assert viewer.post(f"/admin/registrations/{request.id}/approve").status_code == 403
    other = make_contact()
    login_contact(other)
    assert "/admin/login" in client.get("/admin/registrations").location
    db.session.expire_all()
    assert db.session.get(RegistrationRequest, request.id).status == "pending"
    editor, _ = staff_client(["customers.edit"])
    assert editor.post("/admin/registrations/999999/approve").status_code == 404


def test_settings_page_chooses_the_mode(staff_client):
    client, _ = staff_client(["settings.view", "settings.edit"])
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'name="registration_mode"' in page and 'value="approval"' in page
    data = {
        "company_name": "Acme",
        "invoice_prefix": "INV-",
        "estimate_prefix": "EST-",
        "credit_note_prefix": "CN-",
        "customer_prefix": "C-",
        "default_language": "",
        "online_payment_minimum": "1.00",
        "registration_mode": "approval",
    }
    assert client.post("/admin/settings", data=data).status_code == 302
    assert registrations.mode() == "approval" and settings.get("registration_enabled") is True
    response = client.post("/admin/settings", data={**data, "registration_mode": "sometimes"})
    assert response.status_code == 422
    assert 'id="registration_mode-error"' in response.get_data(as_text=True)
    assert registrations.mode() == "approval"
    client.post("/admin/settings", data={**data, "registration_mode": "off"})
    assert registrations.mode() == "off" and settings.get("registration_enabled") is False
