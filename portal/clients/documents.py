"""Read-only lists and details of invoices, estimates and tickets (later issues add PDFs,
accepting estimates, opening and answering tickets). Every look-up is scoped by
:mod:`portal.services.portal_scope`."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from portal.clients import area_required, bp, current_contact
from portal.extensions import db
from portal.models import Estimate, Invoice, Ticket
from portal.models.base import utcnow
from portal.services import portal_scope

PER_PAGE = 25


def _page(stmt: Select[Any]) -> Pagination:
    try:
        number = max(int(request.args.get("page", "1")), 1)
    except ValueError:
        number = 1
    return db.paginate(stmt, page=number, per_page=PER_PAGE, error_out=False)


@bp.get("/invoices")
@area_required("invoices")
def invoices() -> ResponseReturnValue:
    stmt = portal_scope.visible_invoices(current_contact()).order_by(
        Invoice.issue_date.desc(), Invoice.id.desc()
    )
    return render_template("clients/invoices/list.html", page=_page(stmt), today=utcnow().date())


@bp.get("/invoices/<int:id>")
@area_required("invoices")
def invoice(id: int) -> ResponseReturnValue:
    document = portal_scope.invoice_for_contact_or_404(id, current_contact())
    return render_template("clients/invoices/detail.html", invoice=document, today=utcnow().date())


@bp.get("/estimates")
@area_required("estimates")
def estimates() -> ResponseReturnValue:
    stmt = portal_scope.visible_estimates(current_contact()).order_by(
        Estimate.issue_date.desc(), Estimate.id.desc()
    )
    return render_template("clients/estimates/list.html", page=_page(stmt), today=utcnow().date())


@bp.get("/estimates/<int:id>")
@area_required("estimates")
def estimate(id: int) -> ResponseReturnValue:
    document = portal_scope.estimate_for_contact_or_404(id, current_contact())
    return render_template(
        "clients/estimates/detail.html", estimate=document, today=utcnow().date()
    )


@bp.get("/tickets")
@area_required("tickets")
def tickets() -> ResponseReturnValue:
    stmt = portal_scope.visible_tickets(current_contact()).order_by(
        Ticket.last_message_at.desc(), Ticket.id.desc()
    )
    return render_template("clients/tickets/list.html", page=_page(stmt))


@bp.get("/tickets/<int:id>")
@area_required("tickets")
def ticket(id: int) -> ResponseReturnValue:
    found = portal_scope.ticket_for_contact_or_404(id, current_contact())
    messages = [m for m in found.messages if not m.is_internal]
    return render_template("clients/tickets/detail.html", ticket=found, messages=messages)
