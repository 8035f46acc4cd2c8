"""Languages, the one locale selector, and ``locale_of(recipient)`` for emails and PDFs."""

from __future__ import annotations

from typing import Any

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
