"""Numbers, dates and ids from form or JSON input, checked: a bad value is an error named
after its field in an :class:`~portal.services.platform.validation.Errors`, never an
exception."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from portal.models.base import as_decimal
from portal.services.platform.validation import Errors

#: Digits before the decimal point any amount, quantity or percent may have (the columns hold
#: 14 for money and 10 for quantities; an invoice line of ten billion is no real invoice).
MAX_INTEGER_DIGITS = 10


def parse_amount(
    value: Any,
    field: str,
    errors: Errors,
    *,
    minimum: Decimal | None = None,
    maximum: Decimal | None = None,
    positive: bool = False,
    places: int = 4,
    default: Decimal | None = None,
    digits: int = MAX_INTEGER_DIGITS,
) -> Decimal | None:
    """A finite decimal within the bounds, with at most ``digits`` digits before the decimal
    point (checked before any arithmetic: ``1e1000000`` is refused, never computed) and at
    most ``places`` decimals."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if default is None:
            errors.add(field, _("This field is required."))
        return default
    if isinstance(value, bool | float):
        errors.add(field, _("Enter a number such as 12.50."))
        return None
    try:
        number = as_decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if not number.is_finite():
        errors.add(field, _("Enter a number such as 12.50."))
        return None
    if number and number.adjusted() >= digits:
        errors.add(field, _("Must be at most %(n)s.", n="9" * digits))
        return None
    if (number and number.adjusted() < -places) or int(number.as_tuple().exponent) < -64:
        errors.add(field, _("At most %(n)d decimal places.", n=places))
        return None
    if int(number.normalize().as_tuple().exponent) < -places:
        errors.add(field, _("At most %(n)d decimal places.", n=places))
        return None
    if positive and number <= 0:
        errors.add(field, _("Must be greater than zero."))
        return None
    if minimum is not None and number < minimum:
        errors.add(field, _("Must be at least %(n)s.", n=minimum))
        return None
    if maximum is not None and number > maximum:
        errors.add(field, _("Must be at most %(n)s.", n=maximum))
        return None
    return number


def parse_date(value: Any, field: str, errors: Errors) -> date | None:
    """``None`` for empty input, a date for ``date`` objects and ISO strings, else an error."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(field, _("Enter a date such as 2024-12-31."))
    return None


def parse_id(value: Any) -> int | None:
    """A positive database id from form or JSON input, else ``None``."""
    text = str(value).strip() if value is not None and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        return None
    return int(text) or None
