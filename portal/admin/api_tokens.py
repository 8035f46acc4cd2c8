"""API tokens and webhooks of the integration API (permission area ``api``): create a token
(its secret is shown once, only its hash is stored), list with scopes and last use, revoke;
register and delete webhooks and watch their deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, Field, StringField, URLField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin import bp
from portal.auth import permission_required
from portal.extensions import db
from portal.models import ApiToken
from portal.models.webhooks import Webhook
from portal.services.errors import DomainError
from portal.services.integration import api_tokens, webhooks
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, show_errors


class TokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    read = BooleanField(_l("Read (GET)"), default=True)
    write = BooleanField(_l("Write (POST, PATCH, DELETE)"), default=True)
    invoices = BooleanField(_l("Invoice documents (PDF)"), default=False)


class WebhookForm(FlaskForm):
    url = URLField(_l("URL"), validators=[DataRequired(), Length(max=2000)])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=255)])
    invoice_issued = BooleanField(_l("Invoice issued"), default=True)
    invoice_paid = BooleanField(_l("Invoice paid"), default=True)
    customer_updated = BooleanField(_l("Customer updated"), default=False)
    payment_created = BooleanField(_l("Payment received"), default=False)


EVENT_FIELDS = {
    "invoice.issued": "invoice_issued",
    "invoice.paid": "invoice_paid",
    "customer.updated": "customer_updated",
    "payment.created": "payment_created",
}


def _page(
    token_form: TokenForm | None = None,
    webhook_form: WebhookForm | None = None,
    **extra: Any,
) -> str:
    return render_template(
        "admin/api/tokens.html",
        tokens=api_tokens.all_tokens(),
        webhooks=list(db.session.scalars(select(Webhook).order_by(Webhook.id))),
        deliveries=webhooks.recent_deliveries(20),
        token_form=token_form or TokenForm(formdata=None),
        webhook_form=webhook_form or WebhookForm(formdata=None),
        action_form=EmptyForm(),
        **extra,
    )


@bp.get("/api-tokens")
@permission_required("api.view")
def api_tokens_page() -> ResponseReturnValue:
    return _page()


def _create(
    form: FlaskForm,
    create: Callable[[], dict[str, Any]],
    service_field: str,
    error_target: Field,
    form_name: str,
) -> ResponseReturnValue:
    """A valid ``form`` runs ``create()``; what it returns is shown on the page, in this
    response only (never flashed: the session cookie is readable). Otherwise the form again
    with its errors; the service's error on ``service_field`` goes on ``error_target``."""
    if form.validate_on_submit():
        try:
            shown = create()
        except DomainError as exc:
            if service_field in exc.fields:
                error_target.errors = [*error_target.errors, exc.fields.pop(service_field)]
            show_errors(form, exc)
        else:
            return _page(**shown)
    return _page(**{form_name: form}), 422


@bp.post("/api-tokens")
@permission_required("api.create")
def api_token_create() -> ResponseReturnValue:
    form = TokenForm()

    def create() -> dict[str, Any]:
        scopes = [s for s in ("read", "write", "invoices") if getattr(form, s).data]
        token, raw = api_tokens.create_token(form.name.data or "", scopes)
        return {"new_token": raw, "new_token_name": token.name}

    return _create(form, create, "scopes", form.read, "token_form")


@bp.post("/api-tokens/<int:token_id>/revoke")
@permission_required("api.delete")
def api_token_revoke(token_id: int) -> ResponseReturnValue:
    token = db.get_or_404(ApiToken, token_id)
    if EmptyForm().validate_on_submit():
        try:
            api_tokens.revoke(token)
        except DomainError as exc:
            fail(exc)
        else:
            flash(_("The token %(name)s is revoked.", name=token.name), "success")
    return redirect(url_for(".api_tokens_page"))


@bp.post("/api-tokens/webhooks")
@permission_required("api.create")
def webhook_create() -> ResponseReturnValue:
    form = WebhookForm()

    def create() -> dict[str, Any]:
        events = [name for name, attr in EVENT_FIELDS.items() if getattr(form, attr).data]
        webhook, secret = webhooks.create_webhook(
            form.url.data, events, form.description.data or None
        )
        return {"new_secret": secret, "new_webhook_url": webhook.url}

    return _create(form, create, "events", form.invoice_issued, "webhook_form")


@bp.post("/api-tokens/webhooks/<int:webhook_id>/delete")
@permission_required("api.delete")
def webhook_delete(webhook_id: int) -> ResponseReturnValue:
    webhook = db.get_or_404(Webhook, webhook_id)
    if EmptyForm().validate_on_submit():
        webhooks.delete_webhook(webhook)
        flash(_("The webhook for %(url)s is deleted.", url=webhook.url), "success")
    return redirect(url_for(".api_tokens_page"))
