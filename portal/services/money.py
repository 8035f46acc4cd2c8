"""Money: ``Decimal`` everywhere, rounded per currency, formatted with Babel."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
    parse_pattern,
)

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
    if not result.is_finite():
        raise ValidationError(message, fields={field: message})
    return result


@lru_cache(maxsize=128)
def _formatter(locale: str, decimal_places: int) -> tuple[NumberPattern, Locale]:
    """The locale's currency pattern with the currency's decimals, parsed once."""
    parsed = Locale.parse(locale)
    pattern = parsed.currency_formats["standard"].pattern
    pattern = pattern.replace(".00", "." + "0" * decimal_places if decimal_places else "")
    return parse_pattern(pattern), parsed


@dataclass(frozen=True, slots=True)
class _MoneyFormat:
    """A locale's currency pattern for one currency, resolved down to plain strings: what
    Babel's ``NumberPattern.apply`` works out again for every amount (symbols, affixes,
    quoting), done once. ``tests/services/test_money.py`` checks it gives Babel's output."""

    affixes: tuple[tuple[str, str], tuple[str, str]]  # (prefix, suffix) for positive, negative
    group: str
    decimal: str
    sizes: tuple[int, int]
    min_int: int

    def apply(self, value: Decimal) -> str:
        whole, _, frac = f"{abs(value):f}".partition(".")
        whole = whole.rjust(self.min_int, "0")
        size, parts = self.sizes[0], []
        while len(whole) > size:
            parts.append(whole[-size:])
            whole = whole[:-size]
            size = self.sizes[1]
        parts.append(whole)
        number = self.group.join(reversed(parts)) + (self.decimal + frac if frac else "")
        prefix, suffix = self.affixes[1 if value.is_signed() else 0]
        return prefix + number + suffix


def _unquote(text: str) -> str:
    return re.sub(r"'([^']*)'", lambda m: m.group(1) or "'", text)


@lru_cache(maxsize=512)
def _money_format(locale: str, currency_code: str, decimal_places: int) -> _MoneyFormat | None:
    pattern, parsed = _formatter(locale, decimal_places)
    affixes = (*pattern.prefix, *pattern.suffix)
    if pattern.exp_prec or pattern.scale or "@" in pattern.pattern or "¤¤¤" in "".join(affixes):
        return None  # not a plain currency pattern: Babel formats it

    def resolve(affix: str) -> str:
        affix = affix.replace("¤¤", currency_code.upper())
        return _unquote(affix.replace("¤", get_currency_symbol(currency_code, parsed)))

    return _MoneyFormat(
        affixes=(
            (resolve(pattern.prefix[0]), resolve(pattern.suffix[0])),
            (resolve(pattern.prefix[1]), resolve(pattern.suffix[1])),
        ),
        group=get_group_symbol(parsed),
        decimal=get_decimal_symbol(parsed),
        sizes=pattern.grouping,
        min_int=pattern.int_prec[0],
    )


def format_money(amount: Decimal, currency_code: str, locale: str, decimal_places: int) -> str:
    """``1234.5`` EUR in ``de`` gives ``1.234,50 €``, with the currency's own decimals
    (our currency table is the authority: JPY 0, KWD 3)."""
    value = round_money(amount, decimal_places)
    compiled = _money_format(locale, currency_code, decimal_places)
    if compiled is not None and value.is_finite():
        return compiled.apply(value)
    pattern, parsed = _formatter(locale, decimal_places)
    return pattern.apply(value, parsed, currency=currency_code, currency_digits=False)
