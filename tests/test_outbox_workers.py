"""Several outbox worker processes at once never send an email twice.

Three ``flask outbox send --loop`` processes work through one backlog against the suite's
database (PostgreSQL: ``SELECT ... FOR UPDATE SKIP LOCKED``; SQLite: claims under the write
lock) and a real SMTP server on loopback that answers a little slowly, so the workers overlap.
Every row is delivered exactly once, each Message-ID arrives once, and the work was shared.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import OutboxEmail
from portal.models.database import begin_write
from portal.services.platform import email
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import CapturedMail, SMTPServer, free_port

ROOT = Path(__file__).resolve().parent.parent
EMAILS = 60
WORKERS = 3


class SlowCapture(CapturedMail):
    """Takes 30 ms per message, like a real relay: one worker alone would need ~2 s."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.03)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp() -> Iterator[SMTPServer]:
    server = SMTPServer(free_port())
    server.handler = SlowCapture()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_three_worker_processes_deliver_each_email_exactly_once(
    app: Flask, app_config: dict[str, Any], slow_smtp: SMTPServer
) -> None:
    begin_write(db.session)
    with acting_as(SYSTEM):
        for i in range(EMAILS):
            email.queue(
                "password_reset",
                f"user{i}@example.com",
                "en",
                name=f"U{i}",
                link="http://portal.test/x",
                valid_minutes=60,
            )
        db.session.commit()
    message_ids = set(db.session.scalars(select(OutboxEmail.message_id)))
    assert len(message_ids) == EMAILS

    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "PORTAL_DATABASE_URL": app_config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "outbox-workers-test-key",
        "PORTAL_UPLOAD_DIR": app_config["UPLOAD_DIR"],
        "PORTAL_MAIL_SERVER": "127.0.0.1",
        "PORTAL_MAIL_PORT": str(slow_smtp.port),
        "PORTAL_MAIL_SENDER": "portal@example.com",
    }
    command = [
        sys.executable,
        "-m",
        "flask",
        "outbox",
        "send",
        "--loop",
        "--interval",
        "0.5",
        "--max-loops",
        "3",
    ]
    workers = [
        subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(WORKERS)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err

    sent_per_worker = [
        sum(int(n) for n in re.findall(r"sent (\d+), failed 0", out)) for out, _err in outputs
    ]
    received = Counter(message["Message-ID"] for message in slow_smtp.messages)
    assert len(slow_smtp.messages) == EMAILS
    assert set(received) == message_ids
    assert max(received.values()) == 1
    assert sum(sent_per_worker) == EMAILS
    assert sum(1 for n in sent_per_worker if n) >= 2, sent_per_worker  # they really overlapped

    db.session.rollback()
    rows = db.session.execute(
        select(OutboxEmail.status, OutboxEmail.attempts, func.count()).group_by(
            OutboxEmail.status, OutboxEmail.attempts
        )
    ).all()
    assert rows == [("sent", 1, EMAILS)]


def test_claims_use_skip_locked_on_postgresql_and_the_write_lock_on_sqlite(
    app: Flask, count_queries: Any
) -> None:
    from sqlalchemy.orm import Session

    from portal.services.platform import outbox

    begin_write(db.session)
    with acting_as(SYSTEM):
        for i in range(7):
            email.queue(
                "password_reset",
                f"c{i}@example.com",
                "en",
                name="C",
                link="http://portal.test/x",
                valid_minutes=60,
            )
        db.session.commit()
    session = Session(bind=db.engine)
    try:
        with count_queries() as queries:
            first = outbox.claim_batch(session)
            second = outbox.claim_batch(session)
            third = outbox.claim_batch(session)
    finally:
        session.close()
    assert len(first) == outbox.CLAIM_BATCH and len(second) == 2 and third == []
    assert not set(first) & set(second)
    selects = [q for q in queries.statements if q.lstrip().upper().startswith("SELECT")]
    if db.engine.dialect.name == "postgresql":
        assert all("FOR UPDATE SKIP LOCKED" in q for q in selects), selects
    else:
        assert not any("FOR UPDATE" in q for q in selects)
    db.session.rollback()
    statuses = Counter(db.session.scalars(select(OutboxEmail.status)))
    assert statuses == {"sending": 7}
