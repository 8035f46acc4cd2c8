"""The portal dashboard."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from portal.clients import bp, contact_required, current_contact
from portal.models.base import utcnow
from portal.services.dashboards.contacts import summary


@bp.get("/")
@contact_required
def index() -> ResponseReturnValue:
    today = utcnow().date()
    return render_template(
        "clients/dashboard.html", figures=summary(current_contact(), today), today=today
    )
