"""Webhooks: a finance system registers a URL for ``invoice.issued``, ``invoice.paid`` and
``customer.updated``; each event becomes a delivery row in the business transaction
(:mod:`portal.services.integration.webhook_events`) and a worker (``flask webhooks send``)
POSTs it with an ``X-Portal-Signature`` HMAC header.

Delivery mirrors the email outbox (:mod:`portal.services.platform.outbox`): a row is claimed with a
conditional ``UPDATE ... WHERE status = 'queued'`` committed before the HTTP request, a failure
goes back to ``queued`` with a backoff until ``WEBHOOKS_MAX_ATTEMPTS``, then ``failed``; a row
left in ``sending`` by a crashed worker is released after ``STALE_CLAIM``.

Receivers must be public: the address rules and the one-look-up connection that delivery uses
live in :mod:`portal.services.integration.safe_http`; registration refuses address literals in
any notation and internal-looking names, and every delivery checks what the name resolves to
at that moment and connects to exactly that address.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models.base import utcnow
from portal.models.database import begin_write
from portal.models.webhooks import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from portal.services.errors import ValidationError
from portal.services.integration import safe_http
from portal.services.platform.validation import Errors

STALE_CLAIM = timedelta(minutes=15)
SIGNATURE_HEADER = "X-Portal-Signature"
MAX_URL_LENGTH = 2000

# -- registration -----------------------------------------------------------------------------


def _allow_private() -> bool:
    value = current_app.config.get("WEBHOOKS_ALLOW_PRIVATE", False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _is_public_host(host: str) -> bool:
    """An address literal in any notation the resolver accepts must be public; a name must not
    look internal (what it resolves to is checked at every delivery)."""
    host = host.rstrip(".").lower()
    address = safe_http.numeric_host(host)
    if address is not None:
        return safe_http.is_public(address)
    return not (
        host == "localhost"
        or host.endswith((".localhost", ".local", ".internal"))
        or "." not in host
    )


def check_url(url: Any) -> str:
    """An ``http(s)`` URL whose host is public (see :mod:`.safe_http`; anything goes with
    ``PORTAL_WEBHOOKS_ALLOW_PRIVATE``); raises :class:`ValidationError` on ``url``."""
    message = None
    clean = url.strip() if isinstance(url, str) else ""
    try:
        parts = urlsplit(clean) if clean else None
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(clean) > MAX_URL_LENGTH
        or parts.username
        or parts.password
    ):
        message = _("Enter an http:// or https:// URL.")
    else:
        try:
            parts.port  # noqa: B018 - raises on a bad port
        except ValueError:
            message = _("Enter an http:// or https:// URL.")
    if message is None and not _allow_private():
        assert parts is not None and parts.hostname is not None
        if not _is_public_host(parts.hostname):
            message = _("Private, loopback and link-local addresses are not allowed.")
    if message is not None:
        raise ValidationError(message, fields={"url": message})
    return clean


def create_webhook(
    url: Any, events: Any, description: Any = None, token_id: int | None = None
) -> tuple[Webhook, str]:
    """Registers a webhook; returns it with its signing secret (shown once to the caller)."""
    errors = Errors()
    try:
        clean_url = check_url(url)
    except ValidationError as exc:
        errors.fields.update(exc.fields)
        clean_url = ""
    if (
        not isinstance(events, list | tuple)
        or not events
        or not all(isinstance(e, str) and e in WEBHOOK_EVENTS for e in events)
    ):
        errors.add("events", _("Choose events from the list."))
    if description is not None and (not isinstance(description, str) or len(description) > 255):
        errors.add("description", _("At most %(n)d characters.", n=255))
    errors.raise_if_any()
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook(
        url=clean_url,
        events=[e for e in WEBHOOK_EVENTS if e in set(events)],
        secret=secret,
        description=(description or "").strip() or None,
        is_active=True,
        token_id=token_id,
    )
    db.session.add(webhook)
    db.session.flush()
    return webhook, secret


def delete_webhook(webhook: Webhook) -> None:
    db.session.delete(webhook)
    db.session.flush()


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# -- delivery ---------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most 6 hours (as the email outbox)."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def post(url: str, secret: str, event_name: str, delivery_id: int, body: bytes) -> int:
    """POSTs ``body`` signed with ``secret``; returns the HTTP status (a redirect is a status,
    not followed). The host is resolved once, every address checked (unless
    ``PORTAL_WEBHOOKS_ALLOW_PRIVATE``) and the checked address connected to; a refused address
    raises :class:`safe_http.RefusedAddress` before any connection, like a network error."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "portal-webhooks/1",
        "X-Portal-Event": event_name,
        "X-Portal-Delivery": str(delivery_id),
        SIGNATURE_HEADER: sign(secret, body),
    }
    timeout = float(current_app.config.get("WEBHOOKS_TIMEOUT", 10))
    return safe_http.post(url, body, headers, timeout, allow_private=_allow_private())


def _claim(session: Session, delivery_id: int) -> bool:
    begin_write(session)
    now = utcnow()
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "queued",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(status="sending", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


def _deliver_claimed(session: Session, delivery: WebhookDelivery) -> bool:
    error: str | None = None
    status: int | None = None
    try:
        url, secret = delivery.webhook.url, delivery.webhook.secret
        body = delivery.payload.encode("utf-8")
        session.commit()  # no transaction open while talking to the receiver
        status = post(url, secret, delivery.event, delivery.id, body)
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
    session.rollback()
    begin_write(session)
    row = session.get(WebhookDelivery, delivery.id)
    assert row is not None
    row.attempts += 1
    row.claimed_at = None
    row.response_status = status
    if error is None:
        row.status = "delivered"
        row.delivered_at = utcnow()
        row.last_error = None
    else:
        row.last_error = error[:2000]
        if row.attempts >= int(current_app.config.get("WEBHOOKS_MAX_ATTEMPTS", 8)):
            row.status = "failed"
        else:
            row.status = "queued"
            row.next_attempt_at = utcnow() + backoff(row.attempts)
        current_app.logger.warning("webhook delivery %s failed: %s", row.id, error)
    session.commit()
    return error is None


def release_stale_claims(session: Session) -> int:
    begin_write(session)
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.status == "sending",
            WebhookDelivery.claimed_at < utcnow() - STALE_CLAIM,
        )
        .values(status="queued", claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount  # type: ignore[attr-defined,no-any-return]


def deliver(ids: Iterable[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Delivers due queued deliveries (or just ``ids``) in a session of its own.
    Returns ``(delivered, failed attempts)``."""
    session = Session(bind=db.engine, expire_on_commit=False)
    sent = failed = 0
    try:
        if ids is None:
            release_stale_claims(session)
            ids = list(
                session.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.status == "queued",
                        WebhookDelivery.next_attempt_at <= utcnow(),
                    )
                    .order_by(WebhookDelivery.id)
                    .limit(limit)
                )
            )
            session.commit()
        for delivery_id in ids:
            if not _claim(session, delivery_id):
                continue
            delivery = session.get(WebhookDelivery, delivery_id)
            if delivery is None:
                continue
            if _deliver_claimed(session, delivery):
                sent += 1
            else:
                failed += 1
    finally:
        session.close()
    return sent, failed


def recent_deliveries(limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit))
    )
