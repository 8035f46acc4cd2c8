"""The settings page: company details, logo, number prefixes, registration, languages."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from portal.services.errors import ValidationError
from portal.services.platform import settings, validation
from portal.services.platform.validation import Errors

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_PIXELS = 4000
#: Pillow format -> (file extension, content type). SVG is refused: it can carry scripts.
LOGO_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
LOGO_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "gif"}
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,11}$")

EDITABLE = (
    "company_name",
    "company_address",
    "company_vat_number",
    "company_email",
    "company_phone",
    "invoice_prefix",
    "estimate_prefix",
    "credit_note_prefix",
    "customer_prefix",
    "registration_enabled",
    "registration_mode",
    "default_language",
    "require_staff_2fa",
    "online_payment_minimum",
)


def _registration_mode(data: Mapping[str, Any], errors: Errors) -> str | None:
    """``off``, ``open`` or ``approval``; without it the on/off checkbox decides (older forms)."""
    raw = data.get("registration_mode")
    if raw in (None, ""):
        return None
    if raw not in ("off", "open", "approval"):
        errors.add("registration_mode", _("Choose an option from the list."))
        return None
    return str(raw)


def logo_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "logos"


def _prefix(data: Mapping[str, Any], field: str, errors: Errors) -> str | None:
    """A number-series prefix; a form (or caller) without the field keeps the stored one."""
    if field not in data:
        return str(settings.get(field))
    value = validation.text(data, field, errors, required=True, max_length=12)
    if value is not None and not _PREFIX.match(value):
        errors.add(field, _("Use letters, digits and - _ . / only (at most 12)."))
        return None
    return value


def _minimum(data: Mapping[str, Any], errors: Errors) -> str | None:
    """The smallest online part payment: an amount from 0 (any part) with at most 2 decimals;
    empty is 0, and a form without the field keeps the stored value."""
    from portal.services.billing.parsing import parse_amount

    if "online_payment_minimum" not in data:
        return str(settings.get("online_payment_minimum"))
    value = parse_amount(
        data.get("online_payment_minimum"), "online_payment_minimum", errors, places=2,
        minimum=Decimal(0), default=Decimal(0),
    )  # fmt: skip
    return None if value is None else f"{value:.2f}"


def validate_logo(filename: str, data: bytes) -> tuple[str, bytes]:
    """Checks an uploaded logo; returns ``(extension, bytes)`` or raises naming ``logo``."""

    def fail(message: str) -> ValidationError:
        return ValidationError(message, fields={"logo": message})

    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in LOGO_EXTENSIONS:
        raise fail(_("Upload a PNG, JPEG, WebP or GIF image."))
    if len(data) > LOGO_MAX_BYTES:
        raise fail(_("The image is larger than %(n)d MB.", n=LOGO_MAX_BYTES // (1024 * 1024)))
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise fail(_("This file is not a readable image.")) from None
    if fmt not in LOGO_FORMATS:
        raise fail(_("Upload a PNG, JPEG, WebP or GIF image."))
    if width > LOGO_MAX_PIXELS or height > LOGO_MAX_PIXELS:
        raise fail(_("The image is wider or taller than %(n)d pixels.", n=LOGO_MAX_PIXELS))
    return LOGO_FORMATS[fmt][0], data


def logo_file(path: str | None) -> tuple[Path, str] | None:
    """The stored logo's file and content type, or ``None``."""
    if not path or "/" not in path or ".." in path:
        return None
    file = logo_dir() / Path(path).name
    extension = file.suffix.lstrip(".")
    content_type = next((ct for ext, ct in LOGO_FORMATS.values() if ext == extension), None)
    if content_type is None or not file.is_file():
        return None
    return file, content_type


def save(data: Mapping[str, Any], logo: tuple[str, bytes] | None, remove_logo: bool) -> None:
    """Validates and stores the settings (flushes; the view commits). ``logo`` is an uploaded
    ``(filename, bytes)``; all fields are checked before anything is written."""
    errors = Errors()
    values: dict[str, Any] = {
        "company_name": validation.text(data, "company_name", errors, required=True),
        "company_address": validation.text(data, "company_address", errors, max_length=1000) or "",
        "company_vat_number": validation.text(data, "company_vat_number", errors, max_length=64)
        or "",
        "company_phone": validation.text(data, "company_phone", errors, max_length=64) or "",
        "invoice_prefix": _prefix(data, "invoice_prefix", errors),
        "estimate_prefix": _prefix(data, "estimate_prefix", errors),
        "credit_note_prefix": _prefix(data, "credit_note_prefix", errors),
        "customer_prefix": _prefix(data, "customer_prefix", errors),
        "registration_enabled": validation.boolean(data, "registration_enabled", errors, False),
        "registration_mode": _registration_mode(data, errors),
        "require_staff_2fa": validation.boolean(data, "require_staff_2fa", errors, False),
        "default_language": validation.language(data, "default_language", errors),
        "online_payment_minimum": _minimum(data, errors),
    }
    if values["registration_mode"] is not None:
        values["registration_enabled"] = values["registration_mode"] != "off"
    if (data.get("company_email") or "").strip():
        values["company_email"] = validation.email(data, "company_email", errors)
    else:
        values["company_email"] = ""
    stored_logo: tuple[str, bytes] | None = None
    if logo is not None:
        try:
            stored_logo = validate_logo(*logo)
        except ValidationError as exc:
            errors.add("logo", exc.fields["logo"])
    errors.raise_if_any()
    if stored_logo is not None:
        extension, content = stored_logo
        folder = logo_dir()
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{secrets.token_hex(16)}.{extension}"
        (folder / name).write_bytes(content)
        values["logo_path"] = f"logos/{name}"
    elif remove_logo:
        values["logo_path"] = None
    settings.set_many(values)
