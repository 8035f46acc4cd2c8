"""Ticket rules: statuses on replies, internal notes, notifications to the right people in
their language, attachments checked on their bytes."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxEmail, Ticket, TicketAttachment, TicketMessage
from portal.services import tickets as service
from portal.services.errors import ValidationError
from portal.services.tickets import attachments

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def emails() -> list[tuple[str, str, str]]:
    return [
        (e.recipient, e.language, e.template)
        for e in db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id))
    ]


@pytest.fixture
def setup(make_customer, make_contact, make_staff, write):
    customer = make_customer("Acme Oy", language="fi")
    contact = make_contact(customer, email="aino@acme.example")
    viewer = make_staff(["tickets.view", "tickets.edit"], email="all@staff.example", language="de")
    own = make_staff(["tickets.view_own"], email="own@staff.example")
    outsider = make_staff(["customers.view"], email="none@staff.example")
    admin = make_staff(email="admin@staff.example")
    write()
    return {
        "customer": customer,
        "contact": contact,
        "viewer": viewer,
        "own": own,
        "outsider": outsider,
        "admin": admin,
    }


def test_contact_ticket_notifies_staff_who_may_see_it(setup, write, app):
    with app.test_request_context():
        ticket = service.open_ticket(
            setup["customer"],
            {"subject": "Printer", "priority": "high", "message": "Broken"},
            [attachments.check("shot.png", io.BytesIO(PNG))],
            contact=setup["contact"],
        )
        db.session.commit()
    recipients = {r for r, _, t in emails() if t == "ticket_staff_notification"}
    assert recipients == {"all@staff.example", "admin@staff.example"}
    german = [e for e in emails() if e[0] == "all@staff.example"]
    assert german[0][1] == "de"
    assert ticket.status == "open" and count(TicketAttachment) == 1
    stored = db.session.scalar(select(TicketAttachment))
    assert attachments.path_of(stored.stored_name).read_bytes() == PNG
    assert stored.content_type == "image/png"


def test_staff_reply_answers_and_notifies_contact_in_its_language(setup, write, app):
    with app.test_request_context():
        ticket = service.open_ticket(
            setup["customer"], {"subject": "S", "message": "M"}, [], contact=setup["contact"]
        )
        db.session.commit()
        write()
        db.session.execute(OutboxEmail.__table__.delete())
        service.reply(ticket, {"message": "Fixed it"}, [], staff=setup["viewer"])
        db.session.commit()
    assert db.session.get(Ticket, ticket.id).status == "answered"
    assert emails() == [("aino@acme.example", "fi", "ticket_reply_contact")]
    body = db.session.scalar(select(OutboxEmail.body_text))
    assert "Fixed it" in body and "/clients/tickets/" in body


def test_internal_note_notifies_nobody_and_contact_reply_reopens(setup, write, app):
    with app.test_request_context():
        ticket = service.open_ticket(
            setup["customer"], {"subject": "S", "message": "M"}, [], contact=setup["contact"]
        )
        service.reply(ticket, {"message": "Answer"}, [], staff=setup["admin"])
        db.session.commit()
        write()
        db.session.execute(OutboxEmail.__table__.delete())
        service.reply(ticket, {"message": "secret"}, [], staff=setup["admin"], internal=True)
        db.session.commit()
        assert emails() == []
        assert db.session.get(Ticket, ticket.id).status == "answered"
        write()
        service.update(db.session.get(Ticket, ticket.id), {"assigned_staff_id": setup["viewer"].id})
        service.reply(
            db.session.get(Ticket, ticket.id), {"message": "thanks"}, [], contact=setup["contact"]
        )
        db.session.commit()
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert [e[0] for e in emails()] == ["all@staff.example"]  # only the assignee
    visible = service.visible_messages(db.session.get(Ticket, ticket.id), for_contact=True)
    assert "secret" not in [m.body for m in visible]


def test_bad_input_writes_nothing(setup, app):
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        service.open_ticket(
            setup["customer"],
            {"subject": "", "priority": "whenever", "message": ""},
            [],
            contact=setup["contact"],
        )
    assert set(refused.value.fields) == {"subject", "priority", "message"}
    db.session.rollback()
    assert count(Ticket) == 0 and count(TicketMessage) == 0 and count(OutboxEmail) == 0


def test_a_closed_ticket_takes_no_contact_reply(setup, write, app):
    with app.test_request_context():
        ticket = service.open_ticket(
            setup["customer"], {"subject": "S", "message": "M"}, [], contact=setup["contact"]
        )
        service.close(ticket)
        db.session.commit()
        write()
        with pytest.raises(ValidationError):
            service.reply(ticket, {"message": "again"}, [], contact=setup["contact"])


@pytest.mark.parametrize(
    ("name", "data", "fragment"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "not accepted"),
        ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "not accepted"),
        ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 100, "not really"),
        ("photo.png", b"\x7fELF" + b"\x00" * 100, "not really"),
        ("notes.txt", b"MZ\x90\x00\x00\x00", "not really"),
        ("empty.pdf", b"", "empty"),
        ("sheet.xlsx", b"PK\x03\x04not-a-zip", "not really"),
        ("noext", b"hello", "not accepted"),
    ],
)
def test_bad_files_are_refused(app, name, data, fragment):
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        attachments.check(name, io.BytesIO(data))
    assert fragment in refused.value.fields["attachments"]


def test_too_large_is_refused(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    big = PDF + b"0" * (1024 * 1024)
    with app.test_request_context(), pytest.raises(ValidationError) as refused:
        attachments.check("big.pdf", io.BytesIO(big))
    assert "larger than 1 MB" in refused.value.fields["attachments"]


def test_good_files_pass(app):
    with app.test_request_context():
        assert attachments.check("a.pdf", io.BytesIO(PDF)).content_type == "application/pdf"
        assert (
            attachments.check('../../etc/n"otes.txt', io.BytesIO(b"hello\n")).original_name
            == "notes.txt"
        )
