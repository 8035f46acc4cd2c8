"""Email: outbox rows in the business transaction, delivery over real SMTP after commit,
retries when the server is down, never twice, templates in every language."""

from __future__ import annotations

import re
import threading
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.i18n import LANGUAGES
from portal.models import Contact, OutboxEmail
from portal.models.database import begin_write
from portal.services.customers import contacts
from portal.services.platform import email, outbox
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import SMTPServer, free_port


def _create_contact_with_welcome(customer, **data) -> Contact:
    begin_write(db.session)
    with acting_as(SYSTEM):
        contact = contacts.create_contact(
            db.session.merge(customer),
            {"first_name": "Aino", "last_name": "Virtanen", "email": "aino@example.fi", **data},
        )
        email.queue_welcome(contact)
        db.session.commit()
    return contact


def _link(text: str) -> str:
    match = re.search(r"http://portal\.test(/clients/set-password/\S+)", text)
    assert match, text
    return match.group(1)


def _body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_welcome_email_arrives_in_contact_language_with_a_working_link(
    app, client, make_customer, smtp_server
):
    customer = make_customer("Virtanen Oy", language="fi")
    contact = _create_contact_with_welcome(customer)  # no own language: the customer's (fi)
    outbox.deliver()

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "aino@example.fi"
    assert message["Content-Language"] == "fi"
    text = _body(message)
    assert "Hei Aino Virtanen," in text  # every email greets by the full name (issue 21)
    assert "asiakasportaali" in message["Subject"] or "asiakasportaali" in text
    link = _link(text)

    page = client.get(link)
    assert page.status_code == 200
    assert 'lang="fi"' in page.get_data(as_text=True)
    response = client.post(
        link, data={"password": "a new long password", "confirm": "a new long password"}
    )
    assert response.status_code == 302
    login = client.post(
        "/clients/login", data={"email": contact.email, "password": "a new long password"}
    )
    assert login.status_code == 302
    # Single use: the same link no longer works.
    assert client.get(link).status_code == 410


def test_the_email_row_is_part_of_the_business_transaction(app, make_customer):
    customer = make_customer()
    begin_write(db.session)
    with acting_as(SYSTEM):
        contact = contacts.create_contact(
            db.session.merge(customer),
            {"first_name": "A", "last_name": "B", "email": "rollback@example.com"},
        )
        email.queue_welcome(contact)
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_without_mail_server_emails_wait_in_the_outbox(app, make_customer):
    assert not app.config["MAIL_SERVER"]
    customer = make_customer()
    _create_contact_with_welcome(customer)
    assert outbox.deliver() == (0, 0)
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "queued" and row.attempts == 0


def test_server_down_keeps_the_contact_and_the_email_then_delivers_once_back(
    app, make_customer, monkeypatch, allow_smtp
):
    port = free_port()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", port)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 2)
    customer = make_customer()
    contact = _create_contact_with_welcome(customer, language="de")

    sent, failed = outbox.deliver()
    assert (sent, failed) == (0, 1)
    db.session.expire_all()
    row = db.session.scalar(select(OutboxEmail))
    assert db.session.get(Contact, contact.id) is not None
    assert row.status == "queued" and row.attempts == 1
    assert "ConnectionRefused" in row.last_error
    assert row.next_attempt_at > row.created_at

    server = SMTPServer(port)
    server.start()
    try:
        # Not due yet: backoff is respected.
        assert outbox.deliver() == (0, 0)
        row.next_attempt_at = row.created_at
        db.session.commit()
        from portal.cli import outbox_send

        result = app.test_cli_runner().invoke(outbox_send)
        assert result.exit_code == 0, result.output
        assert "sent 1, failed 0" in result.output
        assert len(server.messages) == 1
        assert "Guten Tag Aino Virtanen," in _body(server.messages[0])  # formal German
        # Never twice: another run sends nothing.
        assert outbox.deliver() == (0, 0)
        assert len(server.messages) == 1
    finally:
        server.stop()
    db.session.expire_all()
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "sent" and row.attempts == 2 and row.last_error is None


def test_max_attempts_marks_failed_and_resend_requeues(app, make_customer, monkeypatch, allow_smtp):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    _create_contact_with_welcome(make_customer())
    for _ in range(2):
        db.session.execute(
            OutboxEmail.__table__.update().values(next_attempt_at=OutboxEmail.created_at)
        )
        db.session.commit()
        outbox.deliver()
    db.session.expire_all()
    row = db.session.scalar(select(OutboxEmail))
    assert row.status == "failed" and row.attempts == 2
    begin_write(db.session)
    outbox.resend(db.session.merge(row))
    db.session.commit()
    assert db.session.scalar(select(OutboxEmail.status)) == "queued"


def test_concurrent_deliveries_send_each_row_exactly_once(app, make_customer, smtp_server):
    customer = make_customer()
    begin_write(db.session)
    with acting_as(SYSTEM):
        for i in range(12):
            email.queue(
                "password_reset",
                f"user{i}@example.com",
                "en",
                name=f"U{i}",
                link="http://portal.test/x",
                valid_minutes=60,
            )
        db.session.commit()
    assert customer.id

    def worker() -> None:
        with app.app_context():
            outbox.deliver()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recipients = sorted(m["To"] for m in smtp_server.messages)
    assert recipients == sorted(f"user{i}@example.com" for i in range(12))
    db.session.rollback()  # end this thread's old snapshot
    assert (
        db.session.scalar(
            select(func.count()).select_from(OutboxEmail).where(OutboxEmail.status == "sent")
        )
        == 12
    )


def test_outbox_show_lists_emails(app, make_customer):
    _create_contact_with_welcome(make_customer())
    from portal.cli import outbox_show

    result = app.test_cli_runner().invoke(outbox_show)
    assert result.exit_code == 0
    assert "queued" in result.output and "aino@example.fi" in result.output


def test_outbox_send_without_server_explains(app):
    from portal.cli import outbox_send

    result = app.test_cli_runner().invoke(outbox_send)
    assert result.exit_code != 0
    assert "PORTAL_MAIL_SERVER" in result.output


def _contexts(make_invoice, make_estimate, make_contact):
    from portal.models import Ticket

    contact = make_contact()
    invoice = make_invoice(contact.customer, issue=True)
    estimate = make_estimate(contact.customer, send=True)
    ticket = Ticket(id=7, customer=contact.customer, subject="Printer", priority="high")
    base = {"link": "http://portal.test/x"}
    return {
        "welcome": {**base, "contact": contact, "valid_hours": 72},
        "registration_approved": {**base, "contact": contact, "valid_hours": 72},
        "registration_refused": {"name": "Sam", "company_name": "Newco Oy"},
        "password_reset": {**base, "name": "Sam", "valid_minutes": 60},
        "invoice_issued": {**base, "contact": contact, "invoice": invoice},
        "estimate_sent": {**base, "contact": contact, "estimate": estimate},
        "ticket_reply_contact": {
            **base,
            "contact": contact,
            "ticket": ticket,
            "author_name": "Sam",
            "message": "Fixed.",
        },
        "ticket_staff_notification": {
            **base,
            "name": "Sam",
            "ticket": ticket,
            "is_new": True,
            "author_name": "Aino",
            "priority_label": "high",
            "message": "Help",
        },
        "payment_reminder": {**base, "contact": contact, "invoice": invoice, "days_overdue": 12},
        "payment_receipt": {
            **base,
            "contact": contact,
            "invoice": invoice,
            "payment": SimpleNamespace(
                amount=Decimal("100.50"),
                currency=invoice.currency,
                paid_at=date(2026, 3, 1),
                method="card",
                reference="pi_123",
            ),
            "method": "Card",
        },
        "activity_due": {
            **base,
            "name": "Sam",
            "kind_label": "Call",
            "customer": contact.customer,
            "activity": SimpleNamespace(
                subject="Call back", contact=contact, body="The offer", due_at=date(2026, 3, 10)
            ),
        },
        "registration_staff": {
            **base,
            "staff": {"name": "Sam"},
            "customer": contact.customer,
            "contact": contact,
        },
        "estimate_response_staff": {
            **base,
            "staff": {"name": "Sam"},
            "estimate": estimate,
            "customer": contact.customer,
            "contact": contact,
            "accepted": True,
        },
    }


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_every_template_renders_translated_in_every_locale(
    app, locale, make_invoice, make_estimate, make_contact
):
    """Each template renders in each locale, and (outside English) none of the English
    sentences is left: every translatable string of the template has a translation."""
    contexts = _contexts(make_invoice, make_estimate, make_contact)
    assert set(contexts) == set(email.TEMPLATES)
    with app.test_request_context():
        for name, context in contexts.items():
            subject, text, html = email.render(name, locale, **context)
            english_subject, english_text, _ = email.render(name, "en", **context)
            assert subject and text.strip() and "<html" in html
            if locale != "en":
                assert subject != english_subject, (name, locale)
                english_lines = {
                    line
                    for line in english_text.splitlines()
                    if len(line) > 25 and "http" not in line
                }
                leftover = english_lines & set(text.splitlines())
                assert not leftover, (name, locale, leftover)
