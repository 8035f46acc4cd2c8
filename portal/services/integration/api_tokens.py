"""Integration API tokens: created with a random secret shown once, stored as a SHA-256 hash,
with scopes (``read``, ``write``), a last-used time and revocation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import ApiToken
from portal.models.base import utcnow
from portal.services.errors import ConflictError, ValidationError

#: ``read`` (GET) and ``write`` (everything else) for the API, ``invoices`` for the documents
#: themselves (the invoice PDF), ``metrics`` for ``/metrics`` only.
SCOPES = ("read", "write", "invoices", "metrics")
#: Tokens look like ``pt_<43 url-safe characters>``; the prefix helps secret scanners.
TOKEN_PREFIX = "pt_"  # noqa: S105 - a marker, not a secret
#: ``last_used_at`` is written at most once per this interval per token (no write per request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    name: str, scopes: list[str] | tuple[str, ...] = ("read", "write")
) -> tuple[ApiToken, str]:
    """Creates a token; returns it with the plain secret, which is never stored."""
    clean_name = (name or "").strip()
    fields: dict[str, str] = {}
    if not clean_name:
        fields["name"] = _("This field is required.")
    elif len(clean_name) > 120:
        fields["name"] = _("At most %(n)d characters.", n=120)
    wanted = [s for s in SCOPES if s in set(scopes)]
    if not wanted or set(scopes) - set(SCOPES):
        fields["scopes"] = _("Choose read, write or both.")
    if fields:
        raise ValidationError(_("Please correct the marked fields."), fields=fields)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=clean_name, token_hash=hash_token(raw), prefix=raw[:10], scopes=" ".join(wanted)
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def find_active(raw: str) -> ApiToken | None:
    """The active token with this secret, or ``None`` (unknown or revoked)."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    return token


def needs_touch(token: ApiToken) -> bool:
    last = token.last_used_at
    return last is None or utcnow() - last >= LAST_USED_RESOLUTION


def touch(token_id: int) -> None:
    """Records the use of a token (a plain UPDATE: not audited, ``updated_at`` unchanged)."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id)
        .values(last_used_at=utcnow(), updated_at=ApiToken.updated_at)
        .execution_options(synchronize_session=False)
    )


def revoke(token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise ConflictError(_("This token is already revoked."), code="token_revoked")
    token.revoked_at = utcnow()
    db.session.flush()


def all_tokens() -> list[ApiToken]:
    return list(
        db.session.scalars(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())
        )
    )
