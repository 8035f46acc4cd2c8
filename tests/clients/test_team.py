"""A primary contact (or one with the company permission) manages the other contacts of its
company: invite with a welcome email, set permissions never above its own, deactivate."""

from __future__ import annotations

from portal.extensions import db
from portal.models import AuditLog, Contact, OutboxEmail


def _reload(contact: Contact) -> Contact:
    db.session.expire_all()
    return db.session.get(Contact, contact.id)


def test_invite_sends_the_welcome_email(make_contact, contact_client):
    primary = make_contact()
    client = contact_client(primary)
    response = client.post(
        "/clients/contacts",
        data={
            "invite-first_name": "Nina",
            "invite-last_name": "Nieminen",
            "invite-email": "nina@example.com",
            "invite-language": "fi",
            "invite-permissions": ["invoices", "tickets"],
        },
    )
    assert response.status_code == 302
    nina = db.session.scalar(db.select(Contact).where(Contact.email == "nina@example.com"))
    assert nina.customer_id == primary.customer_id and not nina.is_primary
    assert nina.permissions == ["invoices", "tickets"]
    [email] = db.session.scalars(db.select(OutboxEmail)).all()
    assert (email.recipient, email.template, email.language) == (nina.email, "welcome", "fi")
    audit = db.session.scalars(
        db.select(AuditLog).where(AuditLog.entity_type == "Contact", AuditLog.entity_id == nina.id)
    ).all()
    assert audit and audit[0].actor == f"contact:{primary.id}"


def test_invite_with_bad_input_writes_nothing(make_contact, contact_client):
    primary = make_contact()
    colleague = make_contact(primary.customer)  # another company's: test_invite_answer.py
    client = contact_client(primary)
    response = client.post(
        "/clients/contacts",
        data={
            "invite-first_name": "Nina",
            "invite-last_name": "Nieminen",
            "invite-email": colleague.email,
            "invite-language": "",
        },
    )
    assert response.status_code == 422
    assert "Another contact already uses this email address." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(OutboxEmail)) is None


def test_permissions_never_above_ones_own(make_contact, contact_client):
    primary = make_contact()
    manager = make_contact(primary.customer, permissions=["company", "tickets"])
    member = make_contact(primary.customer, permissions=["invoices"])
    client = contact_client(manager)
    # Inviting with a permission the manager lacks is refused.
    response = client.post(
        "/clients/contacts",
        data={
            "invite-first_name": "X",
            "invite-last_name": "Y",
            "invite-email": "xy@example.com",
            "invite-permissions": ["invoices"],
        },
    )
    assert response.status_code == 422
    assert "You cannot give permissions you do not have yourself." in response.get_data(
        as_text=True
    )
    assert db.session.scalar(db.select(Contact).where(Contact.email == "xy@example.com")) is None
    # Granting "estimates" (not the manager's) is refused; "invoices" (not the manager's)
    # is kept as it was when the manager sets what it may: tickets.
    refused = client.post(f"/clients/contacts/{member.id}", data={"permissions": ["estimates"]})
    assert refused.status_code == 422
    assert _reload(member).permissions == ["invoices"]
    ok = client.post(f"/clients/contacts/{member.id}", data={"permissions": ["tickets"]})
    assert ok.status_code == 302
    assert _reload(member).permissions == ["invoices", "tickets"]


def test_the_primary_contact_and_oneself_cannot_be_changed(make_contact, contact_client):
    primary = make_contact()
    manager = make_contact(primary.customer, permissions=["company"])
    client = contact_client(manager)
    for target in (primary, manager):
        response = client.post(f"/clients/contacts/{target.id}", data={"permissions": []})
        assert response.status_code == 422
        client.post(f"/clients/contacts/{target.id}/active", data={})
        assert _reload(target).is_active


def test_deactivate_signs_the_contact_out(make_contact, contact_client):
    primary = make_contact()
    member = make_contact(primary.customer)
    member_client = contact_client(member)
    client = contact_client(primary)
    assert client.post(f"/clients/contacts/{member.id}/active", data={}).status_code == 302
    assert not _reload(member).is_active
    assert member_client.get("/clients/").status_code == 302
    client.post(f"/clients/contacts/{member.id}/active", data={"active": "y"})
    assert _reload(member).is_active


def test_contacts_without_the_company_permission_cannot_manage(make_contact, contact_client):
    primary = make_contact()
    member = make_contact(primary.customer, permissions=["invoices", "estimates", "tickets"])
    client = contact_client(member)
    assert client.get("/clients/contacts").status_code == 403
    assert client.post(f"/clients/contacts/{primary.id}/active", data={}).status_code == 403
    assert "/clients/contacts" not in client.get("/clients/").get_data(as_text=True)
