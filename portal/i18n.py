"""Languages, the one locale selector, and ``locale_of(recipient)`` for emails and PDFs."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask_login import current_user

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
    from portal.services import settings

    try:
        configured = settings.get("default_language")
    except Exception:
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
