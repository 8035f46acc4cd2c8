"""Languages, the one locale selector, ``locale_of(recipient)`` for emails and PDFs, and the
locale's way of writing numbers in form fields and CSV files."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any

from babel.numbers import (
    NumberFormatError,
    format_percent,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask import current_app, g, request
from flask_babel import get_locale, get_translations
from flask_login import current_user
from sqlalchemy.exc import DBAPIError

from portal.services.platform import settings

#: The shipped locales with their names in their own language.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "es": "Español",
    "nl": "Nederlands",
    "fi": "Suomi",
    "nb": "Norsk bokmål",
    "sv": "Svenska",
    "da": "Dansk",
}


def default_locale() -> str:
    try:
        configured = settings.get("default_language")
    except DBAPIError:  # no settings table yet (before the first ``flask db upgrade``)
        configured = None
    if configured in LANGUAGES:
        return configured
    fallback = current_app.config.get("DEFAULT_LOCALE", "en")
    return fallback if fallback in LANGUAGES else "en"


def locale_of(recipient: Any) -> str:
    """The language to use for someone else: a contact's own, else its customer's, else the
    default; a staff member's own, else the default."""
    own = getattr(recipient, "language", None)
    if own in LANGUAGES:
        return own
    customer = getattr(recipient, "customer", None)
    if customer is not None and customer.language in LANGUAGES:
        return customer.language
    return default_locale()


def select_locale() -> str:
    """The locale of the current request (SPEC section 8)."""
    forced = g.get("locale")
    if forced in LANGUAGES:
        return forced
    user = current_user
    if user is not None and getattr(user, "is_authenticated", False):
        own = getattr(user, "language", None)
        if own in LANGUAGES:
            return own
        customer = getattr(user, "customer", None)
        if customer is not None and customer.language in LANGUAGES:
            return customer.language
    best = request.accept_languages.best_match(list(LANGUAGES)) if request else None
    return best or default_locale()


def _translations() -> Any:
    """The current translations, looked up once per request and locale.

    Flask-Babel resolves the domain, the locale and its cache key on every single string;
    a page with a hundred strings paid for that a hundred times. The cache lives on Babel's own
    per-request namespace and is keyed by the identity of the current ``Locale`` object, which
    :func:`flask_babel.force_locale` replaces (and restores), so emails rendered for someone
    else in the middle of a request still get their own language."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
    cached = getattr(ctx, "portal_translations", None) if ctx is not None else None
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.portal_translations = (getattr(ctx, "babel_locale", None), translations)
    return translations


def current_locale_code() -> str:
    """``str(get_locale())``, worked out once per request and locale (the money and date
    filters ask for it for every amount and date on a page); follows ``force_locale`` the same
    way :func:`_translations` does."""
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None) if ctx is not None else None
    cached = getattr(ctx, "portal_locale_code", None) if ctx is not None else None
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]  # type: ignore[no-any-return]
    code = str(get_locale())
    ctx = g.get("_flask_babel")
    if ctx is not None:
        ctx.portal_locale_code = (getattr(ctx, "babel_locale", None), code)
    return code


def install_fast_gettext(app: Any) -> None:
    """Jinja's gettext callables through :func:`_translations` (same results, less work)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


# -- numbers typed into forms and written to CSV files ----------------------------------------

#: Spaces a number may be grouped with (fr, fi, nb, sv group with no-break spaces) and the
#: minus sign some locales print.
_SPACES = re.compile(r"[\s\u00a0\u202f]")
#: Digits with separators only (no exponent, no ``NaN``: those go to the service as typed).
_PLAIN_NUMBER = re.compile(r"-?[0-9][0-9.,]*")


def number_from_input(text: str | None, locale: str | None = None) -> str:
    """A number typed in ``locale``'s format (``1.234,5`` in German) as the plain ``1234.5`` the
    services and the API read. A number that is not in the locale's format but has at most one
    separator is read with either mark as the decimal point (``12.50`` typed in German is
    12.50, ``12,5`` typed in English 12.5); anything else comes back unchanged, so the service
    refuses it with its own message next to the field."""
    raw = (text or "").strip()
    cleaned = _SPACES.sub("", raw).replace("\u2212", "-")
    if not _PLAIN_NUMBER.fullmatch(cleaned):
        return raw
    try:
        return format(
            parse_decimal(cleaned, locale=locale or current_locale_code(), strict=True), "f"
        )
    except (NumberFormatError, ValueError):
        pass
    if cleaned.count(",") + cleaned.count(".") == 1:
        return cleaned.replace(",", ".")
    return raw


def number_for_input(value: Decimal | str | None, locale: str | None = None) -> str:
    """``Decimal("1234.50")`` as ``1234,50`` for a German form field: the locale's decimal
    mark, no grouping (read back by :func:`number_from_input`), the digits as given."""
    if value is None or value == "":
        return ""
    text = format(value, "f") if isinstance(value, Decimal) else str(value)
    return text.replace(".", get_decimal_symbol(locale or current_locale_code()))


def percent_text(percent: Decimal, locale: str | None = None) -> str:
    """``Decimal("25.5")`` (a percent) as the locale writes it: ``25.5%``, ``25,5 %``."""
    return format_percent(
        percent / 100, locale=locale or current_locale_code(), decimal_quantization=False
    )


def number_marks(locale: str | None = None) -> dict[str, str]:
    """The locale's decimal and group marks, for the running totals of the invoice form."""
    code = locale or current_locale_code()
    return {"decimal": get_decimal_symbol(code), "group": get_group_symbol(code)}


def csv_delimiter(locale: str | None = None) -> str:
    """``;`` where the decimal mark is a comma (what spreadsheet programs expect there), else
    ``,``."""
    return ";" if get_decimal_symbol(locale or current_locale_code()) == "," else ","


# -- file names ---------------------------------------------------------------------------------

#: Letters NFKD does not take apart into a base letter and a mark.
_TRANSLITERATE = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe"})
_NOT_SAFE = re.compile(r"[^A-Za-z0-9._]+")


def file_name(*parts: object, extension: str) -> str:
    """A download's name from translated words and codes, safe in every browser and file
    system: ``file_name(_("Invoice"), "INV-000012", extension="pdf")`` is
    ``Rechnung-INV-000012.pdf`` in German, ``Nota-de-credito-CN-000003.pdf`` in Spanish
    (accents dropped, spaces and anything unsafe become one ``-``)."""
    words = []
    for part in parts:
        text = unicodedata.normalize("NFKD", str(part).translate(_TRANSLITERATE))
        text = "".join(c for c in text if not unicodedata.combining(c))
        slug = _NOT_SAFE.sub("-", text).strip("-._")
        if slug:
            words.append(slug)
    return "-".join(words or ["download"]) + "." + extension
