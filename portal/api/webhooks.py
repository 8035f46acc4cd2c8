"""Webhooks a finance system registers for itself: ``/webhooks``, ``/webhooks/{id}``. A token
sees and deletes only the webhooks it registered."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import select

from portal.api.core import ApiError, operation, paginate
from portal.api.schemas import ListQuery, Page, WebhookCreate, WebhookCreated, WebhookOut
from portal.extensions import db
from portal.models.webhooks import Webhook
from portal.services.integration import webhooks


def webhook_out(webhook: Webhook) -> WebhookOut:
    return WebhookOut(
        id=webhook.id, url=webhook.url, events=list(webhook.events),
        description=webhook.description, is_active=webhook.is_active,
        created_at=webhook.created_at,
    )  # fmt: skip


def _own(id: int) -> Webhook:
    webhook = db.session.get(Webhook, id) if 0 < id <= 2_147_483_647 else None
    if webhook is None or webhook.token_id != g.api_token.id:
        raise ApiError(404, "not_found", f"Webhook {id} was not found.")
    return webhook


@operation(
    "GET", "/webhooks", summary="List this token's webhooks", tag="webhooks", query=ListQuery,
    response=Page[WebhookOut], errors=(422,),
)  # fmt: skip
def list_webhooks(query: ListQuery) -> Any:
    stmt = select(Webhook).where(Webhook.token_id == g.api_token.id)
    return paginate(stmt, query, Webhook, webhook_out)


@operation(
    "POST", "/webhooks", summary="Register a webhook", tag="webhooks", body=WebhookCreate,
    response=WebhookCreated, errors=(422,),
    description="Events are POSTed as JSON with `X-Portal-Signature: sha256=<hex>`, the "
    "HMAC-SHA256 of the raw body with the `secret` returned here (only here).",
)  # fmt: skip
def create_webhook(body: WebhookCreate) -> Any:
    webhook, secret = webhooks.create_webhook(
        body.url, body.events, body.description, token_id=g.api_token.id
    )
    return WebhookCreated(**webhook_out(webhook).model_dump(), secret=secret), 201


@operation(
    "GET", "/webhooks/<int:id>", summary="Get a webhook", tag="webhooks", response=WebhookOut,
    errors=(404,),
)  # fmt: skip
def get_webhook(id: int) -> Any:
    return webhook_out(_own(id))


@operation(
    "DELETE", "/webhooks/<int:id>", summary="Delete a webhook", tag="webhooks", errors=(404,),
)  # fmt: skip
def delete_webhook(id: int) -> Any:
    webhooks.delete_webhook(_own(id))
    return None, 204
