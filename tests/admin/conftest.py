"""Admin test helpers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from portal.extensions import db
from portal.models import Staff
from tests.conftest import PASSWORD


@pytest.fixture
def staff_client(
    app: Any, make_staff: Callable[..., Staff]
) -> Callable[..., tuple[FlaskClient, Staff]]:
    """A fresh signed-in client per call: ``client, member = staff_client(["staff.view"])``."""

    def make(permissions: list[str] | None = None, **kw: Any) -> tuple[FlaskClient, Staff]:
        member = make_staff(permissions, **kw)
        client = app.test_client()
        response = client.post("/admin/login", data={"email": member.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, member

    return make


def reload(obj: Any) -> Any:
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)
