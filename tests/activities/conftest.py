"""Activity fixtures: ``make_activity(customer, **data)``, a way to deactivate a member, and
the admin's ``staff_client`` and the API's ``api``/``make_token`` for these tests too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Activity, Customer, Staff
from portal.models.database import begin_write
from portal.services.customers import activities
from portal.services.platform.audit import SYSTEM, acting_as
from tests.admin.conftest import staff_client  # noqa: F401 - fixture
from tests.api.conftest import api, make_token  # noqa: F401 - fixtures

#: A fixed "now" for the rules that depend on it.
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def make_activity(app: Flask) -> Callable[..., Activity]:
    """``make_activity(customer, subject="Call back", due_at=..., done=True, assigned_to=id)``"""

    def make(customer: Customer, *, done: bool = False, **data: Any) -> Activity:
        begin_write(db.session)
        with acting_as(SYSTEM):
            activity = activities.create_activity(
                db.session.merge(customer), {"subject": "Call back", "kind": "call", **data}
            )
            if done:
                activities.mark_done(activity)
            db.session.commit()
        return activity

    return make


@pytest.fixture
def deactivate(app: Flask) -> Callable[[Staff], None]:
    def run(member: Staff) -> None:
        begin_write(db.session)
        db.session.get(Staff, member.id).is_active = False  # type: ignore[union-attr]
        db.session.commit()

    return run
