"""Files and links on a customer: add a file (checked and stored exactly like a ticket
attachment, see :mod:`portal.services.tickets.attachments`), add a web link (``http`` or
``https`` only), change a title, description or visibility, delete; and what a contact may
see of them (the ``documents`` permission, its own customer, ``visible_to_contacts``).

The rows are audited (``__audited__``) under the request's actor. A file is written before
the transaction commits: the caller passes ``stored`` and removes what it lists when the
transaction does not commit; a deleted file's bytes are removed by the caller after commit
(:func:`delete` returns their name).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import Select, false, select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.models import Contact, Customer, CustomerFile, Staff
from portal.services.errors import ValidationError
from portal.services.platform import validation
from portal.services.platform.validation import Errors
from portal.services.tickets import attachments

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
URL_MAX = 2000


def _details(data: Mapping[str, Any], errors: Errors, *, title_required: bool) -> dict[str, Any]:
    return {
        "title": validation.text(
            data, "title", errors, required=title_required, max_length=TITLE_MAX
        ),
        "description": validation.text(data, "description", errors, max_length=DESCRIPTION_MAX),
        "visible_to_contacts": validation.boolean(data, "visible_to_contacts", errors, False),
    }


def _url(data: Mapping[str, Any], errors: Errors) -> str | None:
    value = validation.text(data, "url", errors, required=True, max_length=URL_MAX)
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        parts, host = None, None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not host
        or any(ch.isspace() or not ch.isprintable() for ch in value)
    ):
        errors.add("url", _("Enter a web address starting with http:// or https://."))
        return None
    return value


def add_file(
    customer: Customer,
    filename: str,
    stream: IO[bytes] | None,
    data: Mapping[str, Any],
    *,
    staff: Staff | None,
    stored: list[str],
) -> CustomerFile:
    """Checks and stores one uploaded file on ``customer``. Without a title the file's name
    is the title. ``stored`` receives the stored file's name (remove it if nothing commits)."""
    errors = Errors()
    details = _details(data, errors, title_required=False)
    checked = None
    if not filename or stream is None:
        errors.add("file", _("Choose a file to upload."))
    else:
        try:
            checked = attachments.check(filename, stream)
        except ValidationError as exc:
            errors.add("file", exc.fields.get("attachments", exc.message))
    errors.raise_if_any()
    assert checked is not None
    name = attachments.store(checked)
    stored.append(name)
    item = CustomerFile(
        customer_id=customer.id,
        kind="file",
        title=details["title"] or checked.original_name[:TITLE_MAX],
        description=details["description"],
        visible_to_contacts=details["visible_to_contacts"],
        original_name=checked.original_name,
        stored_name=name,
        content_type=checked.content_type,
        size=len(checked.data),
        staff_id=staff.id if staff is not None else None,
    )
    db.session.add(item)
    db.session.flush()
    return item


def add_link(customer: Customer, data: Mapping[str, Any], *, staff: Staff | None) -> CustomerFile:
    """Adds a web link (``http``/``https``) with a title to ``customer``."""
    errors = Errors()
    details = _details(data, errors, title_required=True)
    url = _url(data, errors)
    errors.raise_if_any()
    item = CustomerFile(
        customer_id=customer.id,
        kind="link",
        url=url,
        staff_id=staff.id if staff is not None else None,
        **details,
    )
    db.session.add(item)
    db.session.flush()
    return item


def update(item: CustomerFile, data: Mapping[str, Any]) -> CustomerFile:
    """Changes the title, description and visibility (and a link's address)."""
    errors = Errors()
    details = _details(data, errors, title_required=True)
    url = _url(data, errors) if item.kind == "link" else None
    errors.raise_if_any()
    for key, value in details.items():
        setattr(item, key, value)
    if url is not None:
        item.url = url
    db.session.flush()
    return item


def delete(item: CustomerFile) -> str | None:
    """Deletes the row; returns the stored file's name for the caller to remove after the
    commit (``None`` for a link)."""
    stored = item.stored_name
    db.session.delete(item)
    db.session.flush()
    return stored


# -- reading --------------------------------------------------------------------------------


def for_customer(customer_id: int) -> list[CustomerFile]:
    """Every file and link of a customer, newest first (with who added it)."""
    return list(
        db.session.scalars(
            select(CustomerFile)
            .where(CustomerFile.customer_id == customer_id)
            .options(selectinload(CustomerFile.staff))
            .order_by(CustomerFile.created_at.desc(), CustomerFile.id.desc())
        )
    )


def of_customer(pk: int, customer_id: int) -> CustomerFile | None:
    """The file or link ``pk`` when it belongs to ``customer_id``."""
    return db.session.scalar(
        select(CustomerFile).where(CustomerFile.id == pk, CustomerFile.customer_id == customer_id)
    )


def visible_to(contact: Contact) -> Select[tuple[CustomerFile]]:
    """What ``contact`` may see: its own customer's rows marked visible, and nothing at all
    without the ``documents`` permission."""
    stmt = select(CustomerFile).where(
        CustomerFile.customer_id == contact.customer_id,
        CustomerFile.visible_to_contacts.is_(True),
    )
    if not contact.may("documents"):
        stmt = stmt.where(false())
    return stmt


def for_contact(pk: int, contact: Contact) -> CustomerFile | None:
    return db.session.scalar(visible_to(contact).where(CustomerFile.id == pk))


__all__ = [
    "add_file",
    "add_link",
    "delete",
    "for_contact",
    "for_customer",
    "of_customer",
    "update",
    "visible_to",
]
