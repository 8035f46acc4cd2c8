"""Every email about an invoice or an estimate carries a working link to that one document:
the invoice email, the estimate email and the payment reminder, delivered through the outbox to
a real SMTP server, each with a new link for its recipient that opens the page in the
recipient's language."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import DocumentLink
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import document_links, recurring
from portal.services.platform import outbox
from portal.services.platform.audit import SYSTEM, acting_as

LINK = re.compile(r"http://portal\.test(/d/[A-Za-z0-9_.-]+)")


def _queue(action, *args):
    begin_write(db.session)
    with acting_as(SYSTEM):
        result = action(*[db.session.merge(a) for a in args])
        db.session.commit()
    return result


def _links(message) -> tuple[str, str]:
    """The document link of the text part and of the HTML part (the button)."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    [in_text] = LINK.findall(text)
    assert f'href="http://portal.test{in_text}"' in html
    return in_text, text


def test_invoice_email_link_opens_the_invoice(app, client, smtp_server, make_contact, make_invoice):
    from portal.cli import outbox_send

    contact = make_contact(language="fi", primary=True)
    invoice = make_invoice(contact.customer, issue=True)
    _queue(billing.queue_invoice_email, invoice, contact)
    result = app.test_cli_runner().invoke(outbox_send)  # flask outbox send
    assert result.exit_code == 0 and "sent 1, failed 0" in result.output

    [message] = smtp_server.messages
    assert message["To"] == contact.email
    path, text = _links(message)
    assert f"/clients/invoices/{invoice.id}" in text  # the portal is still offered
    page = client.get(path)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert '<html lang="fi">' in body and invoice.number in body
    assert client.get(f"{path}/pdf").mimetype == "application/pdf"

    [link] = db.session.scalars(select(DocumentLink)).all()
    assert (link.document_kind, link.document_id, link.document_number) == (
        "invoice",
        invoice.id,
        invoice.number,
    )
    assert (link.contact_id, link.recipient_email) == (contact.id, contact.email)
    assert link.expires_at.date() == link.created_at.date() + timedelta(days=30)


def test_estimate_email_link_lets_the_recipient_answer(
    client, smtp_server, make_contact, make_estimate
):
    contact = make_contact(first_name="Jean", last_name="Dupont", language="fr", primary=True)
    estimate = make_estimate(contact.customer, send=True)
    _queue(billing.queue_estimate_email, estimate, contact)
    outbox.deliver()

    path, _text = _links(smtp_server.messages[0])
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="fr">' in page and estimate.number in page
    assert f'action="{path}/accept"' in page
    assert client.post(f"{path}/accept", data={"name": "Jean Dupont"}).status_code == 302
    db.session.expire_all()
    assert db.session.merge(estimate).accepted_by_name == "Jean Dupont"


def test_each_email_gets_its_own_link_and_revoking_one_keeps_the_other(
    client, smtp_server, make_contact, make_invoice, make_staff
):
    contact = make_contact(primary=True)
    invoice = make_invoice(contact.customer, issue=True)
    _queue(billing.queue_invoice_email, invoice, contact)
    _queue(billing.queue_invoice_email, invoice, contact)
    outbox.deliver()

    first, second = (_links(m)[0] for m in smtp_server.messages)
    assert first != second
    staff = make_staff()
    begin_write(db.session)
    with acting_as(SYSTEM):
        document_links.revoke(document_links.find(first.removeprefix("/d/")), staff)
        db.session.commit()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_payment_reminder_link_opens_the_overdue_invoice(
    client, smtp_server, make_contact, make_invoice
):
    contact = make_contact(language="de", primary=True)
    invoice = make_invoice(contact.customer, issue=True)
    later = invoice.due_date + timedelta(days=3)
    begin_write(db.session)
    with acting_as(SYSTEM):
        result = recurring.run_reminders(later)
        db.session.commit()
    assert [i.id for i in result.reminded] == [invoice.id]
    outbox.deliver()

    [message] = smtp_server.messages
    assert message["To"] == contact.email and invoice.number in message["Subject"]
    path, _text = _links(message)
    body = client.get(path).get_data(as_text=True)
    assert '<html lang="de">' in body and f"Rechnung {invoice.number}" in body
