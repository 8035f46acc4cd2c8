"""The dashboard: outstanding and overdue per currency, open estimates, open tickets."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import staff_required
from portal.models.base import utcnow
from portal.services.dashboards.staff import summary


@bp.get("/")
@staff_required
def index() -> ResponseReturnValue:
    figures = summary(current_staff(), utcnow().date())
    return render_template("admin/dashboard.html", figures=figures)
