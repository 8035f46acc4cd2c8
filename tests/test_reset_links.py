"""Issue 24 item 7: when a newer reset link is sent, the older ones stop working; the newest
works once. For staff and for contacts."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.models import OutboxEmail
from portal.services.identity import tokens
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new password"


def _links(recipient: str, side: str) -> list[str]:
    rows = db.session.scalars(
        db.select(OutboxEmail).where(OutboxEmail.recipient == recipient).order_by(OutboxEmail.id)
    ).all()
    pattern = rf"http://portal\.test(/{side}/reset-password/[^\s\"<]+)"
    found = [re.search(pattern, row.body_text) for row in rows]
    assert all(found), [row.body_text for row in rows]
    return [m.group(1) for m in found if m]


@pytest.fixture(params=["admin", "clients"])
def account(request, make_staff, make_contact):
    side = request.param
    return side, make_staff([]) if side == "admin" else make_contact()


def test_only_the_newest_reset_link_works_and_only_once(client, account):
    side, user = account
    for _ in range(2):
        response = client.post(f"/{side}/reset-password", data={"email": user.email})
        assert response.status_code == 302
    first, second = _links(user.email, side)
    assert first != second
    assert client.get(first).status_code == 410
    refused = client.post(first, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert refused.status_code == 410
    assert client.get(second).status_code == 200
    done = client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert client.get(second).status_code == 410  # used
    assert client.get(first).status_code == 410
    ok = client.post(f"/{side}/login", data={"email": user.email, "password": NEW_PASSWORD})
    assert ok.status_code == 302
    client.post(f"/{side}/logout")
    old = client.post(f"/{side}/login", data={"email": user.email, "password": PASSWORD})
    assert old.status_code == 200


def test_a_reset_link_ends_an_unused_welcome_link(client, make_contact, write):
    contact = make_contact(password=None)
    write()
    welcome = tokens.make_token(contact, "welcome")
    db.session.commit()
    assert client.get(f"/clients/set-password/{welcome}").status_code == 200
    client.post("/clients/reset-password", data={"email": contact.email})
    assert client.get(f"/clients/set-password/{welcome}").status_code == 410
    (reset,) = _links(contact.email, "clients")
    assert client.get(reset).status_code == 200
