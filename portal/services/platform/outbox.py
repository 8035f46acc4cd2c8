"""Outbox delivery over SMTP: claim a row, send it, record the result; retry with backoff.

Emails are delivered only by the worker (``flask outbox send --loop``; ``make run`` starts one
beside gunicorn), never inside a request: a slow mail server must not slow a page down or tell,
by its timing, whether an address is known.

A row is claimed (status ``sending``) in a short transaction committed before the SMTP
conversation, so two workers never send the same row.
The worker claims small batches: on PostgreSQL with ``SELECT ... FOR UPDATE SKIP LOCKED`` (each
worker locks rows no other worker holds, nobody waits), on SQLite inside a ``BEGIN IMMEDIATE``
transaction (the database write lock serialises claimers). Either way the claim itself is the
conditional ``UPDATE ... WHERE status = 'queued'``: only one ``UPDATE`` can match. A failure
puts the row back to ``queued`` with a later ``next_attempt_at`` until ``MAIL_MAX_ATTEMPTS``,
then ``failed`` with the last error. A row left in ``sending`` by a crashed worker is released
again after ``STALE_CLAIM``.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import OutboxEmail
from portal.models.base import utcnow
from portal.models.database import begin_write

STALE_CLAIM = timedelta(minutes=15)
#: Rows a worker claims at a time: small, so several workers share a backlog and a claim never
#: gets near ``STALE_CLAIM`` before its rows are sent.
CLAIM_BATCH = 5
#: Renderers for attachments, registered by the areas that own them:
#: ``kind -> (spec -> (filename, mime type, bytes))``.
ATTACHMENT_RENDERERS: dict[str, Callable[[dict[str, Any]], tuple[str, str, bytes]]] = {}


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(session: Session, email_id: int) -> bool:
    begin_write(session)
    now = utcnow()
    result = session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            OutboxEmail.status == "queued",
            OutboxEmail.next_attempt_at <= now,
        )
        .values(status="sending", claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def claim_batch(session: Session, size: int = CLAIM_BATCH) -> list[int]:
    """Claims up to ``size`` due queued rows for this worker; returns their ids (committed)."""
    begin_write(session)
    now = utcnow()
    due = (
        select(OutboxEmail.id)
        .where(OutboxEmail.status == "queued", OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        session.commit()
        return []
    claimed = list(
        session.scalars(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids), OutboxEmail.status == "queued")
            .values(status="sending", claimed_at=now)
            .returning(OutboxEmail.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    return sorted(claimed)


def build_message(email: OutboxEmail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = email.recipient
    message["Subject"] = email.subject
    message["Message-ID"] = email.message_id
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    message["Content-Language"] = email.language  # after set_content, which clears Content-*
    for spec in email.attachments or []:
        renderer = ATTACHMENT_RENDERERS.get(spec.get("kind", ""))
        if renderer is None:
            raise RuntimeError(f"no renderer for attachment kind {spec.get('kind')!r}")
        filename, mime, data = renderer(spec)
        maintype, _, subtype = mime.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message


def _smtp() -> smtplib.SMTP:
    config = current_app.config
    client = smtplib.SMTP(
        config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=float(config["MAIL_TIMEOUT"])
    )
    if config.get("MAIL_USE_TLS"):
        client.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return client


def _deliver_claimed(session: Session, email: OutboxEmail) -> bool:
    """Sends one claimed row and records the result. Returns True when sent.

    The SMTP conversation happens outside any database transaction; the result is written in a
    short write transaction of its own."""
    error: Exception | None = None
    try:
        message = build_message(email)
        session.commit()  # end the read transaction before talking to the mail server
        with _smtp() as client:
            client.send_message(message)
    except Exception as exc:
        error = exc
    session.rollback()
    begin_write(session)
    email = session.get(OutboxEmail, email.id)  # type: ignore[assignment]
    email.attempts += 1
    email.claimed_at = None
    if error is None:
        email.status = "sent"
        email.sent_at = utcnow()
        email.last_error = None
    else:
        email.last_error = f"{type(error).__name__}: {error}"[:2000]
        if email.attempts >= int(current_app.config["MAIL_MAX_ATTEMPTS"]):
            email.status = "failed"
        else:
            email.status = "queued"
            email.next_attempt_at = utcnow() + backoff(email.attempts)
        current_app.logger.warning("email %s to %s failed: %s", email.id, email.recipient, error)
    session.commit()
    return error is None


def release_stale_claims(session: Session) -> int:
    begin_write(session)
    result = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.status == "sending", OutboxEmail.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="queued", claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount


def deliver(ids: Iterable[int] | None = None, limit: int = 100) -> tuple[int, int]:
    """Delivers due queued emails (or just ``ids``). Returns ``(sent, failed)``.

    Uses its own session, apart from any unit of work of the caller."""
    if not mail_configured():
        return (0, 0)
    session = Session(bind=db.engine, expire_on_commit=False)
    sent = failed = 0

    def send(email_id: int) -> None:
        nonlocal sent, failed
        email = session.get(OutboxEmail, email_id)
        if email is None:
            return
        if _deliver_claimed(session, email):
            sent += 1
        else:
            failed += 1

    try:
        if ids is None:
            release_stale_claims(session)
            while sent + failed < limit:
                batch = claim_batch(session, min(CLAIM_BATCH, limit - sent - failed))
                if not batch:
                    break
                for email_id in batch:
                    send(email_id)
        else:
            for email_id in ids:
                if _claim(session, email_id):
                    send(email_id)
    finally:
        session.close()
    return sent, failed


def resend(email: OutboxEmail) -> None:
    """Puts a failed email back in the queue (the admin's resend button)."""
    if email.status != "failed":
        return
    email.status = "queued"
    email.attempts = 0
    email.next_attempt_at = utcnow()
    db.session.flush()
