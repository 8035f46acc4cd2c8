"""Self-registration: only when switched on; creates the customer and its primary contact,
sends the welcome email and notifies staff; the same answer for a known email."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Contact, Customer, OutboxEmail
from portal.services.platform import settings

FORM = {
    "company_name": "Newco Oy",
    "first_name": "Ella",
    "last_name": "Virtanen",
    "email": "ella@newco.example",
    "phone": "+358 40 123",
}


def _open(write) -> None:
    write()
    settings.set_many({"registration_enabled": True})
    db.session.commit()


def test_registration_is_off_by_default(client, make_currency):
    assert client.get("/clients/register").status_code == 404
    assert client.post("/clients/register", data=FORM).status_code == 404
    assert db.session.scalar(db.select(Customer)) is None


def test_register_creates_customer_primary_contact_and_emails(
    client, write, make_currency, make_staff
):
    make_currency("EUR", "€", 2, True)
    admin = make_staff(language="de")
    make_staff(["customers.view"])  # may not edit customers: not notified
    _open(write)
    response = client.post("/clients/register", data=FORM, headers={"Accept-Language": "fi"})
    assert response.status_code == 200
    assert "ella@newco.example" in response.get_data(as_text=True)
    contact = db.session.scalar(db.select(Contact).where(Contact.email == FORM["email"]))
    assert contact.is_primary and contact.password_hash is None
    assert contact.customer.company_name == "Newco Oy"
    assert contact.customer.language == "fi"
    emails = {e.recipient: e for e in db.session.scalars(db.select(OutboxEmail))}
    assert set(emails) == {FORM["email"], admin.email}
    assert emails[FORM["email"]].template == "welcome"
    assert emails[FORM["email"]].language == "fi"
    assert emails[admin.email].template == "registration_staff"
    assert emails[admin.email].language == "de"
    assert f"/admin/customers/{contact.customer_id}" in emails[admin.email].body_text


def test_known_email_gets_the_same_answer_and_nothing_is_created(
    client, write, make_contact, make_customer
):
    existing = make_contact()
    _open(write)
    known = client.post("/clients/register", data={**FORM, "email": existing.email})
    assert known.status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Customer)) == 1
    # The owner of the address gets a reset link instead of a second account.
    [email] = db.session.scalars(db.select(OutboxEmail)).all()
    assert email.recipient == existing.email and email.template == "password_reset"
    fresh = client.post("/clients/register", data={**FORM, "email": "other@newco.example"})
    strip = lambda r, e: r.get_data(as_text=True).replace(e, "")  # noqa: E731
    assert strip(known, existing.email) == strip(fresh, "other@newco.example")


def test_bad_input_is_shown_next_to_the_field_and_writes_nothing(client, write, make_currency):
    make_currency("EUR", "€", 2, True)
    _open(write)
    response = client.post("/clients/register", data={**FORM, "email": "not-an-email"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'class="field-error" id="email-error"' in body
    assert db.session.scalar(db.select(Customer)) is None
    assert db.session.scalar(db.select(OutboxEmail)) is None


def test_register_page_follows_accept_language(client, write):
    _open(write)
    body = client.get("/clients/register", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert 'lang="fr"' in body
