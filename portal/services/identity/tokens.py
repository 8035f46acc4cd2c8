"""Signed, single-use, expiring links for setting and resetting passwords.

A token names the account and a fingerprint of its current password hash, session version,
email and reset generation; setting a password changes the hash, so a used token no longer
matches (single use) without a token table. Making a reset token counts up the account's
``reset_generation``, so a newer reset link ends every older one (the newest alone works; issue
24 item 7). ``max_age`` makes it expire.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.extensions import db
from portal.models import Contact, Staff

WELCOME_MAX_AGE = 72 * 3600
RESET_MAX_AGE = 3600

_MODELS: dict[str, type[Staff] | type[Contact]] = {"staff": Staff, "contact": Contact}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}")


def _fingerprint(user: Staff | Contact) -> str:
    material = (
        f"{user.password_hash or ''}|{user.session_version}|{user.email}|{user.reset_generation}"
    )
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(user: Staff | Contact, purpose: str) -> str:
    """A signed link token for ``user``; a ``reset`` token ends the reset (and set-password)
    links made before it (the caller's transaction stores the new generation)."""
    if purpose == "reset":
        user.reset_generation = (user.reset_generation or 0) + 1
        db.session.flush()
    kind = "staff" if isinstance(user, Staff) else "contact"
    return _serializer(purpose).dumps({"k": kind, "id": user.id, "f": _fingerprint(user)})


def load_token(token: str, purpose: str, max_age: int) -> Staff | Contact | None:
    """The account the token was made for, or ``None`` when it is forged, expired or used."""
    try:
        data: dict[str, Any] = _serializer(purpose).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    model = _MODELS.get(data.get("k", ""))
    if model is None or not isinstance(data.get("id"), int):
        return None
    user = db.session.get(model, data["id"])
    if user is None or not user.is_active or _fingerprint(user) != data.get("f"):
        return None
    return user
