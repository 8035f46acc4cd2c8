"""Files and links helpers: ``make_file(customer, visible=True)`` and ``make_link(...)`` add
them through the service, as staff would."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Customer, CustomerFile
from portal.models.database import begin_write
from portal.services.customers import files
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import staff_client  # noqa: F401 - shared with the admin tests
from tests.clients.conftest import contact_client  # noqa: F401 - shared with the portal tests

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def make_file(app: Flask) -> Callable[..., CustomerFile]:
    def make(
        customer: Customer,
        *,
        visible: bool = True,
        title: str = "Contract",
        name: str = "contract.pdf",
        data: bytes = PDF,
    ) -> CustomerFile:
        begin_write(db.session)
        with acting_as(SYSTEM):
            item = files.add_file(
                db.session.merge(customer),
                name,
                io.BytesIO(data),
                {"title": title, "visible_to_contacts": visible},
                staff=None,
                stored=[],
            )
            db.session.commit()
        return item

    return make


@pytest.fixture
def make_link(app: Flask) -> Callable[..., CustomerFile]:
    def make(
        customer: Customer,
        *,
        visible: bool = True,
        title: str = "Project wiki",
        url: str = "https://wiki.example.com/project",
        **data: Any,
    ) -> CustomerFile:
        begin_write(db.session)
        with acting_as(SYSTEM):
            item = files.add_link(
                db.session.merge(customer),
                {"title": title, "url": url, "visible_to_contacts": visible, **data},
                staff=None,
            )
            db.session.commit()
        return item

    return make


def add_samples(customer: Customer, staff_id: int | None = None) -> None:
    """A few files and links such as a customer card has (for the browser test and the
    screenshots): two shared with contacts, one file and one link for staff only."""
    samples = [
        ("file", "Framework agreement 2026", "Signed by both parties on 3 March.", True),
        ("link", "Project wiki", "Meeting notes, contacts and the delivery plan.", True),
        ("file", "Price list", None, True),
        ("file", "Internal margin calculation", "Staff only.", False),
        ("link", "Support runbook", None, False),
    ]
    begin_write(db.session)
    with acting_as(SYSTEM):
        target = db.session.merge(customer)
        for kind, title, description, visible in samples:
            data = {"title": title, "description": description, "visible_to_contacts": visible}
            if kind == "link":
                data["url"] = "https://wiki.example.com/" + title.lower().replace(" ", "-")
                item = files.add_link(target, data, staff=None)
            else:
                name = title.replace(" ", "-") + ".pdf"
                item = files.add_file(target, name, io.BytesIO(PDF), data, staff=None, stored=[])
            item.staff_id = staff_id
        db.session.commit()
