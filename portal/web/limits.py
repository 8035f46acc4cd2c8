"""Rate limits of the two HTML sides (Flask-Limiter: ``memory://`` in tests, Redis in production
through ``PORTAL_RATELIMIT_STORAGE_URI``). Going over a limit answers 429 (the translated
``errors/429.html`` page) and the request's unit of work rolls back.

Every limit but the per-address ones is keyed by whom the request is about - the account, the
recipient or the contact - never only by the client address, so spreading requests over many
addresses does not help:

* failed sign-ins, per account (the typed email, or the account waiting for its two-factor
  code) and per client address: ``PORTAL_LOGIN_LIMIT_ACCOUNT``, ``PORTAL_LOGIN_LIMIT_ADDRESS``;
* password reset requests, per client address and per submitted email, whether an account has
  it or not (so the answer never tells): ``PORTAL_RESET_LIMIT_RECIPIENT``; registrations count
  there too, as a known address is sent a reset email;
* welcome emails per recipient (staff sending or re-sending one, a contact's invitation, a
  registration, counted per submitted email): ``PORTAL_WELCOME_LIMIT_RECIPIENT``;
* portal tickets and replies per contact: ``PORTAL_TICKET_LIMIT_CONTACT``,
  ``PORTAL_REPLY_LIMIT_CONTACT``.

And :func:`hold_answer`: the answer to a reset request or a registration is held until
``PORTAL_ACCOUNT_ANSWER_SECONDS`` have passed, so its time does not tell whether the address
has an account.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, after_this_request, current_app, g, request, session
from flask_limiter.util import get_remote_address
from limits import parse_many
from werkzeug.wrappers import Response

from portal.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

#: Shared buckets: one count per recipient whichever view (or side) adds to it.
RESET_SCOPE = "recipient-reset"
WELCOME_SCOPE = "recipient-welcome"


@limiter.request_filter
def _switched_off() -> bool:
    """``RATELIMIT_ENABLED`` of the request's own app. The limiter is one object for every app
    of the process, and its own switch is the one of the app made last (tests make several)."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def _setting(name: str) -> Callable[[], str]:
    return lambda: str(current_app.config[name])


account_limit = _setting("LOGIN_LIMIT_ACCOUNT")
address_limit = _setting("LOGIN_LIMIT_ADDRESS")


def failed(_response: Response) -> bool:
    """Counts an attempt only when the view marked it failed (``g.login_failed``)."""
    return bool(g.get("login_failed"))


def _limited(view: F, limits: list[Any]) -> F:
    for limit in limits:
        view = limit(view)
    return view


def login_limited(side: str, pending_key: str) -> Callable[[F], F]:
    """The per-account and per-address limits for the sign-in views of ``side``
    (``admin`` or ``portal``); ``pending_key`` names the session entry of a sign-in waiting
    for its two-factor code."""

    def account_key() -> str:
        email = (request.form.get("email") or "").strip().lower()
        if not email:
            pending = session.get(pending_key) or {}
            email = f"id:{pending.get('id', '')}"
        return f"{side}-account:{email}"

    limits = (
        (account_limit, account_key, "account"),
        (address_limit, get_remote_address, "address"),
    )

    def decorator(view: F) -> F:
        for limit, key, kind in limits:
            view = limiter.limit(
                limit,
                key_func=key,
                methods=["POST"],
                deduct_when=failed,
                scope=f"{side}-login-{kind}",
            )(view)
        return view

    return decorator


# -- emails per recipient ----------------------------------------------------------------------


def recipient_key(address: str | None) -> str:
    """The bucket of an email address (as typed: trimmed, lower case)."""
    return f"email:{(address or '').strip().lower()}"


def _submitted_key() -> str:
    return recipient_key(request.form.get("email"))


def _no_email_submitted() -> bool:
    return not (request.form.get("email") or "").strip()


def _per_recipient(setting: str, scope: str) -> Any:
    return limiter.shared_limit(
        _setting(setting),
        scope,
        key_func=_submitted_key,
        methods=["POST"],
        exempt_when=_no_email_submitted,
    )


def _per_address(scope: str) -> Any:
    return limiter.limit(address_limit, methods=["POST"], scope=scope)


def reset_limited(side: str) -> Callable[[F], F]:
    """Reset requests of ``side`` (``admin`` or ``portal``): per client address, and per
    submitted email on both sides together, counted whether an account has it or not."""

    def decorator(view: F) -> F:
        return _limited(
            view,
            [
                _per_recipient("RESET_LIMIT_RECIPIENT", RESET_SCOPE),
                _per_address(f"{side}-reset-address"),
            ],
        )

    return decorator


def registration_limited(view: F) -> F:
    """Registrations: per client address, and per submitted email in the reset and the welcome
    buckets (a new address is sent a welcome email, a known one a reset email; both count, so
    the answer does not tell which)."""
    return _limited(
        view,
        [
            _per_recipient("RESET_LIMIT_RECIPIENT", RESET_SCOPE),
            _per_recipient("WELCOME_LIMIT_RECIPIENT", WELCOME_SCOPE),
            _per_address("portal-register-address"),
        ],
    )


def spend(setting: str, scope: str, key: str) -> None:
    """Counts one in the ``scope`` bucket of ``key`` (the limit is the ``setting``); answers
    429 once the limit is used up. For limits whose key is known only inside the view."""
    if not (limiter.enabled and limiter.initialized) or _switched_off():
        return
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    identifiers = [prefix, key, scope] if prefix else [key, scope]
    for item in parse_many(str(current_app.config[setting])):
        if not limiter.limiter.hit(item, *identifiers):
            current_app.logger.info("ratelimit %s (%s) exceeded for %s", item, scope, key)
            abort(429)


def spend_welcome(address: str | None) -> None:
    """One welcome email to ``address``, in the bucket registrations add to (429 when used
    up). Call it before queuing, whether the email will really be sent or not."""
    spend("WELCOME_LIMIT_RECIPIENT", WELCOME_SCOPE, recipient_key(address))


# -- portal contacts ---------------------------------------------------------------------------


def contact_limited(setting: str, scope: str, contact_id: Callable[[], int]) -> Callable[[F], F]:
    """POSTs to the view per contact (``contact_id()``, read after the blueprint's guard);
    ``setting`` names the limit."""

    def key() -> str:
        return f"contact:{contact_id()}"

    return limiter.limit(_setting(setting), key_func=key, methods=["POST"], scope=scope)


# -- answers that must not tell ----------------------------------------------------------------


def hold_answer() -> None:
    """Holds this request's answer until ``PORTAL_ACCOUNT_ANSWER_SECONDS`` after now. For the
    answers that must not tell whether an address has an account: both paths do the same work
    where they can (see ``accounts.request_reset`` and ``contact_accounts.register``), and this
    hides what is left (the known path's writes and commit). The wait comes after the unit of
    work has committed, so no database lock is held meanwhile."""
    deadline = time.monotonic() + float(current_app.config["ACCOUNT_ANSWER_SECONDS"])

    @after_this_request
    def _wait(response: Response) -> Response:
        delay = deadline - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        return response
