"""Engine set-up per backend and the write-transaction helper.

SQLite: WAL mode, a busy timeout and ``foreign_keys=ON`` on every connection; the driver's own
transaction handling is switched off so that we emit ``BEGIN`` ourselves, which lets a write
transaction start as ``BEGIN IMMEDIATE`` (it takes the database write lock up front, so two
writers queue on the busy timeout instead of failing on a stale snapshot).
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, scoped_session

from portal.extensions import db

_WRITE_OPTION = "portal_write"


def is_sqlite(bind: Engine | Connection | Session | scoped_session[Session]) -> bool:
    if isinstance(bind, Session | scoped_session):
        bind = bind.get_bind()
    return bind.dialect.name == "sqlite"


def configure_engine(engine: Engine, busy_timeout_ms: int) -> None:
    """Installs the SQLite connection and transaction hooks on ``engine`` (no-op elsewhere)."""
    if engine.dialect.name != "sqlite" or getattr(engine, "_portal_configured", False):
        return
    engine._portal_configured = True  # type: ignore[attr-defined]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _on_begin)
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_WRITE_OPTION):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.info["write_locked"] = True
        else:
            conn.exec_driver_sql("BEGIN")
            conn.info["write_locked"] = False


def init_app(app: Flask) -> None:
    with app.app_context():
        configure_engine(db.engine, int(app.config["SQLITE_BUSY_TIMEOUT_MS"]))


def begin_write(session: Session | scoped_session[Session] | None = None) -> None:
    """Makes sure the session's transaction holds the write lock where the backend needs it.

    On SQLite a transaction that already read in deferred mode cannot safely upgrade to writing
    (its snapshot may be stale), so such a transaction is rolled back and begun again with
    ``BEGIN IMMEDIATE`` - allowed only while nothing has been written or added in it yet. On
    PostgreSQL this does nothing: row locks are taken by the statements themselves.
    """
    if session is None or isinstance(session, scoped_session):
        session = (session or db.session)()
    if not is_sqlite(session):
        return
    if session.in_transaction():
        conn = session.connection()
        if conn.info.get("write_locked"):
            return
        if session.new or session.dirty or session.deleted or session.info.get("flushed"):
            raise RuntimeError(
                "begin_write() must be called before the transaction writes anything"
            )
        session.rollback()
    session.connection(execution_options={_WRITE_OPTION: True})


def listen_once(target: Any, name: str, fn: Any) -> None:
    """``event.listen`` that does nothing when ``fn`` already listens (several apps per process,
    as in the tests, share the ``Session`` class)."""
    if not event.contains(target, name, fn):
        event.listen(target, name, fn)


def register_listeners() -> None:
    """The session listeners ``begin_write`` relies on (called by ``create_app``)."""
    listen_once(Session, "after_flush", _mark_flushed)
    listen_once(Session, "after_transaction_end", _clear_flushed)


def _mark_flushed(session: Session, _ctx: Any) -> None:
    session.info["flushed"] = True


def _clear_flushed(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop("flushed", None)
