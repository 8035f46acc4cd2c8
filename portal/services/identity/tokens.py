"""Signed, single-use, expiring links for setting and resetting passwords.

A token names the account and a fingerprint of its current password hash and session version;
setting a password changes both, so a used token no longer matches (single use) without a
token table. ``max_age`` makes it expire.
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
    material = f"{user.password_hash or ''}|{user.session_version}|{user.email}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def make_token(user: Staff | Contact, purpose: str) -> str:
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
