"""Portal tickets: open with attachments, reply, close, download; who must NOT."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxEmail, Ticket, TicketAttachment, TicketMessage
from portal.services import tickets as service

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _open(client, **data):
    files = data.pop("files", [])
    return client.post(
        "/clients/tickets/new",
        data={
            "subject": "Printer",
            "priority": "high",
            "message": "It is on fire",
            "about": "",
            **data,
            "attachments": files,
        },
        content_type="multipart/form-data",
    )


def test_open_reply_close_with_attachment(
    app, make_customer, make_contact, make_staff, contact_client, write
):
    customer = make_customer()
    contact = make_contact(customer)
    staff = make_staff(email="support@staff.example")
    client = contact_client(contact)
    response = _open(client, files=[(io.BytesIO(PDF), "photo.pdf")])
    assert response.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert (ticket.subject, ticket.priority, ticket.status) == ("Printer", "high", "open")
    attachment = db.session.scalar(select(TicketAttachment))
    download = client.get(f"/clients/tickets/{ticket.id}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert ("support@staff.example", "ticket_staff_notification") in {
        (e.recipient, e.template) for e in db.session.scalars(select(OutboxEmail))
    }

    with app.test_request_context():
        write()
        service.reply(
            db.session.get(Ticket, ticket.id),
            {"message": "We are on it"},
            [],
            staff=db.session.get(type(staff), staff.id),
        )
        db.session.commit()
    page = client.get(f"/clients/tickets/{ticket.id}").get_data(as_text=True)
    assert "We are on it" in page
    client.post(f"/clients/tickets/{ticket.id}/reply", data={"message": "Thanks!"})
    assert db.session.get(Ticket, ticket.id).status == "open"
    client.post(f"/clients/tickets/{ticket.id}/close")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "closed"
    refused = client.post(
        f"/clients/tickets/{ticket.id}/reply", data={"message": "again"}, follow_redirects=True
    )
    assert "closed" in refused.get_data(as_text=True)
    assert count(TicketMessage) == 3


def test_bad_uploads_refused_and_nothing_stored(app, make_contact, contact_client, monkeypatch):
    client = contact_client(make_contact())
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    before = stored(app)
    for name, data in [
        ("page.html", b"<html></html>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("invoice.pdf", b"MZ\x90\x00 renamed"),
        ("big.pdf", PDF + b"0" * (1024 * 1024)),
    ]:
        response = _open(client, files=[(io.BytesIO(data), name)])
        assert response.status_code == 422, name
        assert 'id="attachments-error"' in response.get_data(as_text=True), name
    assert count(Ticket) == 0 and count(TicketAttachment) == 0
    assert stored(app) == before


def test_missing_fields_are_shown_next_to_them(make_contact, contact_client):
    client = contact_client(make_contact())
    html = _open(client, subject="", message="").get_data(as_text=True)
    assert 'id="subject-error"' in html and 'id="message-error"' in html
    assert count(Ticket) == 0


def test_about_an_invoice_of_another_customer_is_refused(
    make_customer, make_contact, make_invoice, contact_client
):
    mine, other = make_customer(), make_customer()
    foreign = make_invoice(other, issue=True)
    client = contact_client(make_contact(mine))
    response = _open(client, about=f"invoice:{foreign.id}")
    assert response.status_code == 422 and 'id="about-error"' in response.get_data(as_text=True)
    assert count(Ticket) == 0


def test_no_tickets_permission_means_403(make_customer, make_contact, contact_client):
    customer = make_customer()
    make_contact(customer)  # the primary contact has every permission
    limited = make_contact(customer, permissions=["invoices"])
    client = contact_client(limited)
    assert client.get("/clients/tickets/new").status_code == 403
    assert _open(client).status_code == 403
    assert count(Ticket) == 0


def test_internal_note_attachments_stay_hidden(
    app, make_customer, make_contact, make_staff, contact_client, write
):
    customer = make_customer()
    contact = make_contact(customer)
    staff = make_staff()
    client = contact_client(contact)
    _open(client)
    ticket = db.session.scalar(select(Ticket))
    from portal.services.tickets import attachments

    with app.test_request_context():
        write()
        service.reply(
            db.session.get(Ticket, ticket.id),
            {"message": "internal"},
            [attachments.check("n.pdf", io.BytesIO(PDF))],
            staff=db.session.get(type(staff), staff.id),
            internal=True,
        )
        db.session.commit()
    hidden = db.session.scalar(select(TicketAttachment))
    assert client.get(f"/clients/tickets/{ticket.id}/attachments/{hidden.id}").status_code == 404
    assert "internal" not in client.get(f"/clients/tickets/{ticket.id}").get_data(as_text=True)


def test_anonymous_and_staff_are_sent_to_the_portal_login(client, make_contact, login_staff):
    assert "/clients/login" in client.get("/clients/tickets/new").location
    login_staff()
    assert "/clients/login" in client.get("/clients/tickets/new").location


def test_list_filters_by_status(app, make_customer, make_contact, contact_client, write):
    customer = make_customer()
    contact = make_contact(customer)
    client = contact_client(contact)
    _open(client, subject="Still open")
    _open(client, subject="Done already")
    done = db.session.scalar(select(Ticket).where(Ticket.subject == "Done already"))
    client.post(f"/clients/tickets/{done.id}/close")
    active = client.get("/clients/tickets").get_data(as_text=True)
    assert "Still open" in active and "Done already" not in active
    closed = client.get("/clients/tickets?status=closed").get_data(as_text=True)
    assert "Done already" in closed and "Still open" not in closed
    everything = client.get("/clients/tickets?status=all").get_data(as_text=True)
    assert "Done already" in everything and "Still open" in everything
