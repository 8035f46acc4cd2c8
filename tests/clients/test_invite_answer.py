"""Inviting a colleague does not tell whether an address belongs to another customer's contact
(issue 24 item 6): such an address gets the very answer of a successful invitation, and nothing
is written or sent. Only one's own colleagues (listed on the page anyway) are named."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Contact, OutboxEmail


def _invite(client: FlaskClient, address: str, **extra: object):
    data = {
        "invite-first_name": "  Nina ",
        "invite-last_name": "Nieminen",
        "invite-email": address,
        "invite-language": "",
        "invite-permissions": ["invoices"],
        **extra,
    }
    return client.post("/clients/contacts", data=data)


def _answer(client: FlaskClient, response) -> tuple[int, str | None, list]:
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return response.status_code, response.headers.get("Location"), flashes


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_another_customers_contact_gets_the_answer_of_a_new_address(make_contact, contact_client):
    primary = make_contact()
    elsewhere = make_contact(email="Taken@Example.com")
    client = contact_client(primary)
    contacts, audits = _count(Contact), _count(AuditLog)

    taken = _answer(client, _invite(client, "taken@example.com"))
    assert _count(Contact) == contacts and _count(AuditLog) == audits
    assert _count(OutboxEmail) == 0  # nothing is sent to anyone
    shouted = _answer(client, _invite(client, "TAKEN@example.COM"))
    new = _answer(client, _invite(client, "nina@example.com"))

    assert taken == shouted == new
    assert new[0] == 302 and new[2] == [("success", "Nina Nieminen has been invited by email.")]
    db.session.expire_all()
    assert db.session.get(Contact, elsewhere.id).customer_id == elsewhere.customer_id
    nina = db.session.scalar(select(Contact).where(Contact.email == "nina@example.com"))
    assert nina.customer_id == primary.customer_id
    assert [e.recipient for e in db.session.scalars(select(OutboxEmail))] == [nina.email]


def test_refusals_are_the_same_for_a_taken_and_a_new_address(make_contact, contact_client):
    primary = make_contact()
    manager = make_contact(primary.customer, permissions=["company", "invoices"])
    elsewhere = make_contact()
    client = contact_client(manager)
    for address in (elsewhere.email, "new@example.com"):
        response = _invite(client, address, **{"invite-permissions": ["tickets"]})
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert "You cannot give permissions you do not have yourself." in page
        assert "already uses this email" not in page
    assert _count(OutboxEmail) == 0
    assert db.session.scalar(select(Contact).where(Contact.email == "new@example.com")) is None


def test_own_colleagues_are_named(make_contact, contact_client):
    primary = make_contact()
    colleague = make_contact(primary.customer)
    client = contact_client(primary)
    response = _invite(client, colleague.email)
    assert response.status_code == 422
    assert "Another contact already uses this email address." in response.get_data(as_text=True)
    assert _count(OutboxEmail) == 0
