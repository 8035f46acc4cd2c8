"""The reports: receivables aging per customer (with CSV and XLSX exports), revenue by group,
customer or month, and payments received per month; for the invoices the member may see
(``invoices.view``, or ``invoices.view_own`` for its own customers)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.i18n import current_locale_code, file_name
from portal.models.base import utcnow
from portal.services.billing import search as document_search
from portal.services.dashboards import exports, reports, rules
from portal.services.dashboards.charts import aging
from portal.web.pages import page_number, statement_period

VIEW = ("invoices.view", "invoices.view_own")
PER_PAGE = 50


def _presets(today: date) -> list[tuple[str, date, date]]:
    """The period picker's shortcuts: (name, first day, last day)."""
    month = today.replace(day=1)
    last_month_end = month - timedelta(days=1)
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return [
        (_("This month"), month, today),
        (_("Last month"), last_month_end.replace(day=1), last_month_end),
        (_("This quarter"), quarter, today),
        (_("This year"), date(today.year, 1, 1), today),
        (_("Last year"), date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
        (_("Last 12 months"), rules.last_months(today)[0], today),
    ]


def _period() -> tuple[date, date, dict[str, object]]:
    """``?start=&end=`` (default: this year up to today) and what the period picker shows."""
    today = utcnow().date()
    start, end, errors = statement_period(today)
    context = {
        "start": start,
        "end": end,
        "errors": errors,
        "presets": _presets(today),
        "month_end": rules.month_end,
    }
    return start, end, context


# -- aging ------------------------------------------------------------------------------------


@bp.get("/reports/aging")
@permission_required(*VIEW)
def reports_aging() -> ResponseReturnValue:
    today = utcnow().date()
    staff = current_staff()
    return render_template(
        "admin/reports/aging.html",
        page=reports.aging_page(staff, today, page_number(), PER_PAGE),
        totals=aging(staff, today),
        buckets=rules.bucket_labels(),
        today=today,
    )


@bp.get("/reports/aging.csv")
@permission_required(*VIEW)
def reports_aging_csv() -> ResponseReturnValue:
    today = utcnow().date()
    rows = reports.aging_rows(current_staff(), today)
    name = file_name(_("Aging"), today.isoformat(), extension="csv")
    return Response(
        stream_with_context(exports.aging_csv(rows, current_locale_code())),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/reports/aging.xlsx")
@permission_required(*VIEW)
def reports_aging_xlsx() -> ResponseReturnValue:
    today = utcnow().date()
    data = exports.aging_xlsx(reports.aging_rows(current_staff(), today), _("Aging"))
    name = file_name(_("Aging"), today.isoformat(), extension="xlsx")
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# -- revenue and payments ---------------------------------------------------------------------


@bp.get("/reports/revenue")
@permission_required(*VIEW)
def reports_revenue() -> ResponseReturnValue:
    start, end, context = _period()
    by = request.args.get("by", "group")
    if by not in reports.REVENUE_DIMENSIONS:
        by = "group"
    staff = current_staff()
    rows: object = None
    if by == "group":
        rows = reports.revenue_by_group(staff, start, end)
    elif by == "customer":
        rows = reports.revenue_by_customer(staff, start, end, page_number(), PER_PAGE)
    return render_template(
        "admin/reports/revenue.html",
        by=by,
        rows=rows,
        months=reports.revenue_by_month(staff, start, end),
        **context,
    )


@bp.get("/reports/payments")
@permission_required(*VIEW)
def reports_payments() -> ResponseReturnValue:
    start, end, context = _period()
    q = document_search.clean_query(request.args.get("q"))
    staff = current_staff()
    return render_template(
        "admin/reports/payments.html",
        months=reports.payments_by_month(staff, start, end),
        page=reports.payments_page(staff, start, end, page_number(), PER_PAGE, q),
        q=q,
        **context,
    )
