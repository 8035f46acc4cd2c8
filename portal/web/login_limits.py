"""Sign-in rate limits shared by the admin and the portal: only failed attempts count, per
account (the typed email, or the account waiting for its two-factor code) and per client
address. The limits are ``PORTAL_LOGIN_LIMIT_ACCOUNT`` and ``PORTAL_LOGIN_LIMIT_ADDRESS``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, g, request, session
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from portal.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])


def account_limit() -> str:
    return str(current_app.config["LOGIN_LIMIT_ACCOUNT"])


def address_limit() -> str:
    return str(current_app.config["LOGIN_LIMIT_ADDRESS"])


def failed(_response: Response) -> bool:
    """Counts an attempt only when the view marked it failed (``g.login_failed``)."""
    return bool(g.get("login_failed"))


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
