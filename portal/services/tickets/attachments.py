"""Ticket attachments: checked on their bytes, stored under a random name outside any static
folder, served only through a view that checked who may see the ticket.

A file is accepted when its extension is on the allow-list AND its first bytes are what that
kind of file starts with (a renamed executable fails), AND it is not larger than
``PORTAL_MAX_UPLOAD_MB``. The content type we store and serve is ours, never the browser's.
"""

from __future__ import annotations

import secrets
import zipfile
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import IO

from flask import current_app
from flask_babel import gettext as _

from portal.services.errors import ValidationError

#: extension -> served content type
ALLOWED: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "txt": "text/plain",
    "log": "text/plain",
    "csv": "text/csv",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
MAX_FILES = 5
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa", b"#!")


@dataclass
class CheckedFile:
    original_name: str
    content_type: str
    data: bytes


def _looks_like(ext: str, head: bytes, data: bytes) -> bool:
    if ext == "pdf":
        return head.startswith(b"%PDF-")
    if ext == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in ("jpg", "jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext == "gif":
        return head[:6] in (b"GIF87a", b"GIF89a")
    if ext == "webp":
        return head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    if ext in ("txt", "log", "csv"):
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                data.decode("latin-1")
            except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes everything
                return False
        return not head.startswith(_EXECUTABLE_MAGIC)
    if ext in ("docx", "xlsx", "odt", "ods"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return False
        if ext in ("docx", "xlsx"):
            return "[Content_Types].xml" in names
        return "mimetype" in names
    return False


def safe_name(name: str) -> str:
    """The file name without any path, control characters or quotes (for display and the
    Content-Disposition header)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in "\"'<>;")
    return cleaned.strip(" .")[:200] or "file"


def check(filename: str, stream: IO[bytes]) -> CheckedFile:
    """Reads and checks one uploaded file; raises :class:`ValidationError` on field
    ``attachments`` with a message naming the file."""
    name = safe_name(filename or "")
    limit = int(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024
    data = stream.read(limit + 1)
    if len(data) > limit:
        message = _(
            "%(name)s is larger than %(mb)d MB.",
            name=name,
            mb=int(current_app.config["MAX_UPLOAD_MB"]),
        )
        raise ValidationError(message, fields={"attachments": message})
    if not data:
        message = _("%(name)s is empty.", name=name)
        raise ValidationError(message, fields={"attachments": message})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        message = _(
            "%(name)s: this kind of file is not accepted. Allowed: %(types)s.",
            name=name,
            types=", ".join(sorted(ALLOWED)),
        )
        raise ValidationError(message, fields={"attachments": message})
    if not _looks_like(ext, data[:16], data):
        message = _("%(name)s is not really a .%(ext)s file.", name=name, ext=ext)
        raise ValidationError(message, fields={"attachments": message})
    return CheckedFile(name, ALLOWED[ext], data)


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(checked: CheckedFile) -> str:
    """Writes the bytes under a new random name and returns that name."""
    stored = secrets.token_hex(20)
    (upload_dir() / stored).write_bytes(checked.data)
    return stored


def path_of(stored_name: str) -> Path:
    if not stored_name.isalnum():
        raise ValueError("bad stored name")
    return upload_dir() / stored_name


def remove(stored_names: list[str]) -> None:
    """Deletes stored files (after a rolled-back transaction, so nothing is left behind)."""
    for name in stored_names:
        try:
            path_of(name).unlink(missing_ok=True)
        except ValueError:
            continue
