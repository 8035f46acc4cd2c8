"""The dashboard: outstanding and overdue per currency, open estimates, open tickets, and the
charts (invoiced and paid per month, receivables aging, the customers with the most overdue,
tickets by status and by assignee, estimates' conversion), each linking to the list behind it."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import staff_required
from portal.models.base import utcnow
from portal.services.customers import activities
from portal.services.dashboards import rules
from portal.services.dashboards.charts import admin_charts
from portal.services.dashboards.staff import summary


@bp.get("/")
@staff_required
def index() -> ResponseReturnValue:
    today = utcnow().date()
    staff = current_staff()
    charts = admin_charts(staff, today)
    return render_template(
        "admin/dashboard.html",
        figures=summary(staff, today, charts.aging),
        charts=charts,
        today=today,
        buckets=rules.bucket_labels(),
        bucket_due=[rules.bucket_due_dates(i, today) for i in range(len(rules.BUCKETS))],
        month_end=rules.month_end,
        my_activities=activities.my_open(staff),
        activities_now=utcnow(),
    )
