"""``Idempotency-Key`` on API POSTs: the first response is stored and a repeat with the same key
and body gets it again without running anything.

A key is recorded (``status_code`` ``None``) and committed - by the API edge, this module only
flushes - *before* the request does its work,
so a concurrent repeat sees it and answers 409; the response is stored in the same transaction
as the work itself, so "done" and "stored" commit together. A key with another body is 422.
Keys are kept at least ``RETENTION`` (older ones are purged when new keys are recorded); a key
left "running" by a crashed process is taken over after ``ABANDONED``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import IdempotencyKey
from portal.models.base import utcnow
from portal.services.errors import ConflictError, ValidationError

RETENTION = timedelta(hours=24)
ABANDONED = timedelta(minutes=10)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: bytes


def request_hash(method: str, path: str, body: Any) -> str:
    """SHA-256 of the method, path and canonical JSON body (key order and spacing ignored)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    material = f"{method.upper()}\n{path}\n{canonical}"
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()


def _conflict_or_replay(record: IdempotencyKey, digest: str) -> StoredResponse:
    if record.request_hash != digest:
        raise ValidationError(
            "This Idempotency-Key was already used with another request body.",
            fields={"Idempotency-Key": "Already used with another request body."},
            code="idempotency_key_reused",
        )
    if record.status_code is None:
        raise in_use()
    return StoredResponse(record.status_code, record.response_body or b"")


def lookup(token_id: int, key: str, digest: str) -> StoredResponse | None:
    """The stored response for a completed repeat, or ``None`` for a new (or expired,
    or abandoned) key; raises for a key used with another body (422) or still running (409)."""
    now = utcnow()
    record = db.session.scalar(
        select(IdempotencyKey).where(IdempotencyKey.token_id == token_id, IdempotencyKey.key == key)
    )
    if record is None:
        return None
    expired = record.created_at < now - RETENTION
    abandoned = record.status_code is None and record.created_at < now - ABANDONED
    if expired or abandoned:
        db.session.delete(record)
        db.session.flush()
        return None
    return _conflict_or_replay(record, digest)


def record(token_id: int, key: str, digest: str) -> IdempotencyKey:
    """Records the key as running (flushed) and purges keys older than ``RETENTION``. The
    caller commits at once, so a concurrent repeat sees it (or fails on the unique key)."""
    now = utcnow()
    db.session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.created_at < now - RETENTION)
        .execution_options(synchronize_session=False)
    )
    row = IdempotencyKey(token_id=token_id, key=key, request_hash=digest, created_at=now)
    db.session.add(row)
    db.session.flush()
    return row


def in_use() -> ConflictError:
    return ConflictError(
        "A request with this Idempotency-Key is still being processed.",
        code="idempotency_key_in_use",
    )


def finish(record_id: int, status_code: int, body: bytes) -> None:
    """Stores the response in the current transaction (committed with the request's work)."""
    record = db.session.get(IdempotencyKey, record_id)
    if record is None:  # pragma: no cover - purged meanwhile
        return
    record.status_code = status_code
    record.response_body = body
    db.session.flush()


def forget(record_id: int) -> None:
    """Removes a running key (after a server error, so that the client may retry)."""
    db.session.execute(
        delete(IdempotencyKey)
        .where(IdempotencyKey.id == record_id)
        .execution_options(synchronize_session=False)
    )
