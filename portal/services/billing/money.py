"""Money: ``Decimal`` everywhere, rounded per currency, formatted with Babel."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, parse_pattern

from portal.models.base import as_decimal
from portal.services.errors import ValidationError


def quantum(decimal_places: int) -> Decimal:
    return Decimal(1).scaleb(-decimal_places)


def round_money(amount: Decimal | int | str, decimal_places: int) -> Decimal:
    """Rounds half up (commercial rounding) to the currency's number of decimals."""
    return as_decimal(amount).quantize(quantum(decimal_places), rounding=ROUND_HALF_UP)


def parse_decimal(value: object, field: str, message: str) -> Decimal:
    """Parses input such as ``"12.50"`` or ``12`` into a finite ``Decimal`` or raises a
    :class:`ValidationError` naming ``field``."""
    if value is None or isinstance(value, bool):
        raise ValidationError(message, fields={field: message})
    try:
        result = as_decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(message, fields={field: message}) from None
    if not result.is_finite() or (result and not -64 <= result.adjusted() < 16):
        raise ValidationError(message, fields={field: message})
    return result


@lru_cache(maxsize=256)
def _currency_pattern(locale: str, decimal_places: int) -> tuple[NumberPattern, Locale]:
    """The locale's CLDR currency pattern with the currency's decimals, parsed once per
    (locale, decimals); Babel applies it to every amount."""
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"].pattern
    pattern = pattern.replace(".00", "." + "0" * decimal_places if decimal_places else "")
    return parse_pattern(pattern), parsed


def format_money(amount: Decimal, currency_code: str, locale: str, decimal_places: int) -> str:
    """``1234.5`` EUR in ``de`` gives ``1.234,50 €``, with the currency's own decimals
    (our currency table is the authority: JPY 0, KWD 3)."""
    pattern, parsed = _currency_pattern(locale, decimal_places)
    value = round_money(amount, decimal_places)
    return pattern.apply(value, parsed, currency=currency_code, currency_digits=False)
