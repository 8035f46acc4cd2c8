"""Email floods (issue 24 item 4): reset requests per submitted email, welcome emails per
recipient, tickets and replies per contact - whatever client address the requests come from;
429 with the translated page beyond the limit. Known and unknown addresses count alike, so the
limit tells nothing either. Uses its own app with the limiter on."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import Contact, OutboxEmail, Ticket, TicketMessage
from portal.services.platform import settings
from tests.conftest import PASSWORD


@pytest.fixture
def limited_app(app, app_config):
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_LIMIT_ADDRESS": "100 per 15 minutes",
            "RESET_LIMIT_RECIPIENT": "3 per hour",
            "WELCOME_LIMIT_RECIPIENT": "3 per hour",
            "TICKET_LIMIT_CONTACT": "3 per hour",
            "REPLY_LIMIT_CONTACT": "4 per hour",
            "ACCOUNT_ANSWER_SECONDS": 0,
        }
    )
    yield limited
    with limited.app_context():
        db.engine.dispose()


def _fresh() -> None:
    """Ends the test's read transaction: the limited app writes through its own engine."""
    db.session.rollback()


def _emails_to(address: str) -> int:
    _fresh()
    return db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.recipient == address)
    )


def _post(client: FlaskClient, path: str, data: dict, address: str) -> int:
    return client.post(path, data=data, environ_base={"REMOTE_ADDR": address}).status_code


def _signed_in(app: Flask, path: str, email: str) -> FlaskClient:
    client = app.test_client()
    response = client.post(path, data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


# -- password reset -----------------------------------------------------------------------


def test_reset_requests_are_limited_per_email_from_any_address(limited_app, make_contact):
    contact = make_contact()
    client = limited_app.test_client()
    path = "/clients/reset-password"
    known = [_post(client, path, {"email": contact.email}, f"10.3.0.{i}") for i in range(4)]
    unknown = [
        _post(client, path, {"email": "nobody@example.com"}, f"10.3.1.{i}") for i in range(4)
    ]
    # The same answers for a known and an unknown address: the limit does not tell either.
    assert known == unknown == [302, 302, 302, 429]
    assert _emails_to(contact.email) == 3
    blocked = client.post(
        path, data={"email": contact.email.upper()}, environ_base={"REMOTE_ADDR": "10.3.2.1"}
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    # Another address from the same client address is not affected.
    assert _post(client, path, {"email": "someone@example.com"}, "10.3.0.1") == 302


def test_staff_and_portal_resets_share_the_count_of_a_mailbox(
    limited_app, make_contact, make_staff
):
    make_contact(email="both@example.com")
    make_staff([], email="both@example.com")
    client = limited_app.test_client()
    codes = [
        _post(client, "/clients/reset-password", {"email": "both@example.com"}, "10.3.3.1"),
        _post(client, "/admin/reset-password", {"email": "both@example.com"}, "10.3.3.2"),
        _post(client, "/clients/reset-password", {"email": "both@example.com"}, "10.3.3.3"),
        _post(client, "/admin/reset-password", {"email": "both@example.com"}, "10.3.3.4"),
    ]
    assert codes == [302, 302, 302, 429]
    assert _emails_to("both@example.com") == 3


def test_registrations_count_per_email_alike_for_known_and_new(limited_app, make_contact, write):
    existing = make_contact()
    write()
    settings.set_many({"registration_enabled": True})
    db.session.commit()
    client = limited_app.test_client()
    form = {"company_name": "Newco", "first_name": "Ella", "last_name": "Virtanen"}
    path = "/clients/register"
    known = [
        _post(client, path, {**form, "email": existing.email}, f"10.4.0.{i}") for i in range(4)
    ]
    new = [
        _post(client, path, {**form, "email": "ella@newco.example"}, f"10.4.1.{i}")
        for i in range(4)
    ]
    # The first registration of the new address made a contact: the next ones are answered
    # as for a known address, and every one counts per submitted email.
    assert known == new == [200, 200, 200, 429]
    assert _emails_to(existing.email) == 3
    # Reset requests add to the same count (a known address is sent reset emails).
    assert _post(client, "/clients/reset-password", {"email": existing.email}, "10.4.2.1") == 429


# -- welcome emails ---------------------------------------------------------------------------


def test_staff_welcome_emails_are_limited_per_recipient(limited_app, make_staff, make_contact):
    contact = make_contact()
    member = make_staff()
    client = _signed_in(limited_app, "/admin/login", member.email)
    path = f"/admin/customers/{contact.customer_id}/contacts/{contact.id}/welcome"
    codes = [client.post(path).status_code for _ in range(4)]
    assert codes == [302, 302, 302, 429]
    assert _emails_to(contact.email) == 3


def test_invitations_count_per_typed_address(limited_app, make_contact):
    primary = make_contact()
    elsewhere = make_contact()  # another customer's contact
    client = _signed_in(limited_app, "/clients/login", primary.email)

    def invite(address: str) -> int:
        data = {
            "invite-first_name": "Nina",
            "invite-last_name": "Nieminen",
            "invite-email": address,
            "invite-language": "",
        }
        return client.post("/clients/contacts", data=data).status_code

    assert [invite(elsewhere.email) for _ in range(4)] == [302, 302, 302, 429]
    assert _emails_to(elsewhere.email) == 0  # nothing is sent to another company's contact
    assert invite("nina@example.com") == 302
    assert _emails_to("nina@example.com") == 1


# -- tickets and replies ----------------------------------------------------------------------


def _new_ticket(client: FlaskClient, address: str) -> int:
    data = {"subject": "Printer", "priority": "high", "message": "On fire", "about": ""}
    return _post(client, "/clients/tickets/new", data, address)


def test_tickets_are_limited_per_contact_from_any_address(
    limited_app, make_customer, make_contact, make_staff
):
    make_staff(email="support@staff.example")
    customer = make_customer()
    contact = make_contact(customer)
    colleague = make_contact(customer)
    client = _signed_in(limited_app, "/clients/login", contact.email)
    codes = [_new_ticket(client, f"10.5.0.{i}") for i in range(4)]
    assert codes == [302, 302, 302, 429]
    blocked = client.post(
        "/clients/tickets/new",
        data={"subject": "x", "priority": "high", "message": "y", "about": ""},
        environ_base={"REMOTE_ADDR": "10.5.9.9"},
    )
    assert "Too many attempts" in blocked.get_data(as_text=True)
    _fresh()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 3
    assert _emails_to("support@staff.example") == 3
    # The page itself and a colleague are not limited.
    assert client.get("/clients/tickets/new").status_code == 200
    other = _signed_in(limited_app, "/clients/login", colleague.email)
    assert _new_ticket(other, "10.5.0.1") == 302


def test_replies_are_limited_per_contact(limited_app, make_customer, make_contact):
    contact = make_contact(make_customer())
    client = _signed_in(limited_app, "/clients/login", contact.email)
    assert _new_ticket(client, "10.6.0.1") == 302
    _fresh()
    ticket_id = db.session.scalar(select(Ticket.id))
    path = f"/clients/tickets/{ticket_id}/reply"
    codes = [_post(client, path, {"message": f"more {i}"}, f"10.6.1.{i}") for i in range(5)]
    assert codes == [302, 302, 302, 302, 429]
    _fresh()
    replies = db.session.scalar(
        select(func.count()).select_from(TicketMessage).where(TicketMessage.ticket_id == ticket_id)
    )
    assert replies == 1 + 4


def test_limits_are_off_where_the_app_switches_them_off(limited_app, client, make_contact):
    """The limiter is shared by the apps of a process: the suite's own app keeps its limits
    off even after an app with limits on was made."""
    contact = make_contact()
    codes = [
        client.post("/clients/reset-password", data={"email": contact.email}).status_code
        for _ in range(5)
    ]
    assert codes == [302] * 5
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
