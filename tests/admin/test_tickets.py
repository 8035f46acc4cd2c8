"""Admin tickets: list with filters, open for a customer, reply with attachments, internal
notes, update; who must NOT see them."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Customer, OutboxEmail, Ticket, TicketAttachment, TicketMessage
from portal.services import tickets as service
from tests.admin.conftest import reload

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def stored_files(app) -> set[str]:
    folder = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def two_tickets(app, make_customer, make_contact, write):
    mine, other = make_customer("Mine Oy"), make_customer("Other Oy")
    a, b = make_contact(mine), make_contact(other)
    with app.test_request_context():
        write()
        t1 = service.open_ticket(mine, {"subject": "Mine printer", "message": "x"}, [], contact=a)
        t2 = service.open_ticket(other, {"subject": "Other printer", "message": "y"}, [], contact=b)
        db.session.commit()
    return {"mine": mine, "other": other, "t1": t1, "t2": t2}


def test_anonymous_and_contacts_are_kept_out(client, two_tickets, make_contact, login_contact):
    assert "/admin/login" in client.get("/admin/tickets").location
    login_contact(make_contact(two_tickets["mine"]))
    assert "/admin/login" in client.get(f"/admin/tickets/{two_tickets['t1'].id}").location


def test_staff_without_tickets_permission_gets_403(staff_client, two_tickets):
    client, _ = staff_client(["customers.view"])
    assert client.get("/admin/tickets").status_code == 403
    assert client.get(f"/admin/tickets/{two_tickets['t1'].id}").status_code == 403
    assert (
        client.post(
            f"/admin/tickets/{two_tickets['t1'].id}/reply", data={"message": "x"}
        ).status_code
        == 403
    )


def test_view_own_sees_only_assigned_customers_tickets(staff_client, two_tickets, write):
    client, member = staff_client(["tickets.view_own", "tickets.edit"])
    write()
    db.session.get(Customer, two_tickets["mine"].id).admins.append(
        db.session.get(type(member), member.id)
    )
    db.session.commit()
    html = client.get("/admin/tickets").get_data(as_text=True)
    assert "Mine printer" in html and "Other printer" not in html
    assert client.get(f"/admin/tickets/{two_tickets['t2'].id}").status_code == 404
    assert (
        client.post(
            f"/admin/tickets/{two_tickets['t2'].id}/reply", data={"message": "x"}
        ).status_code
        == 404
    )


def test_filters(staff_client, two_tickets, write):
    client, me = staff_client()
    write()
    service.update(
        db.session.get(Ticket, two_tickets["t1"].id),
        {"priority": "urgent", "assigned_staff_id": me.id},
    )
    db.session.commit()
    assert "Other printer" not in client.get("/admin/tickets?priority=urgent").get_data(
        as_text=True
    )
    assert "Other printer" not in client.get("/admin/tickets?assignee=me").get_data(as_text=True)
    assert "Mine printer" not in client.get("/admin/tickets?assignee=none").get_data(as_text=True)
    html = client.get(f"/admin/tickets?customer={two_tickets['other'].id}").get_data(as_text=True)
    assert "Other printer" in html and "Mine printer" not in html


def test_reply_with_attachment_and_download(app, staff_client, two_tickets):
    client, _ = staff_client()
    ticket = two_tickets["t1"]
    response = client.post(
        f"/admin/tickets/{ticket.id}/reply",
        data={"message": "See the file", "attachments": [(io.BytesIO(PDF), "answer.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert reload(ticket).status == "answered"
    attachment = db.session.scalar(select(TicketAttachment))
    download = client.get(f"/admin/tickets/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == "application/pdf"
    assert (
        db.session.scalar(select(OutboxEmail.template).order_by(OutboxEmail.id.desc()))
        == "ticket_reply_contact"
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [("x.html", b"<html></html>"), ("x.exe", b"MZ\x90\x00"), ("x.pdf", b"MZ\x90\x00fake")],
)
def test_bad_upload_is_refused_and_nothing_stored(app, staff_client, two_tickets, name, data):
    client, _ = staff_client()
    before_files = stored_files(app)
    before = count(TicketMessage)
    response = client.post(
        f"/admin/tickets/{two_tickets['t1'].id}/reply",
        data={"message": "file", "attachments": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert 'id="attachments-error"' in response.get_data(as_text=True)
    assert count(TicketMessage) == before
    assert stored_files(app) == before_files


def test_attachment_of_unseen_ticket_is_404(app, staff_client, two_tickets, write):
    admin_client, _ = staff_client()
    admin_client.post(
        f"/admin/tickets/{two_tickets['t2'].id}/reply",
        data={"message": "file", "attachments": [(io.BytesIO(PDF), "a.pdf")]},
        content_type="multipart/form-data",
    )
    attachment = db.session.scalar(select(TicketAttachment))
    client, member = staff_client(["tickets.view_own"])
    write()
    db.session.get(Customer, two_tickets["mine"].id).admins.append(
        db.session.get(type(member), member.id)
    )
    db.session.commit()
    assert client.get(f"/admin/tickets/attachments/{attachment.id}").status_code == 404


def test_internal_note_and_update(staff_client, two_tickets, make_staff):
    client, _ = staff_client()
    helper = make_staff(["tickets.view"])
    ticket = two_tickets["t1"]
    client.post(f"/admin/tickets/{ticket.id}/reply", data={"message": "only us", "internal": "y"})
    note = db.session.scalar(select(TicketMessage).where(TicketMessage.is_internal))
    assert note.body == "only us"
    client.post(
        f"/admin/tickets/{ticket.id}/update",
        data={"status": "on_hold", "priority": "low", "assigned_staff_id": str(helper.id)},
    )
    ticket = reload(ticket)
    assert (ticket.status, ticket.priority, ticket.assigned_staff_id) == (
        "on_hold",
        "low",
        helper.id,
    )


def test_open_ticket_for_customer(staff_client, make_customer, make_contact):
    customer = make_customer()
    contact = make_contact(customer)
    client, _ = staff_client()
    bad = client.post(
        f"/admin/customers/{customer.id}/tickets/new",
        data={"subject": "", "priority": "medium", "message": "", "contact_id": str(contact.id)},
    )
    assert 'id="subject-error"' in bad.get_data(as_text=True)
    assert count(Ticket) == 0
    ok = client.post(
        f"/admin/customers/{customer.id}/tickets/new",
        data={
            "subject": "Renewal",
            "priority": "medium",
            "message": "Hi",
            "contact_id": str(contact.id),
        },
    )
    assert ok.status_code == 302
    ticket = db.session.scalar(select(Ticket))
    assert ticket.contact_id == contact.id
    assert db.session.scalar(select(OutboxEmail.recipient)) == contact.email


def test_ticket_list_query_count_is_fixed(
    staff_client, app, make_customer, make_contact, count_queries, write
):
    client, _ = staff_client()
    customer = make_customer()
    contact = make_contact(customer)

    def add(n: int) -> None:
        with app.test_request_context():
            write()
            for i in range(n):
                service.open_ticket(
                    customer, {"subject": f"T{i}", "message": "m"}, [], contact=contact
                )
            db.session.commit()

    add(2)
    with count_queries() as few:
        client.get("/admin/tickets")
    add(10)
    with count_queries() as many:
        html = client.get("/admin/tickets").get_data(as_text=True)
    assert html.count('class="ticket-row"') == 12
    assert many.count == few.count
