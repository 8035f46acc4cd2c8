"""Small validators shared by the services; each returns the clean value or raises a
:class:`~portal.services.errors.ValidationError` naming the field."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import get_territory_currencies, list_currencies
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import LANGUAGES
from portal.services.errors import ValidationError


class Errors:
    """Collects field errors so a form can show all of them at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, message)

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationError(_("Please correct the marked fields."), fields=self.fields)


def text(
    data: Mapping[str, Any],
    field: str,
    errors: Errors,
    *,
    required: bool = False,
    max_length: int = 255,
) -> str | None:
    value = data.get(field)
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, _("Must be text."))
        return None
    value = value.strip()
    if not value:
        if required:
            errors.add(field, _("This field is required."))
        return None
    if len(value) > max_length:
        errors.add(field, _("At most %(n)d characters.", n=max_length))
        return None
    return value


def email(data: Mapping[str, Any], field: str, errors: Errors) -> str | None:
    value = text(data, field, errors, required=True, max_length=254)
    if value is None:
        return None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        errors.add(field, _("Enter a valid email address."))
        return None
    return result.normalized.lower()


def language(data: Mapping[str, Any], field: str, errors: Errors) -> str | None:
    value = text(data, field, errors, max_length=8)
    if value is not None and value not in LANGUAGES:
        errors.add(field, _("Choose one of the offered languages."))
        return None
    return value


#: CLDR region codes that are not ISO 3166-1 countries (reserved, grouping or private use).
_NOT_COUNTRIES = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}
)


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    return frozenset(
        k
        for k in Locale("en").territories
        if len(k) == 2 and k.isalpha() and k not in _NOT_COUNTRIES
    )


def country(data: Mapping[str, Any], field: str, errors: Errors) -> str | None:
    value = text(data, field, errors, max_length=2)
    if value is None:
        return None
    value = value.upper()
    if value not in _countries():
        errors.add(field, _("Enter a two-letter ISO country code, such as DE or FI."))
        return None
    return value


@lru_cache(maxsize=1)
def iso_currencies() -> frozenset[str]:
    """ISO 4217 codes that are legal tender somewhere today (DEM, ZWD and the like are not)."""
    today = date.today()
    current = {
        code
        for territory in _countries()
        for code in get_territory_currencies(territory, today, non_tender=True)
    }
    return frozenset(current & set(list_currencies()))


#: Spellings of yes and no every locale accepts (forms, the API, imports).
_YES = frozenset({"1", "true", "yes", "on", "y"})
_NO = frozenset({"0", "false", "no", "off", "n", ""})


def yes_no_words() -> tuple[frozenset[str], frozenset[str]]:
    """Every spelling of yes and of no: the codes above and the yes/no that a CSV export writes
    in each shipped language (so a file exported in German imports again)."""
    yes, no = set(_YES), set(_NO)
    for code in LANGUAGES:
        with force_locale(code):
            yes.add(_("yes").strip().lower())
            no.add(_("no").strip().lower())
    if yes & no:  # a translation that says yes in one language and no in another
        raise RuntimeError(f"ambiguous yes/no words: {sorted(yes & no)}")
    return frozenset(yes), frozenset(no)


def boolean(data: Mapping[str, Any], field: str, errors: Errors, default: bool) -> bool:
    value = data.get(field, default)
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _YES:
            return True
        if word in _NO:
            return False
        yes, no = yes_no_words()
        if word in yes or word in no:
            return word in yes
    errors.add(field, _("Must be yes or no."))
    return default
