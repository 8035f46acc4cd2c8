"""Contacts: the one primary contact, email rules, permissions and the database backstop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditLog, Contact, Customer
from portal.services.customers import contacts
from portal.services.errors import ValidationError

ALL = ["invoices", "estimates", "tickets", "company", "documents"]


def count(model: type, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def primaries(customer_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Contact.email).where(Contact.customer_id == customer_id, Contact.is_primary)
        )
    )


@pytest.fixture
def customer(make_customer: Callable[..., Customer]) -> Customer:
    return make_customer("Acme Oy")


def add(customer: Customer, email: str, **data: Any) -> Contact:
    contact = contacts.create_contact(
        customer, {"first_name": "Anna", "last_name": "Virtanen", "email": email, **data}
    )
    db.session.commit()
    return contact


# -- the primary contact ----------------------------------------------------------------------


def test_the_first_contact_becomes_primary_and_the_second_does_not(customer, write):
    write()
    first = add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    assert db.session.get(Contact, first.id).is_primary is True
    assert db.session.get(Contact, second.id).is_primary is False
    assert primaries(customer.id) == ["first@example.com"]
    assert db.session.get(Customer, customer.id).primary_contact.id == first.id


def test_is_primary_false_on_the_first_contact_still_makes_it_primary(customer, write):
    write()
    first = add(customer, "first@example.com", is_primary=False)

    assert db.session.get(Contact, first.id).is_primary is True


def test_create_with_is_primary_moves_the_flag(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    add(customer, "second@example.com")
    write()
    third = add(customer, "third@example.com", is_primary=True)

    assert primaries(customer.id) == ["third@example.com"]
    assert db.session.get(Contact, third.id).is_primary is True


def test_primaries_are_per_customer(make_customer, write):
    first, second = make_customer(), make_customer()
    write()
    add(first, "a@example.com")
    write()
    add(second, "b@example.com", is_primary=True)

    assert primaries(first.id) == ["a@example.com"]
    assert primaries(second.id) == ["b@example.com"]


def test_set_primary_moves_the_flag(customer, write):
    write()
    first = add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    write()
    contacts.set_primary(db.session.get(Contact, second.id))
    db.session.commit()

    assert primaries(customer.id) == ["second@example.com"]
    assert db.session.get(Contact, first.id).is_primary is False


def test_set_primary_on_the_primary_changes_nothing(customer, write):
    write()
    first = add(customer, "first@example.com")

    write()
    contacts.set_primary(db.session.get(Contact, first.id))
    db.session.commit()

    assert primaries(customer.id) == ["first@example.com"]


def test_update_with_is_primary_moves_the_flag(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    write()
    contacts.update_contact(second, {"is_primary": True})
    db.session.commit()

    assert primaries(customer.id) == ["second@example.com"]


def test_the_primary_cannot_be_unset_directly(customer, write):
    write()
    first = add(customer, "first@example.com")

    audit_rows = count(AuditLog)

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.update_contact(first, {"is_primary": False, "phone": "123"})
    db.session.commit()

    assert set(caught.value.fields) == {"is_primary"}
    assert primaries(customer.id) == ["first@example.com"]
    assert db.session.get(Contact, first.id).phone is None
    assert count(AuditLog) == audit_rows


def test_deleting_the_primary_promotes_the_next_active_contact(customer, write):
    write()
    first = add(customer, "first@example.com")
    write()
    add(customer, "inactive@example.com", is_active=False)
    write()
    add(customer, "third@example.com")
    write()
    add(customer, "fourth@example.com")

    write()
    contacts.delete_contact(db.session.get(Contact, first.id))
    db.session.commit()

    assert db.session.get(Contact, first.id) is None
    assert primaries(customer.id) == ["third@example.com"]
    assert count(Contact, Contact.customer_id == customer.id) == 3


def test_the_primary_cannot_be_deleted_while_the_others_are_all_inactive(customer, write):
    write()
    primary = add(customer, "primary@example.com")
    write()
    other = add(customer, "other@example.com")
    write()
    contacts.update_contact(db.session.get(Contact, other.id), {"is_active": False})
    db.session.commit()
    write()
    with pytest.raises(ValidationError) as refused:
        contacts.delete_contact(db.session.get(Contact, primary.id))
    db.session.rollback()
    assert "is_primary" in refused.value.fields
    assert primaries(customer.id) == ["primary@example.com"]


def test_deleting_a_non_primary_contact_keeps_the_primary(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    write()
    contacts.delete_contact(second)
    db.session.commit()

    assert primaries(customer.id) == ["first@example.com"]
    assert count(Contact) == 1


def test_deleting_the_only_contact(customer, write):
    write()
    first = add(customer, "first@example.com")

    write()
    contacts.delete_contact(first)
    db.session.commit()

    assert count(Contact) == 0


def test_the_primary_contact_cannot_be_deactivated(customer, write):
    write()
    first = add(customer, "first@example.com")
    write()
    add(customer, "second@example.com")

    audit_rows = count(AuditLog)

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.update_contact(first, {"is_active": False, "phone": "123"})
    assert first.is_active is True
    # Nothing reached the database, even if the caller commits after the error.
    db.session.commit()

    assert set(caught.value.fields) == {"is_active"}
    stored = db.session.get(Contact, first.id)
    assert (stored.is_active, stored.is_primary, stored.phone) == (True, True, None)
    assert count(AuditLog) == audit_rows


def test_a_non_primary_contact_can_be_deactivated(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    write()
    contacts.update_contact(second, {"is_active": False})
    db.session.commit()

    assert db.session.get(Contact, second.id).is_active is False


def test_an_inactive_contact_cannot_be_made_primary(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    inactive = add(customer, "inactive@example.com", is_active=False)

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.set_primary(db.session.get(Contact, inactive.id))
    db.session.rollback()

    assert set(caught.value.fields) == {"is_primary"}
    assert caught.value.message == "An inactive contact cannot be the primary contact."
    assert primaries(customer.id) == ["first@example.com"]


def test_an_inactive_contact_cannot_be_created_as_primary(customer, write):
    write()
    add(customer, "first@example.com")

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(
            customer,
            {
                "first_name": "I",
                "last_name": "N",
                "email": "in@example.com",
                "is_active": False,
                "is_primary": True,
            },
        )
    db.session.rollback()

    assert set(caught.value.fields) == {"is_primary"}
    assert primaries(customer.id) == ["first@example.com"]
    assert count(Contact) == 1


def test_the_database_refuses_two_primaries_for_one_customer(customer, write):
    write()
    first = add(customer, "first@example.com")
    customer_id = first.customer_id

    write()
    # A second non-primary row is fine (the control) ...
    db.session.add(
        Contact(
            customer_id=customer_id,
            first_name="B",
            last_name="B",
            email="b@example.com",
            is_primary=False,
        )
    )
    db.session.flush()
    # ... a second primary is not.
    db.session.add(
        Contact(
            customer_id=customer_id,
            first_name="C",
            last_name="C",
            email="c@example.com",
            is_primary=True,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    assert primaries(customer_id) == ["first@example.com"]
    assert count(Contact) == 1


def test_the_database_allows_one_primary_per_customer(make_customer, write):
    first, second = make_customer(), make_customer()

    write()
    for n, owner in enumerate((first, second)):
        db.session.add(
            Contact(
                customer_id=owner.id,
                first_name="P",
                last_name="P",
                email=f"p{n}@example.com",
                is_primary=True,
            )
        )
    db.session.flush()
    db.session.commit()

    assert count(Contact, Contact.is_primary) == 2


# -- email ------------------------------------------------------------------------------------


def test_email_is_stored_lower_case_and_found_case_insensitively(customer, write):
    write()
    contact = add(customer, "  Anna.Virtanen@Example.COM ")

    assert db.session.get(Contact, contact.id).email == "anna.virtanen@example.com"
    assert contacts.find_by_email(" ANNA.virtanen@example.com").id == contact.id
    assert contacts.find_by_email("nobody@example.com") is None


@pytest.mark.parametrize("other", ["ANNA@x.com", "anna@x.com", "Anna@X.Com"])
def test_email_is_unique_case_insensitively(make_customer, write, other):
    first, second = make_customer(), make_customer()
    write()
    add(first, "anna@x.com")
    audit_rows = count(AuditLog)

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(second, {"first_name": "A", "last_name": "B", "email": other})
    db.session.rollback()

    assert set(caught.value.fields) == {"email"}
    assert caught.value.fields["email"] == "Another contact already uses this email address."
    assert count(Contact) == 1
    assert count(Contact, Contact.customer_id == second.id) == 0
    assert count(AuditLog) == audit_rows


def test_update_refuses_another_contacts_email(customer, write):
    write()
    add(customer, "anna@x.com")
    write()
    second = add(customer, "bert@x.com")

    write()
    with pytest.raises(ValidationError) as caught:
        contacts.update_contact(second, {"email": "ANNA@x.com", "first_name": "Bertil"})
    db.session.rollback()

    assert set(caught.value.fields) == {"email"}
    stored = db.session.get(Contact, second.id)
    assert (stored.email, stored.first_name) == ("bert@x.com", "Anna")


def test_update_keeps_its_own_email_in_another_case(customer, write):
    write()
    contact = add(customer, "anna@x.com")

    write()
    contacts.update_contact(contact, {"email": "ANNA@X.COM", "position": "CFO"})
    db.session.commit()

    stored = db.session.get(Contact, contact.id)
    assert (stored.email, stored.position) == ("anna@x.com", "CFO")


@pytest.mark.parametrize(
    "email", ["", "not-an-email", "anna@", "@x.com", "anna@@x.com", "a b@x.com"]
)
def test_invalid_email_is_refused(customer, write, email):
    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(customer, {"first_name": "A", "last_name": "B", "email": email})
    db.session.rollback()

    assert set(caught.value.fields) == {"email"}
    assert count(Contact) == 0


@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_are_required(customer, write, field):
    data = {"first_name": "A", "last_name": "B", "email": "a@x.com", field: " "}
    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(customer, data)
    db.session.rollback()

    assert set(caught.value.fields) == {field}
    assert count(Contact) == 0


def test_invalid_language_is_refused(customer, write):
    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(
            customer, {"first_name": "A", "last_name": "B", "email": "a@x.com", "language": "xx"}
        )
    db.session.rollback()

    assert set(caught.value.fields) == {"language"}
    assert count(Contact) == 0


# -- permissions ------------------------------------------------------------------------------


def test_the_primary_contact_has_every_permission_whatever_the_flags(customer, write):
    write()
    primary = add(customer, "first@example.com", permissions=[])

    stored = db.session.get(Contact, primary.id)
    assert stored.is_primary is True
    assert (stored.can_invoices, stored.can_estimates, stored.can_tickets) == (False,) * 3
    assert stored.can_company is False
    assert stored.permissions == ALL
    assert all(stored.may(p) for p in ALL)


def test_a_non_primary_contacts_permissions_follow_the_flags(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com", permissions=["tickets", "company"])

    stored = db.session.get(Contact, second.id)
    assert stored.permissions == ["tickets", "company"]
    assert stored.may("tickets") is True
    assert stored.may("invoices") is False
    with pytest.raises(ValueError, match="unknown contact permission"):
        stored.may("payments")


def test_the_default_permissions_leave_out_company(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    assert db.session.get(Contact, second.id).permissions == [
        "invoices",
        "estimates",
        "tickets",
        "documents",
    ]


def test_permissions_can_be_updated(customer, write):
    write()
    add(customer, "first@example.com")
    write()
    second = add(customer, "second@example.com")

    write()
    contacts.update_contact(second, {"permissions": ("estimates",)})
    db.session.commit()

    assert db.session.get(Contact, second.id).permissions == ["estimates"]


def test_a_former_primary_gets_its_own_permissions_back(customer, write):
    write()
    first = add(customer, "first@example.com", permissions=["invoices"])
    assert db.session.get(Contact, first.id).permissions == ALL
    write()
    add(customer, "second@example.com", is_primary=True)

    assert db.session.get(Contact, first.id).permissions == ["invoices"]


@pytest.mark.parametrize("permissions", [["invoices", "payments"], "invoices", [None], 7])
def test_unknown_permissions_are_refused(customer, write, permissions):
    write()
    with pytest.raises(ValidationError) as caught:
        contacts.create_contact(
            customer,
            {"first_name": "A", "last_name": "B", "email": "a@x.com", "permissions": permissions},
        )
    db.session.rollback()

    assert set(caught.value.fields) == {"permissions"}
    assert count(Contact) == 0


def test_the_permissions_setter_refuses_unknown_names():
    contact = Contact()
    with pytest.raises(ValueError, match="payments"):
        contact.permissions = ["payments"]
