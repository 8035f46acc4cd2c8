"""Document link helpers: a link sent for a document, as its path ``/d/<token>``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import update

from portal.extensions import db
from portal.models import Contact, DocumentLink, Estimate, Invoice
from portal.models.base import utcnow
from portal.models.database import begin_write
from portal.services.billing import document_links
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import staff_client  # noqa: F401 - signed-in staff per permission set


@pytest.fixture
def send_link(app: Flask) -> Callable[..., str]:
    """``path = send_link(document, contact)``: a new link (as an email would make it),
    committed; returns ``/d/<token>``."""

    def make(document: Invoice | Estimate, contact: Contact) -> str:
        begin_write(db.session)
        with acting_as(SYSTEM):
            document = db.session.merge(document)
            link = document_links.create_link(document, db.session.merge(contact))
            url = document_links.link_url(link)
            db.session.commit()
        return url.removeprefix(app.config["BASE_URL"])

    return make


def link_of(path: str) -> DocumentLink:
    db.session.expire_all()
    link = document_links.find(path.rsplit("/", 1)[-1])
    assert link is not None
    return link


def expire(path: str, days_ago: int = 1) -> None:
    """Moves the link's end into the past."""
    link = link_of(path)
    begin_write(db.session)
    db.session.execute(
        update(DocumentLink)
        .where(DocumentLink.id == link.id)
        .values(expires_at=utcnow() - timedelta(days=days_ago))
    )
    db.session.commit()
