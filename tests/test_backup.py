"""``flask backup PATH`` / ``flask restore PATH``: one archive with the database (SQLite's online
backup API, or pg_dump on PostgreSQL) and the upload folder, restored into an empty instance with
the same row counts, invoice totals and attachments."""

from __future__ import annotations

import io
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal import create_app
from portal.cli import backup_command, restore_command
from portal.extensions import db
from portal.models import Invoice, TicketAttachment
from portal.services import tickets
from portal.services.platform import backup
from portal.services.platform.audit import SYSTEM, acting_as
from portal.services.tickets import attachments

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture
def empty_database_url(app_config: dict[str, Any], tmp_path: Path) -> Iterator[str]:
    """A database of its own for the restored instance (a new PostgreSQL database or SQLite
    file), removed afterwards."""
    url = make_url(app_config["DATABASE_URL"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def data(app: Flask, make_customer: Any, make_contact: Any, make_invoice: Any, write: Any) -> dict:
    first = make_customer("Alpha GmbH")
    second = make_customer("Beta Oy", currency="USD")
    contact = make_contact(first)
    make_invoice(first, issue=True, lines=[("Audit", "3", "250.00", "19")])
    make_invoice(second, issue=True, lines=[("Hosting", "12", "9.99", "0")])
    make_invoice(first)  # a draft
    write()
    with app.test_request_context(), acting_as(SYSTEM):
        tickets.open_ticket(
            db.session.merge(first),
            {"subject": "Scan", "priority": "low", "message": "Attached"},
            [
                attachments.check("scan.png", io.BytesIO(PNG)),
                attachments.check("letter.pdf", io.BytesIO(PDF)),
            ],
            contact=db.session.merge(contact),
        )
        db.session.commit()
    return {"uploads": Path(app.config["UPLOAD_DIR"])}


def _state(app: Flask) -> dict[str, Any]:
    with app.app_context():
        with db.engine.connect() as conn:
            counts = backup.table_counts(conn)
        invoices = [
            (i.number, i.status, str(i.total), i.currency.code)
            for i in db.session.scalars(select(Invoice).order_by(Invoice.id))
        ]
        files = {
            a.original_name: attachments.path_of(a.stored_name).read_bytes()
            for a in db.session.scalars(select(TicketAttachment))
        }
        db.session.remove()
    return {"counts": counts, "invoices": invoices, "files": files}


def test_backup_then_restore_into_an_empty_instance(
    app: Flask,
    app_config: dict[str, Any],
    data: dict,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    archive = tmp_path / "portal-backup.tar.gz"
    result = app.test_cli_runner().invoke(backup_command, [str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    source = _state(app)
    assert source["files"] == {"scan.png": PNG, "letter.pdf": PDF}
    assert len(source["invoices"]) == 3

    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    dump = "database.sqlite3" if manifest["dialect"] == "sqlite" else "database.dump"
    assert {"manifest.json", dump} <= names
    uploads = data["uploads"]
    on_disk = {p.relative_to(uploads).as_posix() for p in uploads.rglob("*") if p.is_file()}
    assert {n.removeprefix("uploads/") for n in names if n.startswith("uploads/")} == on_disk
    assert manifest["tables"]["invoices"] == 3
    assert manifest["tables"]["ticket_attachments"] == 2

    restored = create_app(
        {**app_config, "DATABASE_URL": empty_database_url, "UPLOAD_DIR": str(tmp_path / "up2")}
    )
    try:
        with restored.app_context():
            upgrade()  # a freshly deployed, empty instance
            db.session.remove()
            result = restored.test_cli_runner().invoke(restore_command, [str(archive)])
            assert result.exit_code == 0, result.output
            assert "checked against the manifest" in result.output
        target = _state(restored)
        assert target["counts"] == source["counts"]
        assert target["invoices"] == source["invoices"]
        assert target["files"] == source["files"]

        # Now it holds data: a second restore is refused unless forced.
        with restored.app_context():
            again = restored.test_cli_runner().invoke(restore_command, [str(archive)])
            assert again.exit_code != 0
            assert "not empty" in again.output
            forced = restored.test_cli_runner().invoke(restore_command, [str(archive), "--force"])
            assert forced.exit_code == 0, forced.output
        assert _state(restored) == source
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def test_restore_refuses_an_archive_that_writes_outside_its_folder(
    app: Flask, tmp_path: Path
) -> None:
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        for name, payload in (("manifest.json", b"{}"), ("../escaped.txt", b"gotcha")):
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(backup.BackupError, match="cannot read"):
        backup.restore_backup(evil)
    assert not list(tmp_path.parent.rglob("escaped.txt"))


def test_restore_refuses_a_backup_of_another_database_kind(app: Flask, tmp_path: Path) -> None:
    other = "postgresql" if db.engine.dialect.name == "sqlite" else "sqlite"
    manifest = backup.Manifest(other, None, {}, {})
    archive = tmp_path / "other.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        payload = manifest.to_json().encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(backup.BackupError, match=f"backup is of a {other} database"):
        backup.restore_backup(archive)
