"""Document link pages are limited per client address (``PORTAL_DOCUMENT_LINK_LIMIT_ADDRESS``),
whatever the token: a valid link, a forged one and the PDF all count. Uses its own app with the
limiter on."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.extensions import db


@pytest.fixture
def limited_app(app, app_config):
    limited = create_app(
        {
            **app_config,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "DOCUMENT_LINK_LIMIT_ADDRESS": "3 per minute",
        }
    )
    yield limited
    with limited.app_context():
        db.engine.dispose()


def test_link_pages_are_limited_per_address(limited_app, send_link, make_contact, make_invoice):
    contact = make_contact(primary=True)
    path = send_link(make_invoice(contact.customer, issue=True), contact)
    client = limited_app.test_client()

    def get(url: str, address: str) -> int:
        return client.get(url, environ_base={"REMOTE_ADDR": address}).status_code

    assert get(path, "10.3.0.1") == 200
    assert get("/d/forged-token", "10.3.0.1") == 410
    assert get(f"{path}/pdf", "10.3.0.1") == 200
    assert get(path, "10.3.0.1") == 429
    assert get(f"{path}/pdf", "10.3.0.1") == 429
    assert get(path, "10.3.0.2") == 200
