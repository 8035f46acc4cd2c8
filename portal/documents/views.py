"""The pages of a document link: the document, its PDF, and an estimate's answer (accept by
typing one's name, decline with a reason) through the estimates service, recorded under the
link's recipient. The guard in ``portal/documents/__init__.py`` has resolved the link."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from portal.documents import bp, current_link
from portal.models import Estimate, Invoice
from portal.models.base import utcnow
from portal.services.billing import document_links, payments
from portal.services.billing.totals import compute_totals
from portal.services.errors import DomainError, NotFound
from portal.web.responses import pdf_response
from portal.web.unit_of_work import show_errors

#: The portal's paths of a document (``/clients/invoices/<id>``) under the link.
PATH_KINDS = {"invoices": "invoice", "estimates": "estimate"}


class AcceptForm(FlaskForm):
    name = StringField(_l("Type your full name to accept"), validators=[Length(max=255)])


class DeclineForm(FlaskForm):
    reason = TextAreaField(_l("Why do you decline?"), validators=[Length(max=5000)])


def _page(
    accept_form: AcceptForm | None = None,
    decline_form: DeclineForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    link, document = current_link()
    today = utcnow().date()
    context = {
        "link": link,
        "document": document,
        "token": request.view_args["token"],  # type: ignore[index]
        "totals": compute_totals(document.lines, document.currency.decimal_places),
        "today": today,
    }
    if isinstance(document, Invoice):
        context["payments_total"] = payments.payments_total(document)
        return render_template("documents/invoice.html", invoice=document, **context), status
    answerable = document.status == "sent" and not document.is_expired(today)
    return render_template(
        "documents/estimate.html",
        estimate=document,
        answerable=answerable,
        accept_form=accept_form or AcceptForm(formdata=None),
        decline_form=decline_form or DeclineForm(formdata=None),
        **context,
    ), status


@bp.get("/<token>")
def view(token: str) -> ResponseReturnValue:
    link, _document = current_link()
    document_links.record_open(link)
    return _page()


@bp.get("/<token>/pdf")
def pdf(token: str) -> ResponseReturnValue:
    link, document = current_link()
    return pdf_response(document, document_links.locale_for(link), as_attachment=True)


@bp.get("/<token>/<any(invoices, estimates):kind>/<int:document_id>")
def by_id(token: str, kind: str, document_id: int) -> ResponseReturnValue:
    """The portal's path of a document under the link: its own document only, any other id
    (or kind) is not found."""
    link, document = current_link()
    try:
        document_links.document_for(link, document, PATH_KINDS[kind], document_id)
    except NotFound:
        abort(404)
    return redirect(url_for(".view", token=token))


def _answer(token: str, accept: bool) -> ResponseReturnValue:
    link, document = current_link()
    if not isinstance(document, Estimate):
        abort(404)
    accept_form = AcceptForm(formdata=request.form if accept else None)
    decline_form = DeclineForm(formdata=None if accept else request.form)
    form = accept_form if accept else decline_form
    if not form.validate_on_submit():
        return _page(accept_form, decline_form, 400)
    text = accept_form.name.data if accept else decline_form.reason.data
    try:
        document_links.answer_estimate(link, document, accept, text)
    except DomainError as exc:
        show_errors(form, exc)  # rolls back: the page reads the estimate as it is stored
        return _page(accept_form, decline_form, exc.status)
    flash(
        _("Thank you: you accepted the estimate.")
        if accept
        else _("You declined the estimate. Thank you for letting us know."),
        "success",
    )
    return redirect(url_for(".view", token=token))


@bp.post("/<token>/accept")
def accept(token: str) -> ResponseReturnValue:
    return _answer(token, accept=True)


@bp.post("/<token>/decline")
def decline(token: str) -> ResponseReturnValue:
    return _answer(token, accept=False)
