"""The audit log: one row per create, update and delete, with the actor and what changed."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Contact, Customer, Invoice, TaxRate
from portal.services import customers
from portal.services.customers import contacts
from portal.services.errors import ValidationError
from portal.services.identity import passwords
from portal.services.platform.audit import SYSTEM, Actor, acting_as, actor_for, current_actor

SAM = Actor("staff", 5, "Sam")
CORA = Actor("contact", 9, "Cora")


def rows(entity_type: str | None = None, *where: Any) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.id)
    if entity_type is not None:
        stmt = stmt.where(AuditLog.entity_type == entity_type)
    return list(db.session.scalars(stmt.where(*where)))


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog)) or 0


@pytest.fixture
def eur(make_currency):
    return make_currency("EUR", "€", 2, True)


def create_customer(name: str = "Acme Oy", actor: Actor = SAM, **data: Any) -> Customer:
    with acting_as(actor):
        customer = customers.create_customer({"company_name": name, **data})
        db.session.commit()
    return customer


# -- actors -----------------------------------------------------------------------------------


def test_actor_refs():
    assert SAM.ref == "staff:5"
    assert SYSTEM.ref == "system"
    assert Actor("api", 2, "ERP").ref == "api:2"


def test_acting_as_sets_and_restores_the_actor():
    assert current_actor() == SYSTEM
    with acting_as(SAM):
        assert current_actor() == SAM
        with acting_as(CORA):
            assert current_actor() == CORA
        assert current_actor() == SAM
    assert current_actor() == SYSTEM


def test_acting_as_restores_the_actor_after_an_error():
    with pytest.raises(RuntimeError), acting_as(SAM):
        raise RuntimeError("boom")
    assert current_actor() == SYSTEM


def test_actor_for_a_contact(make_contact):
    contact = make_contact(first_name="Cora", last_name="Lind")

    assert actor_for(contact) == Actor("contact", contact.id, "Cora Lind")


# -- create -----------------------------------------------------------------------------------


def test_creating_a_customer_writes_a_create_row(eur, write):
    write()
    customer = create_customer("Acme Oy", vat_number="FI01120389")

    (row,) = rows("Customer")
    assert row.action == "create"
    assert row.entity_id == customer.id
    assert row.customer_id == customer.id
    assert (row.actor, row.actor_name) == ("staff:5", "Sam")
    assert row.created_at is not None
    assert row.changes["company_name"] == [None, "Acme Oy"]
    assert row.changes["number"] == [None, "C-000001"]
    assert row.changes["vat_number"] == [None, "FI01120389"]
    assert row.changes["is_active"] == [None, True]
    assert row.changes["currency_id"] == [None, eur.id]
    # None values, the id and the bookkeeping columns are left out.
    assert "phone" not in row.changes
    assert not {"id", "created_at", "updated_at", "created_by", "updated_by"} & set(row.changes)


def test_without_acting_as_the_actor_is_the_system(eur, write):
    write()
    customers.create_customer({"company_name": "Acme Oy"})
    db.session.commit()

    (row,) = rows("Customer")
    assert (row.actor, row.actor_name) == ("system", "System")


def test_created_by_and_updated_by_are_stamped_with_the_actor(eur, write):
    write()
    customer = create_customer(actor=SAM)
    stored = db.session.get(Customer, customer.id)
    assert (stored.created_by, stored.updated_by) == ("staff:5", "staff:5")

    write()
    with acting_as(CORA):
        customers.update_customer(stored, {"phone": "123"})
        db.session.commit()

    stored = db.session.get(Customer, customer.id)
    assert (stored.created_by, stored.updated_by) == ("staff:5", "contact:9")
    assert [r.actor for r in rows("Customer")] == ["staff:5", "contact:9"]


# -- update -----------------------------------------------------------------------------------


def test_update_records_only_the_changed_fields(eur, write):
    write()
    customer = create_customer("Acme Oy", phone="111", billing_city="Turku")

    write()
    with acting_as(CORA):
        customers.update_customer(
            customer,
            {"company_name": "Acme Group Oy", "phone": "222", "billing_city": "Turku"},
        )
        db.session.commit()

    create, update = rows("Customer")
    assert create.action == "create"
    assert update.action == "update"
    assert update.entity_id == customer.id
    assert update.customer_id == customer.id
    assert (update.actor, update.actor_name) == ("contact:9", "Cora")
    assert update.changes == {"company_name": ["Acme Oy", "Acme Group Oy"], "phone": ["111", "222"]}


def test_update_of_a_loaded_customer_records_old_and_new(eur, write):
    write()
    customer = create_customer("Acme Oy")

    write()
    customer = db.session.get(Customer, customer.id)
    assert customer.company_name == "Acme Oy"
    customers.update_customer(customer, {"company_name": "Renamed", "website": "acme.fi"})
    db.session.commit()

    assert rows("Customer")[-1].changes == {
        "company_name": ["Acme Oy", "Renamed"],
        "website": [None, "acme.fi"],
    }


def test_no_row_when_nothing_changed(eur, write):
    write()
    customer = create_customer("Acme Oy", phone="111")
    before = count()

    write()
    customers.update_customer(customer, {"company_name": "Acme Oy", "phone": "111"})
    db.session.commit()
    write()
    customers.set_active(customer, True)
    db.session.commit()

    assert count() == before
    assert db.session.get(Customer, customer.id).updated_by == "staff:5"


def test_decimal_and_date_values_are_recorded_as_strings(make_invoice, write):
    invoice = make_invoice()
    write()
    rate = TaxRate(name="VAT", percent=Decimal("24"))
    db.session.add(rate)
    db.session.commit()
    created = rows("TaxRate")[0]
    assert created.changes["percent"] == [None, "24"]

    write()
    rate = db.session.get(TaxRate, rate.id)
    old_percent = rate.percent
    rate.percent = Decimal("25.5")
    invoice = db.session.get(Invoice, invoice.id)
    invoice.due_date = date(2024, 5, 31)
    db.session.commit()

    assert rows("TaxRate")[-1].changes == {"percent": [str(old_percent), "25.5"]}
    assert Decimal(str(old_percent)) == Decimal("24")
    changed = rows("Invoice")[-1]
    assert changed.action == "update"
    assert changed.changes == {"due_date": [None, "2024-05-31"]}
    assert changed.customer_id == invoice.customer_id

    write()
    invoice = db.session.get(Invoice, invoice.id)
    invoice.due_date = date(2024, 6, 30)
    db.session.commit()
    assert rows("Invoice")[-1].changes == {"due_date": ["2024-05-31", "2024-06-30"]}


def test_the_same_decimal_written_differently_is_no_change(app, write):
    write()
    db.session.add(TaxRate(name="VAT", percent=Decimal("24")))
    db.session.commit()
    before = count()

    write()
    rate = db.session.scalar(select(TaxRate))
    rate.percent = Decimal("24.00")
    db.session.commit()

    assert count() == before


# -- delete -----------------------------------------------------------------------------------


def test_deleting_a_customer_writes_a_delete_row(eur, write):
    write()
    customer = create_customer("Doomed Oy", phone="111")
    customer_id = customer.id

    write()
    with acting_as(SAM):
        customers.delete_customer(customer)
        db.session.commit()

    row = rows("Customer")[-1]
    assert row.action == "delete"
    assert (row.entity_id, row.customer_id) == (customer_id, customer_id)
    assert row.actor == "staff:5"
    assert row.changes["company_name"] == ["Doomed Oy", None]
    assert row.changes["phone"] == ["111", None]
    assert row.changes["number"] == ["C-000001", None]


# -- contacts ---------------------------------------------------------------------------------


def test_contact_rows_carry_the_customers_id(make_customer, write):
    customer = make_customer("Acme Oy")

    write()
    with acting_as(SAM):
        first = contacts.create_contact(
            customer, {"first_name": "Anna", "last_name": "A", "email": "anna@x.com"}
        )
        second = contacts.create_contact(
            customer, {"first_name": "Bert", "last_name": "B", "email": "bert@x.com"}
        )
        db.session.commit()
    first_id = first.id
    write()
    with acting_as(SAM):
        contacts.update_contact(second, {"phone": "555"})
        contacts.delete_contact(db.session.get(Contact, first_id))
        db.session.commit()

    contact_rows = rows("Contact")
    assert [(r.action, r.entity_id) for r in contact_rows] == [
        ("create", first_id),
        ("update", first_id),  # made primary
        ("create", second.id),
        ("update", second.id),  # phone
        ("delete", first_id),
        ("update", second.id),  # promoted to primary
    ]
    assert {r.customer_id for r in contact_rows} == {customer.id}
    assert contact_rows[0].changes["email"] == [None, "anna@x.com"]
    assert contact_rows[1].changes == {"is_primary": [False, True]}
    assert contact_rows[3].changes == {"phone": [None, "555"]}
    assert contact_rows[4].changes["email"] == ["anna@x.com", None]
    assert contact_rows[5].changes == {"is_primary": [False, True]}
    assert all(r.actor == "staff:5" for r in contact_rows)


def test_password_changes_are_masked(make_customer, write):
    customer = make_customer()
    write()
    contact = contacts.create_contact(
        customer, {"first_name": "Anna", "last_name": "A", "email": "anna@x.com"}
    )
    db.session.commit()

    write()
    contact = db.session.get(Contact, contact.id)
    first_hash = passwords.hash_password("first secret passphrase")
    contact.password_hash = first_hash
    db.session.commit()
    write()
    contact = db.session.get(Contact, contact.id)
    second_hash = passwords.hash_password("second secret passphrase")
    contact.password_hash = second_hash
    db.session.commit()

    updates = [r for r in rows("Contact") if r.action == "update"]
    assert updates[-2].changes == {"password_hash": ["***", "***"]}
    assert updates[-1].changes == {"password_hash": ["***", "***"]}
    everything = json.dumps([r.changes for r in rows()])
    assert first_hash not in everything
    assert second_hash not in everything
    assert "scrypt" not in everything and "argon2" not in everything


def test_a_password_set_on_create_is_not_recorded(make_customer, write):
    customer = make_customer()
    write()
    contact = contacts.create_contact(
        customer, {"first_name": "Anna", "last_name": "A", "email": "anna@x.com"}
    )
    contact.password_hash = passwords.hash_password("a secret passphrase")
    db.session.flush()
    db.session.commit()

    create = rows("Contact")[0]
    assert create.action == "create"
    assert "password_hash" not in create.changes
    assert contact.password_hash not in json.dumps([r.changes for r in rows()])


# -- transactions -----------------------------------------------------------------------------


def test_a_rolled_back_transaction_leaves_no_audit_row(eur, write):
    before = count()

    write()
    with acting_as(SAM):
        customers.create_customer({"company_name": "Never Oy"})
        assert len(rows("Customer")) == 1  # written in the same transaction ...
    db.session.rollback()

    assert count() == before  # ... and gone with it
    assert rows("Customer") == []


def test_a_refused_change_writes_no_audit_row(eur, write):
    write()
    customer = create_customer("Acme Oy")
    before = count()

    write()
    with pytest.raises(ValidationError):
        customers.update_customer(customer, {"company_name": "New", "billing_country": "XY"})
    db.session.commit()

    assert count() == before
    assert db.session.get(Customer, customer.id).company_name == "Acme Oy"
