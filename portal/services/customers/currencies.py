"""Currencies: ISO 4217 codes, decimals, exactly one default."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, or_, select

from portal.extensions import db
from portal.models import Currency, Customer, Estimate, Invoice, Payment
from portal.services.errors import ConflictError
from portal.services.platform import validation
from portal.services.platform.validation import Errors


def _apply(currency: Currency, data: Mapping[str, Any], errors: Errors, creating: bool) -> None:
    if creating or "code" in data:
        code = validation.text(data, "code", errors, required=True, max_length=3)
        if code is not None:
            code = code.upper()
            if code not in validation.iso_currencies():
                errors.add("code", _("Enter an ISO 4217 currency code, such as EUR or USD."))
            else:
                clash = select(Currency.id).where(Currency.code == code)
                if currency.id is not None:
                    clash = clash.where(Currency.id != currency.id)
                if db.session.scalar(clash):
                    errors.add("code", _("This currency exists already."))
                currency.code = code
    if creating or "symbol" in data:
        symbol = validation.text(data, "symbol", errors, required=True, max_length=8)
        if symbol is not None:
            currency.symbol = symbol
    if creating or "decimal_places" in data:
        raw = data.get("decimal_places", 2)
        try:
            places = int(raw)
        except (TypeError, ValueError):
            places = -1
        if not 0 <= places <= 4 or isinstance(raw, bool | float):
            errors.add("decimal_places", _("Between 0 and 4."))
        else:
            currency.decimal_places = places


def create_currency(data: Mapping[str, Any]) -> Currency:
    currency = Currency(is_default=False)
    errors = Errors()
    with db.session.no_autoflush:
        _apply(currency, data, errors, creating=True)
    make_default = data.get("is_default") is not None and validation.boolean(
        data, "is_default", errors, False
    )
    errors.raise_if_any()
    db.session.add(currency)
    db.session.flush()
    if make_default or db.session.scalar(select(Currency.id).where(Currency.is_default)) is None:
        set_default(currency)
    return currency


def update_currency(currency: Currency, data: Mapping[str, Any]) -> Currency:
    errors = Errors()
    with db.session.no_autoflush:
        _apply(currency, data, errors, creating=False)
    if errors.fields:
        db.session.expire(currency)
        errors.raise_if_any()
    db.session.flush()
    return currency


def set_default(currency: Currency) -> None:
    """Makes ``currency`` the one default currency."""
    for other in db.session.scalars(
        select(Currency).where(Currency.is_default, Currency.id != currency.id)
    ):
        other.is_default = False
    db.session.flush()
    currency.is_default = True
    db.session.flush()


def delete_currency(currency: Currency) -> None:
    if currency.is_default:
        raise ConflictError(_("The default currency cannot be deleted."), code="currency_default")
    in_use = db.session.scalar(
        select(
            or_(
                exists().where(Customer.currency_id == currency.id),
                exists().where(Invoice.currency_id == currency.id),
                exists().where(Estimate.currency_id == currency.id),
                exists().where(Payment.currency_id == currency.id),
            )
        )
    )
    if in_use:
        raise ConflictError(
            _(
                "%(code)s is used by customers or documents and cannot be deleted.",
                code=currency.code,
            ),
            code="currency_in_use",
        )
    db.session.delete(currency)
    db.session.flush()
