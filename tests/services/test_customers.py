"""Customers: numbers, validation that writes nothing, updates, the delete and currency rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, Contact, Currency, Customer, CustomerGroup
from portal.services import customers
from portal.services.customers import contacts
from portal.services.errors import ConflictError, ValidationError


def count(model: type, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


@pytest.fixture
def eur(make_currency: Callable[..., Currency]) -> Currency:
    return make_currency("EUR", "€", 2, True)


@pytest.fixture
def usd(eur: Currency, make_currency: Callable[..., Currency]) -> Currency:
    return make_currency("USD", "$", 2, False)


def create(data: dict[str, Any]) -> Customer:
    customer = customers.create_customer(data)
    db.session.commit()
    return customer


# -- create -----------------------------------------------------------------------------------


def test_create_generates_sequential_numbers_and_uses_the_default_currency(eur, write):
    write()
    first = customers.create_customer({"company_name": "Acme Oy"})
    second = customers.create_customer({"company_name": "Beta GmbH"})
    db.session.commit()

    assert (first.number, second.number) == ("C-000001", "C-000002")
    stored = db.session.get(Customer, first.id)
    assert stored.company_name == "Acme Oy"
    assert stored.currency.code == "EUR"
    assert stored.is_active is True
    assert stored.invoice_fields == []


def test_create_keeps_a_given_number(eur, write):
    write()
    customer = create({"company_name": "Acme Oy", "number": "  K-42  "})

    assert db.session.get(Customer, customer.id).number == "K-42"


def test_a_given_number_does_not_use_up_the_generated_series(eur, write):
    write()
    create({"company_name": "Given", "number": "K-1"})
    write()
    generated = create({"company_name": "Generated"})

    assert generated.number == "C-000001"


def test_a_generated_number_skips_one_that_was_given_by_hand(eur, write):
    write()
    create({"company_name": "Given", "number": "C-000001"})
    write()
    generated = create({"company_name": "Generated"})

    assert generated.number == "C-000002"
    assert count(Customer) == 2


def test_create_refuses_a_duplicate_given_number(eur, write):
    write()
    create({"company_name": "First", "number": "K-1"})
    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer({"company_name": "Second", "number": "K-1"})
    db.session.rollback()

    assert set(caught.value.fields) == {"number"}
    assert caught.value.fields["number"] == "This customer number is already taken."
    assert count(Customer) == 1
    assert db.session.scalar(select(Customer.company_name)) == "First"


def test_create_normalises_fields(eur, write):
    write()
    customer = create(
        {
            "company_name": "  Acme Oy  ",
            "vat_number": "fi 2077 4740",
            "billing_country": "fi",
            "shipping_country": "De",
            "language": "fi",
            "invoice_fields": [" PO number ", "", "Cost centre"],
            "currency": "eur",
        }
    )

    stored = db.session.get(Customer, customer.id)
    assert stored.company_name == "Acme Oy"
    assert stored.vat_number == "FI20774740"
    assert (stored.billing_country, stored.shipping_country) == ("FI", "DE")
    assert stored.language == "fi"
    assert stored.invoice_fields == ["PO number", "Cost centre"]
    assert stored.currency.code == "EUR"


def test_create_with_groups_by_name_and_id(eur, write):
    write()
    retail = CustomerGroup(name="Retail")
    wholesale = CustomerGroup(name="Wholesale")
    db.session.add_all([retail, wholesale, CustomerGroup(name="Unused")])
    db.session.flush()
    customer = create({"company_name": "Acme", "groups": ["retail", wholesale.id]})

    stored = db.session.get(Customer, customer.id)
    assert [g.name for g in stored.groups] == ["Retail", "Wholesale"]


def test_create_without_a_default_currency_is_refused(app, write):
    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer({"company_name": "Acme"})
    db.session.rollback()

    assert set(caught.value.fields) == {"currency"}
    assert count(Customer) == 0


# -- validation writes nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "company_name"),
        ({"company_name": ""}, "company_name"),
        ({"company_name": "   "}, "company_name"),
        ({"company_name": None}, "company_name"),
        ({"company_name": 42}, "company_name"),
        ({"company_name": "x" * 256}, "company_name"),
        ({"company_name": "Acme", "billing_country": "XY"}, "billing_country"),
        ({"company_name": "Acme", "billing_country": "Finland"}, "billing_country"),
        ({"company_name": "Acme", "billing_country": "ZZ"}, "billing_country"),  # CLDR "unknown"
        ({"company_name": "Acme", "billing_country": "EU"}, "billing_country"),  # not a country
        ({"company_name": "Acme", "shipping_country": "1A"}, "shipping_country"),
        ({"company_name": "Acme", "currency": "XYZ"}, "currency"),
        ({"company_name": "Acme", "currency": "USD"}, "currency"),
        ({"company_name": "Acme", "groups": ["No such group"]}, "groups"),
        ({"company_name": "Acme", "groups": [999]}, "groups"),
        ({"company_name": "Acme", "groups": "Retail"}, "groups"),
        ({"company_name": "Acme", "language": "xx"}, "language"),
        ({"company_name": "Acme", "tax_class_id": 999}, "tax_class_id"),
        ({"company_name": "Acme", "invoice_fields": "PO"}, "invoice_fields"),
        ({"company_name": "Acme", "is_active": "maybe"}, "is_active"),
    ],
)
def test_invalid_create_names_the_field_and_writes_nothing(eur, write, data, field):
    write()
    db.session.add(CustomerGroup(name="Retail"))
    db.session.commit()
    audit_rows = count(AuditLog)

    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(data)
    db.session.rollback()

    assert set(caught.value.fields) == {field}
    assert caught.value.message == "Please correct the marked fields."
    assert count(Customer) == 0
    assert count(AuditLog) == audit_rows
    # The failed attempt took no number either.
    write()
    assert create({"company_name": "Next"}).number == "C-000001"


def test_invalid_create_reports_every_field_at_once(eur, write):
    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(
            {"company_name": "", "billing_country": "XY", "currency": "XYZ", "groups": ["Nope"]}
        )
    db.session.rollback()

    assert set(caught.value.fields) == {"company_name", "billing_country", "currency", "groups"}
    assert caught.value.fields["currency"] == "Unknown currency XYZ."
    assert caught.value.fields["groups"] == "Unknown group: Nope."
    assert count(Customer) == 0


def test_duplicate_vat_number_is_refused_whatever_the_spacing_and_case(eur, write):
    write()
    create({"company_name": "First", "vat_number": "FI20774740"})
    audit_rows = count(AuditLog)

    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer({"company_name": "Second", "vat_number": "fi 2077 4740"})
    db.session.rollback()

    assert set(caught.value.fields) == {"vat_number"}
    assert caught.value.fields["vat_number"] == "Another customer already has this VAT number."
    assert count(Customer) == 1
    assert count(AuditLog) == audit_rows


# -- update -----------------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(make_customer, write):
    customer = make_customer("Acme Oy", vat_number="FI01120389", phone="123", billing_city="Turku")

    write()
    customers.update_customer(customer, {"company_name": "Acme Group Oy", "phone": " 456 "})
    db.session.commit()

    stored = db.session.get(Customer, customer.id)
    assert stored.company_name == "Acme Group Oy"
    assert stored.phone == "456"
    assert stored.vat_number == "FI01120389"
    assert stored.billing_city == "Turku"
    assert stored.number == "C-000001"


def test_update_can_clear_an_optional_field(make_customer, write):
    customer = make_customer("Acme Oy", phone="123")

    write()
    customers.update_customer(customer, {"phone": ""})
    db.session.commit()

    assert db.session.get(Customer, customer.id).phone is None


def test_update_keeps_its_own_vat_number(make_customer, write):
    customer = make_customer("Acme Oy", vat_number="FI01120389")

    write()
    customers.update_customer(customer, {"vat_number": "fi 0112038-9", "company_name": "Acme 2"})
    db.session.commit()

    assert db.session.get(Customer, customer.id).vat_number == "FI01120389"


def test_update_refuses_another_customers_vat_number(make_customer, write):
    make_customer("First", vat_number="FI01120389")
    second = make_customer("Second", vat_number="FI20774740")

    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(second, {"vat_number": "FI01120389"})
    db.session.rollback()

    assert set(caught.value.fields) == {"vat_number"}
    assert db.session.get(Customer, second.id).vat_number == "FI20774740"


def test_invalid_update_leaves_the_customer_unchanged(make_customer, write):
    customer = make_customer("Acme Oy", billing_country="FI")

    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(customer, {"company_name": "Renamed", "billing_country": "XY"})

    assert set(caught.value.fields) == {"billing_country"}
    # The service reverted the object: a commit now writes nothing.
    assert customer.company_name == "Acme Oy"
    assert customer.billing_country == "FI"
    db.session.commit()
    stored = db.session.get(Customer, customer.id)
    assert (stored.company_name, stored.billing_country) == ("Acme Oy", "FI")


def test_the_number_cannot_be_changed(make_customer, write):
    customer = make_customer("Acme Oy")

    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(customer, {"number": "K-9"})
    db.session.rollback()

    assert set(caught.value.fields) == {"number"}
    assert db.session.get(Customer, customer.id).number == "C-000001"


def test_update_with_the_same_number_is_fine(make_customer, write):
    customer = make_customer("Acme Oy")

    write()
    customers.update_customer(customer, {"number": "C-000001", "company_name": "Acme 2"})
    db.session.commit()

    assert db.session.get(Customer, customer.id).company_name == "Acme 2"


# -- currency ---------------------------------------------------------------------------------


def test_currency_can_change_before_the_first_invoice(make_customer, usd, write):
    customer = make_customer("Acme Oy")

    write()
    customers.update_customer(customer, {"currency": "usd"})
    db.session.commit()

    assert db.session.get(Customer, customer.id).currency.code == "USD"


def test_currency_cannot_change_with_only_an_estimate(make_customer, make_estimate, usd, write):
    """Issue 17: estimates lock the currency too (Perfex: "if there are transactions")."""
    customer = make_customer("Acme Oy")
    make_estimate(customer)

    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(customer, {"currency": "USD"})
    db.session.rollback()

    assert caught.value.fields == {
        "currency": "The currency cannot change: this customer already has estimates."
    }
    assert db.session.get(Customer, customer.id).currency.code != "USD"


def test_currency_cannot_change_once_the_customer_has_an_invoice(
    make_customer, make_invoice, usd, write
):
    customer = make_customer("Acme Oy")
    make_invoice(customer)

    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(customer, {"currency": "USD", "phone": "123"})
    db.session.rollback()

    assert set(caught.value.fields) == {"currency"}
    assert caught.value.fields["currency"] == (
        "The currency cannot change: this customer already has invoices."
    )
    stored = db.session.get(Customer, customer.id)
    assert stored.currency.code == "EUR"
    assert stored.phone is None


def test_giving_the_same_currency_with_invoices_is_fine(make_customer, make_invoice, write):
    customer = make_customer("Acme Oy")
    make_invoice(customer)

    write()
    customers.update_customer(customer, {"currency": "EUR", "phone": "123"})
    db.session.commit()

    stored = db.session.get(Customer, customer.id)
    assert (stored.currency.code, stored.phone) == ("EUR", "123")


# -- delete -----------------------------------------------------------------------------------


def test_delete_is_refused_when_the_customer_has_an_invoice(make_customer, make_invoice, write):
    customer = make_customer("Acme Oy")
    make_invoice(customer)
    assert customers.has_documents(customer.id)

    write()
    with pytest.raises(ConflictError) as caught:
        customers.delete_customer(customer)
    db.session.rollback()

    assert caught.value.code == "customer_has_documents"
    assert caught.value.status == 409
    assert "Acme Oy" in caught.value.message
    assert "inactive" in caught.value.message
    assert count(Customer) == 1


def test_delete_is_refused_when_the_customer_has_an_estimate(
    make_customer, make_estimate, make_contact, write
):
    customer = make_customer("Beta GmbH")
    make_contact(customer)
    make_estimate(customer)
    assert not customers.has_invoices(customer.id)

    write()
    with pytest.raises(ConflictError) as caught:
        customers.delete_customer(customer)
    db.session.rollback()

    assert caught.value.message == (
        "Beta GmbH cannot be deleted because it has invoices or estimates. "
        "Make it inactive instead."
    )
    assert count(Customer) == 1
    assert count(Contact) == 1


def test_delete_without_documents_removes_the_customer_and_its_contacts(
    make_customer, make_contact, write
):
    doomed = make_customer("Doomed")
    make_contact(doomed)
    make_contact(doomed)
    kept = make_customer("Kept")
    kept_contact = make_contact(kept)
    doomed_id, kept_contact_id = doomed.id, kept_contact.id

    write()
    customers.delete_customer(db.session.get(Customer, doomed_id))
    db.session.commit()

    assert db.session.get(Customer, doomed_id) is None
    assert count(Contact, Contact.customer_id == doomed_id) == 0
    assert [c.id for c in db.session.scalars(select(Contact))] == [kept_contact_id]
    assert customers.contact_count(kept.id) == 1


def test_delete_with_loaded_contacts(make_customer, make_contact, write):
    customer = make_customer("Doomed")
    make_contact(customer)
    customer_id = customer.id

    write()
    customer = db.session.get(Customer, customer_id)
    assert len(customer.contacts) == 1
    customers.delete_customer(customer)
    db.session.commit()

    assert count(Customer) == 0
    assert count(Contact) == 0


# -- set_active -------------------------------------------------------------------------------


def test_set_active(make_customer, make_invoice, write):
    customer = make_customer("Acme Oy")
    make_invoice(customer)

    write()
    customers.set_active(customer, False)
    db.session.commit()
    assert db.session.get(Customer, customer.id).is_active is False

    write()
    customers.set_active(customer, True)
    db.session.commit()
    assert db.session.get(Customer, customer.id).is_active is True


def test_contact_count_counts_only_the_customers_contacts(make_customer, make_contact, write):
    first = make_customer()
    second = make_customer()
    make_contact(first)
    make_contact(first)
    write()
    contacts.create_contact(second, {"first_name": "A", "last_name": "B", "email": "a@b.fi"})
    db.session.commit()

    assert customers.contact_count(first.id) == 2
    assert customers.contact_count(second.id) == 1
