"""Fixtures of the issue 17 staff-side tests: a signed-in client per call, a PDF cache of the
test's own, and a small world of customers with documents."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from portal.extensions import db
from portal.models import Customer, Staff
from portal.models.database import begin_write
from tests.admin.conftest import staff_client  # noqa: F401  (the fixture, shared)
from tests.e2e.conftest import browser, browser_page_factory, live_app, live_url  # noqa: F401

ALL_BILLING = [
    "customers.view",
    "invoices.view",
    "invoices.create",
    "invoices.edit",
    "invoices.delete",
    "estimates.view",
    "estimates.create",
    "estimates.edit",
    "payments.create",
]
OWN_BILLING = [
    "customers.view_own",
    "invoices.view_own",
    "invoices.create",
    "invoices.edit",
    "estimates.view_own",
    "estimates.create",
    "estimates.edit",
]


@pytest.fixture(autouse=True)
def _pdf_cache(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "PDF_CACHE_DIR", str(tmp_path / "pdf-cache"))


def text_of(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def assign(staff: Staff, customer: Customer) -> None:
    """Makes ``staff`` a customer admin of ``customer`` (what view_own members see)."""
    begin_write(db.session)
    row = db.session.get(Customer, customer.id)
    row.admins.append(db.session.get(Staff, staff.id))
    db.session.commit()


@pytest.fixture
def own_client(
    staff_client: Callable[..., Any],  # noqa: F811
) -> Callable[..., Any]:
    """A view_own member signed in: ``client, member = own_client()``."""
    return lambda: staff_client(OWN_BILLING)
