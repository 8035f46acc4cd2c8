"""VAT numbers and business ids are checked by their check digits (python-stdnum) in the
service, so forms, the import and the API refuse a wrong one with a translated field error
before any registry is asked; accepted numbers are stored normalised."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Customer
from portal.services import customers
from portal.services.customers import import_export
from portal.services.customers.registry.numbers import (
    NumberError,
    example_vat,
    normalise_business_id,
    normalise_vat,
)
from portal.services.errors import ValidationError


def off_by_one(number: str) -> str:
    """The same number with its last digit (its check digit, or the digit before a fixed
    suffix such as B01 or MVA) one higher."""
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    suffix_digits = {"NL": 2, "SE": 2}.get(number[:2], 0)
    i = digits[-1 - suffix_digits]
    return number[:i] + str((int(number[i]) + 1) % 10) + number[i + 1 :]


VALID_VAT = [
    ("FI", "FI 2077474-0", "FI20774740"),
    ("NO", "NO 988 077 917 MVA", "NO988077917MVA"),
    ("DE", "de 136.695.976", "DE136695976"),
    ("FR", "FR 40 303 265 045", "FR40303265045"),
    ("ES", "ES-A12345674", "ESA12345674"),
    ("NL", "nl 0044.95.445.B01", "NL004495445B01"),
    ("SE", "SE 5561 8884 0401", "SE556188840401"),
    ("DK", "DK 13 58 56 28", "DK13585628"),
]


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_VAT)
def test_valid_vat_numbers_are_stored_compact(country, typed, stored):
    assert normalise_vat(typed) == stored


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_VAT)
def test_vat_number_off_by_one_digit_is_refused(app, country, typed, stored):
    wrong = off_by_one(stored)
    assert wrong != stored
    with pytest.raises(NumberError):
        normalise_vat(wrong)


VALID_IDS = [
    ("FI", "2077474 0", "2077474-0"),
    ("NO", "988 077 917", "988077917"),
    ("SE", "5561888404", "556188-8404"),
    ("DK", "13585628", "13585628"),
    ("FR", "303 265 045", "303265045"),
    ("ES", "A12345674", "A12345674"),
]


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_IDS)
def test_valid_business_ids_are_stored_in_their_registers_form(country, typed, stored):
    assert normalise_business_id(typed, country) == stored


@pytest.mark.parametrize(("country", "typed", "stored"), VALID_IDS)
def test_business_id_off_by_one_digit_is_refused(app, country, typed, stored):
    with pytest.raises(NumberError, match=r"check digit|not a valid"):
        normalise_business_id(off_by_one(stored), country)


def test_other_countries_business_ids_are_kept_as_typed():
    assert normalise_business_id(" hrb  12345 b ", "DE") == "HRB 12345 B"
    assert normalise_business_id("12345678", "NL") == "12345678"


def test_messages_say_what_is_wrong(app):
    with pytest.raises(NumberError) as wrong_digit:
        normalise_vat("FI20774741")
    assert str(wrong_digit.value) == "The check digit of this VAT number is wrong."
    with pytest.raises(NumberError) as wrong_length:
        normalise_vat("DE13669597")
    assert str(wrong_length.value) == "This is not a valid VAT number of Germany."
    with pytest.raises(NumberError) as no_prefix:
        normalise_vat("20774740")
    assert "country code" in str(no_prefix.value)


def test_messages_are_translated(app):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("de"), pytest.raises(NumberError) as caught:
        normalise_vat("DE13669597")
    assert "Deutschland" in str(caught.value)


def test_demo_and_benchmark_numbers_pass_their_checks():
    for country in ("FI", "DE", "FR", "ES", "NL", "NO", "SE", "DK", "GB"):
        numbers = {example_vat(country, seed) for seed in range(0, 200_000, 997)}
        assert len(numbers) == len(range(0, 200_000, 997))
        assert all(normalise_vat(n) == n for n in numbers)
    assert example_vat("US", 5) == "US700000005"


# -- in the customer service: forms, import and API use it -------------------------------------


def test_service_refuses_a_wrong_check_digit_and_writes_nothing(eur, write):
    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer(
            {
                "company_name": "Typo Oy",
                "vat_number": "FI20774741",
                "business_id": "2077474-1",
                "billing_country": "FI",
            }
        )
    assert caught.value.fields == {
        "vat_number": "The check digit of this VAT number is wrong.",
        "business_id": "The check digit of this business id is wrong.",
    }
    db.session.rollback()
    assert db.session.scalar(select(Customer.id)) is None


def test_service_stores_normalised_numbers(eur, write):
    write()
    customer = customers.create_customer(
        {
            "company_name": "Fjordlys AS",
            "vat_number": "no 988 077 917",
            "business_id": "988 077 917",
            "billing_country": "no",
        }
    )
    db.session.commit()
    assert (customer.vat_number, customer.business_id) == ("NO988077917MVA", "988077917")


def test_business_id_needs_a_country(eur, write):
    write()
    with pytest.raises(ValidationError) as caught:
        customers.create_customer({"company_name": "Somewhere Ltd", "business_id": "12345"})
    assert set(caught.value.fields) == {"business_id"}
    # the VAT number's country is enough
    customer = customers.create_customer(
        {"company_name": "Revontuli", "vat_number": "FI20774740", "business_id": "20774740"}
    )
    assert customer.business_id == "2077474-0"


def test_an_old_invalid_vat_number_is_kept_until_it_is_changed(make_customer, write):
    customer = make_customer("Legacy Oy")
    write()
    db.session.execute(
        Customer.__table__.update().where(Customer.id == customer.id).values(vat_number="FI123")
    )
    db.session.commit()
    write()
    customer = db.session.get(Customer, customer.id)
    customers.update_customer(customer, {"vat_number": "FI123", "phone": "+358 40 1"})
    db.session.commit()
    assert (customer.vat_number, customer.phone) == ("FI123", "+358 40 1")
    write()
    with pytest.raises(ValidationError) as caught:
        customers.update_customer(customer, {"vat_number": "FI124"})
    assert set(caught.value.fields) == {"vat_number"}


def test_a_changed_vat_number_drops_the_check_mark(make_customer, write):
    from portal.models.base import utcnow

    customer = make_customer("Checked Oy", vat_number="FI20774740")
    write()
    customer.vat_checked_at, customer.vat_valid = utcnow(), True
    db.session.commit()
    write()
    customers.update_customer(customer, {"vat_number": "fi 2077 4740", "phone": "1"})
    db.session.commit()
    assert customer.vat_valid is True  # the same number, spelled differently
    write()
    customers.update_customer(customer, {"vat_number": "FI01120389"})
    db.session.commit()
    assert (customer.vat_checked_at, customer.vat_valid) == (None, None)


def test_import_reports_a_wrong_check_digit_per_row(eur, write):
    rows = import_export.read_rows(
        "c.csv",
        b"company_name,vat_number,business_id,billing_country\n"
        b"Good Oy,FI20774740,2077474-0,FI\nBad Oy,FI01120388,,FI\nWorse AS,,988077918,NO\n",
    )
    write()
    result = import_export.preview(rows)
    assert [(e.row, e.field) for e in result.errors] == [(3, "vat_number"), (4, "business_id")]


def test_import_finds_the_customer_by_its_vat_number_however_written(make_customer, write):
    make_customer("Revontuli Oy", vat_number="FI20774740")
    rows = import_export.read_rows(
        "c.csv", b"company_name,vat_number\nRevontuli Group,FI 2077474-0\n"
    )
    write()
    result = import_export.apply(rows)
    db.session.commit()
    assert (result.created, result.updated) == (0, 1)
