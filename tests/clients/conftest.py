"""Portal test helpers: a signed-in client per contact, tickets, and a world of two customers
with contacts and records."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import (
    Contact,
    Customer,
    CustomerFile,
    Estimate,
    Invoice,
    Payment,
    Ticket,
    TicketAttachment,
    TicketMessage,
)
from portal.models.database import begin_write
from portal.services.billing import payments
from portal.services.customers import files
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD


@pytest.fixture
def contact_client(app: Flask) -> Callable[..., FlaskClient]:
    """A fresh client signed in as ``contact``: ``c = contact_client(contact)``."""

    def make(contact: Contact, **environ: Any) -> FlaskClient:
        client = app.test_client()
        response = client.post(
            "/clients/login",
            data={"email": contact.email, "password": PASSWORD},
            environ_base=environ,
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        assert response.headers["Location"].endswith("/clients/")
        return client

    return make


@pytest.fixture
def make_ticket(app: Flask) -> Callable[..., Ticket]:
    def make(
        customer: Customer,
        contact: Contact | None = None,
        *,
        subject: str = "Printer on fire",
        status: str = "open",
    ) -> Ticket:
        begin_write(db.session)
        with acting_as(SYSTEM):
            ticket = Ticket(
                customer_id=customer.id,
                contact_id=contact.id if contact else None,
                subject=subject,
                priority="high",
                status=status,
            )
            message = TicketMessage(author_contact_id=contact.id if contact else None, body="Help!")
            ticket.messages.append(message)
            stored = secrets.token_hex(20)
            folder = Path(current_app.config["UPLOAD_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / stored).write_bytes(b"screenshot")
            message.attachments.append(
                TicketAttachment(
                    original_name=f"{subject}.txt",
                    stored_name=stored,
                    content_type="text/plain",
                    size=10,
                )
            )
            db.session.add(ticket)
            db.session.commit()
        return ticket

    return make


@dataclass
class Side:
    customer: Customer
    primary: Contact
    colleague: Contact
    invoice: Invoice
    draft_invoice: Invoice
    estimate: Estimate
    draft_estimate: Estimate
    ticket: Ticket
    payment: Payment
    document: CustomerFile


@dataclass
class World:
    a: Side
    b: Side


@pytest.fixture
def world(
    make_customer: Callable[..., Customer],
    make_contact: Callable[..., Contact],
    make_invoice: Callable[..., Invoice],
    make_estimate: Callable[..., Estimate],
    make_ticket: Callable[..., Ticket],
) -> World:
    """Two customers, each with a primary contact, a colleague, an issued invoice with a
    payment and a draft invoice, a sent and a draft estimate, and a ticket."""

    def side(name: str) -> Side:
        customer = make_customer(f"{name} Ltd")
        primary = make_contact(customer, first_name=name, last_name="Primary")
        colleague = make_contact(customer, first_name=name, last_name="Colleague")
        invoice = make_invoice(customer, issue=True)
        begin_write(db.session)
        with acting_as(SYSTEM):
            payment = payments.record_payment(
                db.session.merge(invoice), "10.00", date.today(), "Bank transfer"
            )
            document = files.add_file(
                db.session.merge(customer),
                "prices.pdf",
                io.BytesIO(b"%PDF-1.4 prices"),
                {"title": f"{name} price list", "visible_to_contacts": True},
                staff=None,
                stored=[],
            )
            db.session.commit()
        return Side(
            customer=customer,
            primary=primary,
            colleague=colleague,
            invoice=invoice,
            payment=payment,
            document=document,
            draft_invoice=make_invoice(customer),
            estimate=make_estimate(customer, send=True),
            draft_estimate=make_estimate(customer),
            ticket=make_ticket(customer, primary, subject=f"{name} printer on fire"),
        )

    return World(a=side("Alpha"), b=side("Beta"))
