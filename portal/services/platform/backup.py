"""Backup and restore of one instance: the database and the upload folder in one archive.

``create_backup(path)`` writes a ``.tar.gz`` with

* ``manifest.json``: format, time, database dialect, Alembic revision, the row count of every
  table, invoice totals per currency and the list of uploaded files with size and SHA-256;
* ``database.sqlite3`` (SQLite, copied with the online backup API - a consistent snapshot even
  while the app writes; never a file copy of a live WAL database) or ``database.dump``
  (PostgreSQL, ``pg_dump -Fc`` run on a snapshot exported by the transaction that also counts
  the rows, so manifest and dump agree);
* ``uploads/``: the files of ``PORTAL_UPLOAD_DIR``.

``restore_backup(path)`` puts them back into an *empty* instance (freshly migrated or new; a
database with data is refused unless ``force``), then checks the row counts, totals and files
against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import Connection, Engine, create_engine, inspect, text
from sqlalchemy.engine import URL

from portal.extensions import db

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.dump"
UPLOADS = "uploads"
#: Rows these tables hold in a freshly migrated database (``alembic_version`` and the counters
#: of the number series) do not make it "non-empty".
IGNORED_FOR_EMPTY = {"alembic_version", "number_sequences"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class Manifest:
    dialect: str
    revision: str | None
    tables: dict[str, int]
    invoice_totals: dict[str, str]
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    created_at: str = ""
    format: int = FORMAT

    def to_json(self) -> str:
        return json.dumps(self.__dict__, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, data: str) -> Manifest:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise BackupError(f"unsupported backup format {raw.get('format')!r}")
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__ if k in raw})


# -- reading the state of a database ----------------------------------------------------------


def _table_names(conn: Connection) -> list[str]:
    return sorted(inspect(conn).get_table_names())


def table_counts(conn: Connection) -> dict[str, int]:
    quote = conn.dialect.identifier_preparer.quote
    return {
        name: int(conn.scalar(text(f"SELECT count(*) FROM {quote(name)}")) or 0)  # noqa: S608
        for name in _table_names(conn)
    }


def invoice_totals(conn: Connection) -> dict[str, str]:
    """Sum of ``total`` per currency code and status, e.g. ``{"EUR unpaid": "1240.00"}``."""
    if "invoices" not in _table_names(conn):
        return {}
    rows = conn.execute(
        text(
            "SELECT c.code, i.status, SUM(i.total) FROM invoices i "
            "JOIN currencies c ON c.id = i.currency_id GROUP BY c.code, i.status"
        )
    ).all()
    return {f"{code} {status}": str(Decimal(total or 0)) for code, status, total in rows}


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in _table_names(conn):
        return None
    return conn.scalar(text("SELECT version_num FROM alembic_version"))


def _uploads(folder: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    if not folder.is_dir():
        return files
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        files[path.relative_to(folder).as_posix()] = {"size": path.stat().st_size, "sha256": digest}
    return files


def _is_empty(conn: Connection) -> bool:
    return all(
        count == 0 for name, count in table_counts(conn).items() if name not in IGNORED_FOR_EMPTY
    )


# -- PostgreSQL client programs ---------------------------------------------------------------


def _pg_program(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    raise BackupError(f"{name} not found: install the PostgreSQL client programs")


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes in the environment."""
    args = []
    if url.host:
        args += ["-h", url.host]
    if url.port:
        args += ["-p", str(url.port)]
    if url.username:
        args += ["-U", url.username]
    env = {**os.environ}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [*args, "-d", str(url.database)], env


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")


# -- backup -----------------------------------------------------------------------------------


def _engine() -> Engine:
    return db.engine


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _backup_sqlite(url: URL, target: Path) -> Manifest:
    source = sqlite3.connect(_sqlite_path(url))
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        source.close()
        copy.close()
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return Manifest("sqlite", _revision(conn), table_counts(conn), invoice_totals(conn))
    finally:
        engine.dispose()


def _backup_postgres(engine: Engine, target: Path) -> Manifest:
    args, env = _pg_args(engine.url)
    options = {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    with engine.connect().execution_options(**options) as conn:
        snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
        manifest = Manifest("postgresql", _revision(conn), table_counts(conn), invoice_totals(conn))
        _run(
            [
                _pg_program("pg_dump"),
                "-Fc",
                "--no-owner",
                "--no-acl",
                f"--snapshot={snapshot}",
                "-f",
                str(target),
                *args,
            ],
            env,
        )
        conn.rollback()
    return manifest


def create_backup(path: Path) -> Manifest:
    """Writes the archive to ``path`` (atomically: a temporary file renamed at the end)."""
    engine = _engine()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as tmp:
        work = Path(tmp)
        if engine.dialect.name == "sqlite":
            dump = work / SQLITE_FILE
            manifest = _backup_sqlite(engine.url, dump)
        elif engine.dialect.name == "postgresql":
            dump = work / PG_FILE
            manifest = _backup_postgres(engine, dump)
        else:
            raise BackupError(f"backups of {engine.dialect.name} databases are not supported")
        manifest.uploads = _uploads(upload_dir)
        from portal.models.base import utcnow

        manifest.created_at = utcnow().isoformat()
        (work / MANIFEST).write_text(manifest.to_json(), encoding="utf-8")
        partial = path.with_name(f".{path.name}.partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(work / MANIFEST, MANIFEST)
            archive.add(dump, dump.name)
            for name in manifest.uploads:
                archive.add(upload_dir / name, f"{UPLOADS}/{name}")
        os.replace(partial, path)
    return manifest


# -- restore ----------------------------------------------------------------------------------


@contextmanager
def _unpacked(path: Path) -> Iterator[tuple[Path, Manifest]]:
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
        work = Path(tmp)
        try:
            with tarfile.open(path, "r:gz") as archive:
                # The "data" filter refuses absolute paths, "..", links out of the folder and
                # device files: a crafted archive cannot write outside ``work``.
                archive.extractall(work, filter="data")
        except (tarfile.TarError, OSError) as exc:
            raise BackupError(f"cannot read {path}: {exc}") from None
        if not (work / MANIFEST).is_file():
            raise BackupError(f"{path} is not a portal backup (no {MANIFEST})")
        yield work, Manifest.from_json((work / MANIFEST).read_text(encoding="utf-8"))


def _drop_everything(engine: Engine) -> None:
    """Drops every table of the PostgreSQL schema (the dump brings them back)."""
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        for name in _table_names(conn):
            conn.execute(text(f"DROP TABLE IF EXISTS {quote(name)} CASCADE"))


def _restore_sqlite(engine: Engine, source: Path) -> None:
    target = _sqlite_path(engine.url)
    engine.dispose()
    copy = sqlite3.connect(source)
    live = sqlite3.connect(target)
    try:
        copy.backup(live)  # replaces every page of the target, WAL-aware
    finally:
        copy.close()
        live.close()
    engine.dispose()


def _restore_postgres(engine: Engine, source: Path) -> None:
    _drop_everything(engine)
    args, env = _pg_args(engine.url)
    _run(
        [
            _pg_program("pg_restore"),
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(source),
        ],
        env,
    )
    engine.dispose()


def _restore_uploads(unpacked: Path, upload_dir: Path) -> None:
    if upload_dir.exists() and any(upload_dir.iterdir()):
        from portal.models.base import utcnow

        aside = upload_dir.with_name(f"{upload_dir.name}.before-restore-{utcnow():%Y%m%d%H%M%S}")
        upload_dir.rename(aside)
    upload_dir.mkdir(parents=True, exist_ok=True)
    if unpacked.is_dir():
        shutil.copytree(unpacked, upload_dir, dirs_exist_ok=True)


def verify(manifest: Manifest) -> list[str]:
    """Differences between the instance and ``manifest``; empty when they agree."""
    problems = []
    with _engine().connect() as conn:
        counts = table_counts(conn)
        totals = invoice_totals(conn)
    for name, expected in manifest.tables.items():
        if counts.get(name) != expected:
            problems.append(f"table {name}: {counts.get(name)} rows, expected {expected}")
    if totals != manifest.invoice_totals:
        problems.append(f"invoice totals {totals} differ from {manifest.invoice_totals}")
    files = _uploads(Path(current_app.config["UPLOAD_DIR"]))
    for name, meta in manifest.uploads.items():
        if files.get(name, {}).get("sha256") != meta["sha256"]:
            problems.append(f"upload {name} missing or different")
    return problems


def restore_backup(path: Path, force: bool = False) -> Manifest:
    """Restores the archive into this instance; refuses a database with data unless ``force``."""
    engine = _engine()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with _unpacked(path) as (work, manifest):
        if manifest.dialect != engine.dialect.name:
            raise BackupError(
                f"this backup is of a {manifest.dialect} database; this instance uses "
                f"{engine.dialect.name}"
            )
        db.session.remove()
        with engine.connect() as conn:
            empty = _is_empty(conn)
        if not empty and not force:
            raise BackupError(
                "the database is not empty: restore into a new instance, or pass --force to "
                "replace everything in it"
            )
        if engine.dialect.name == "sqlite":
            _restore_sqlite(engine, work / SQLITE_FILE)
        else:
            _restore_postgres(engine, work / PG_FILE)
        _restore_uploads(work / UPLOADS, upload_dir)
    problems = verify(manifest)
    if problems:
        raise BackupError("restored, but the check failed: " + "; ".join(problems))
    return manifest
