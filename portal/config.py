"""Configuration: defaults, then ``PORTAL_*`` environment variables, then the mapping given to
``create_app`` (tests)."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _secret_key(instance: Path) -> str:
    """Reads ``instance/secret_key``, creating it with a random key the first time."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # Written to a private (0600) temporary file, then linked into place: the key file is
        # never half-written or readable by others, and when several workers start at once the
        # first link wins and every worker reads that one key.
        fd, tmp = tempfile.mkstemp(dir=instance, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w") as file:
                file.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def defaults(instance: Path) -> dict[str, Any]:
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'portal.db'}",
        "BASE_URL": "http://127.0.0.1:5000",
        "MAIL_SERVER": "",
        "MAIL_PORT": 25,
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_USE_TLS": False,
        "MAIL_SENDER": "portal@localhost",
        "MAIL_TIMEOUT": 10,
        "MAIL_MAX_ATTEMPTS": 8,
        "RATELIMIT_STORAGE_URI": "memory://",
        "UPLOAD_DIR": str(instance / "uploads"),
        "MAX_UPLOAD_MB": 10,
        "DEFAULT_LOCALE": "en",
        "SQLITE_BUSY_TIMEOUT_MS": 30000,
        "COOKIE_SECURE": None,
        "LOGIN_LIMIT_ACCOUNT": "5 per 15 minutes",
        "LOGIN_LIMIT_ADDRESS": "20 per 15 minutes",
        "RESET_LIMIT_RECIPIENT": "3 per hour",
        "WELCOME_LIMIT_RECIPIENT": "3 per hour",
        "TICKET_LIMIT_CONTACT": "10 per hour",
        "REPLY_LIMIT_CONTACT": "30 per hour",
        "PAY_LIMIT_CONTACT": "30 per hour",
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_API_BASE": "https://api.stripe.com",
        "STRIPE_CHECKOUT_ORIGIN": "https://checkout.stripe.com",
        "STRIPE_TIMEOUT": 20,
        "STRIPE_WEBHOOK_LIMIT": "30 per minute",
        "DOCUMENT_LINK_DAYS": 30,
        "DOCUMENT_LINK_LIMIT_ADDRESS": "30 per minute",
        "ACCOUNT_ANSWER_SECONDS": 0.25,
        "API_RATELIMIT": "600/minute",
        "WEBHOOKS_ALLOW_PRIVATE": False,
        "WEBHOOKS_MAX_ATTEMPTS": 8,
        "WEBHOOKS_TIMEOUT": 10,
        "PDF_RENDER_TIMEOUT": 20,
        "REGISTRY_VIES_URL": "https://ec.europa.eu/taxation_customs/vies/rest-api",
        "REGISTRY_PRH_URL": "https://avoindata.prh.fi/opendata-ytj-api/v3",
        "REGISTRY_BRREG_URL": "https://data.brreg.no/enhetsregisteret/api",
        "REGISTRY_TIMEOUT": 5,
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }


def load(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fills ``app.config`` in the documented order."""
    instance = Path(app.instance_path)
    app.config.update(defaults(instance))
    app.config.from_prefixed_env("PORTAL")
    if overrides:
        app.config.update(overrides)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(instance)
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["BABEL_DEFAULT_LOCALE"] = app.config["DEFAULT_LOCALE"]
    app.config["MAX_CONTENT_LENGTH"] = (int(app.config["MAX_UPLOAD_MB"]) * 5 + 1) * 1024 * 1024
    secure = app.config.get("COOKIE_SECURE")
    if secure is None:
        secure = not app.debug and not app.testing
    app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = bool(secure)
