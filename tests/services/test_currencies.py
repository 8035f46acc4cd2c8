"""Currencies: ISO 4217 codes, exactly one default, and deletion rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditLog, Currency, Customer
from portal.services.customers import currencies
from portal.services.errors import ConflictError, ValidationError


def count(model: type, *where: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def defaults() -> list[str]:
    return list(db.session.scalars(select(Currency.code).where(Currency.is_default)))


def create(code: str, **data: Any) -> Currency:
    currency = currencies.create_currency({"code": code, "symbol": code, **data})
    db.session.commit()
    return currency


# -- codes ------------------------------------------------------------------------------------


def test_create_a_valid_currency(app, write):
    write()
    currency = create(" eur ", symbol="€", decimal_places=2)

    stored = db.session.get(Currency, currency.id)
    assert (stored.code, stored.symbol, stored.decimal_places) == ("EUR", "€", 2)


@pytest.mark.parametrize(("code", "places"), [("JPY", 0), ("KWD", 3), ("CLF", 4), ("USD", "2")])
def test_decimal_places_between_0_and_4(app, write, code, places):
    write()
    currency = create(code, decimal_places=places)

    assert db.session.get(Currency, currency.id).decimal_places == int(places)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("XYZ", "Enter an ISO 4217 currency code, such as EUR or USD."),
        ("EU", "Enter an ISO 4217 currency code, such as EUR or USD."),
        ("123", "Enter an ISO 4217 currency code, such as EUR or USD."),
        ("DEM", "Enter an ISO 4217 currency code, such as EUR or USD."),  # withdrawn in 2002
        ("EURO", "At most 3 characters."),
        ("", "This field is required."),
        (None, "This field is required."),
    ],
)
def test_invalid_codes_are_refused_and_nothing_is_written(app, write, code, message):
    write()
    with pytest.raises(ValidationError) as caught:
        currencies.create_currency({"code": code, "symbol": "?"})
    db.session.rollback()

    assert caught.value.fields == {"code": message}
    assert count(Currency) == 0
    assert count(AuditLog) == 0


@pytest.mark.parametrize("places", [-1, 5, "two", None, 2.0, True])
def test_invalid_decimal_places_are_refused(app, write, places):
    write()
    with pytest.raises(ValidationError) as caught:
        currencies.create_currency({"code": "EUR", "symbol": "€", "decimal_places": places})
    db.session.rollback()

    assert set(caught.value.fields) == {"decimal_places"}
    assert count(Currency) == 0


def test_symbol_is_required(app, write):
    write()
    with pytest.raises(ValidationError) as caught:
        currencies.create_currency({"code": "EUR", "symbol": " "})
    db.session.rollback()

    assert set(caught.value.fields) == {"symbol"}
    assert count(Currency) == 0


def test_a_code_exists_only_once(app, write):
    write()
    create("EUR")

    write()
    with pytest.raises(ValidationError) as caught:
        currencies.create_currency({"code": "eur", "symbol": "€"})
    db.session.rollback()

    assert caught.value.fields == {"code": "This currency exists already."}
    assert count(Currency) == 1


def test_update_keeps_its_own_code_and_refuses_anothers(app, write):
    write()
    create("EUR")
    write()
    usd = create("USD")

    write()
    currencies.update_currency(usd, {"code": "usd", "symbol": "US$"})
    db.session.commit()
    assert db.session.get(Currency, usd.id).symbol == "US$"

    write()
    with pytest.raises(ValidationError) as caught:
        currencies.update_currency(usd, {"code": "EUR", "symbol": "€"})
    db.session.rollback()

    assert set(caught.value.fields) == {"code"}
    stored = db.session.get(Currency, usd.id)
    assert (stored.code, stored.symbol) == ("USD", "US$")


# -- exactly one default ----------------------------------------------------------------------


def test_the_first_currency_becomes_the_default(app, write):
    write()
    create("EUR", is_default=False)
    write()
    create("USD")

    assert defaults() == ["EUR"]


def test_creating_a_second_default_moves_the_flag(app, write):
    write()
    create("EUR", is_default=True)
    write()
    create("USD", is_default=True)

    assert defaults() == ["USD"]
    assert count(Currency) == 2


@pytest.mark.parametrize("value", [False, "false", "0", "", None])
def test_is_default_false_does_not_move_the_flag(app, write, value):
    write()
    create("EUR", is_default=True)
    write()
    create("USD", is_default=value)

    assert defaults() == ["EUR"]


def test_an_unreadable_is_default_is_refused(app, write):
    write()
    create("EUR", is_default=True)

    write()
    with pytest.raises(ValidationError) as caught:
        currencies.create_currency({"code": "USD", "symbol": "$", "is_default": "maybe"})
    db.session.rollback()

    assert set(caught.value.fields) == {"is_default"}
    assert defaults() == ["EUR"]
    assert count(Currency) == 1


@pytest.mark.parametrize("value", [True, "true", "1", "on"])
def test_is_default_true_moves_the_flag(app, write, value):
    write()
    create("EUR", is_default=True)
    write()
    create("USD", is_default=value)

    assert defaults() == ["USD"]


def test_set_default_moves_the_flag(app, write):
    write()
    create("EUR")
    write()
    usd = create("USD")

    write()
    currencies.set_default(db.session.get(Currency, usd.id))
    db.session.commit()

    assert defaults() == ["USD"]


def test_the_database_refuses_two_defaults(app, write):
    write()
    create("EUR")

    write()
    db.session.add(Currency(code="GBP", symbol="£", decimal_places=2, is_default=False))
    db.session.flush()  # the control: a second non-default currency is fine
    db.session.add(Currency(code="USD", symbol="$", decimal_places=2, is_default=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()

    assert defaults() == ["EUR"]
    assert count(Currency) == 1


# -- delete -----------------------------------------------------------------------------------


def test_the_default_currency_cannot_be_deleted(app, write):
    write()
    eur = create("EUR")

    write()
    with pytest.raises(ConflictError) as caught:
        currencies.delete_currency(eur)
    db.session.rollback()

    assert caught.value.code == "currency_default"
    assert caught.value.message == "The default currency cannot be deleted."
    assert count(Currency) == 1


def test_a_currency_used_by_a_customer_cannot_be_deleted(
    make_customer: Callable[..., Customer], write
):
    customer = make_customer(currency="USD")
    usd = customer.currency

    write()
    with pytest.raises(ConflictError) as caught:
        currencies.delete_currency(usd)
    db.session.rollback()

    assert caught.value.code == "currency_in_use"
    assert caught.value.message == ("USD is used by customers or documents and cannot be deleted.")
    assert count(Currency) == 2


def test_a_currency_used_by_an_invoice_cannot_be_deleted(make_customer, make_invoice, write):
    customer = make_customer(currency="USD")
    make_invoice(customer)
    usd_id = customer.currency_id
    write()
    # The customer moves away from USD (allowed here by a direct change); the invoice stays.
    db.session.get(Customer, customer.id).currency = currencies_default()
    db.session.commit()

    write()
    with pytest.raises(ConflictError) as caught:
        currencies.delete_currency(db.session.get(Currency, usd_id))
    db.session.rollback()

    assert caught.value.code == "currency_in_use"
    assert db.session.get(Currency, usd_id) is not None


def currencies_default() -> Currency:
    return db.session.scalar(select(Currency).where(Currency.is_default))


def test_an_unused_currency_can_be_deleted(make_customer, make_currency, write):
    make_customer()  # uses EUR
    gbp = make_currency("GBP", "£", 2)
    gbp_id = gbp.id

    write()
    currencies.delete_currency(gbp)
    db.session.commit()

    assert db.session.get(Currency, gbp_id) is None
    assert defaults() == ["EUR"]
    assert sorted(db.session.scalars(select(Currency.code))) == ["EUR"]


def test_decimal_places_are_the_money_rounding(make_currency):
    jpy = make_currency("JPY", "¥", 0)
    from portal.services.billing.money import round_money

    assert round_money(Decimal("1234.5"), jpy.decimal_places) == Decimal("1235")
