"""Emails: rendered from ``templates/email/`` in the recipient's language and written to the
outbox in the caller's transaction; delivered by the outbox worker, never inside a request
(see :mod:`portal.services.platform.outbox`).

Each email is three templates: ``<name>.subject.txt``, ``<name>.txt`` and ``<name>.html``.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from portal.extensions import db
from portal.i18n import LANGUAGES, locale_of
from portal.models import Contact, OutboxEmail, Staff
from portal.services.identity import tokens
from portal.services.platform import settings

TEMPLATES = (
    "welcome",
    "activity_due",
    "password_reset",
    "invoice_issued",
    "estimate_sent",
    "payment_reminder",
    "ticket_reply_contact",
    "ticket_staff_notification",
    "registration_staff",
    "registration_approved",
    "registration_refused",
    "estimate_response_staff",
    "payment_receipt",
)


def absolute_url(endpoint: str, **values: Any) -> str:
    """A link for an email: ``PORTAL_BASE_URL`` plus the endpoint's path."""
    path = url_for(endpoint, _external=False, **values)
    return current_app.config["BASE_URL"].rstrip("/") + path


def render(template: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Renders subject, text and HTML of ``template`` in ``locale``."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown email template {template!r}")
    if locale not in LANGUAGES:
        raise ValueError(f"unknown locale {locale!r}")
    company = settings.get_all()
    context = {"company": company, "base_url": current_app.config["BASE_URL"], **context}
    with force_locale(locale):
        subject = render_template(f"email/{template}.subject.txt", **context)
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    return " ".join(subject.split()), text.strip() + "\n", html


def queue(
    template: str,
    recipient: str,
    locale: str,
    *,
    attachments: list[dict[str, Any]] | None = None,
    **context: Any,
) -> OutboxEmail:
    """Renders ``template`` and adds it to the outbox (flushed, not committed)."""
    subject, text, html = render(template, locale, **context)
    domain = recipient.rpartition("@")[2] or "localhost"
    email = OutboxEmail(
        recipient=recipient,
        language=locale,
        subject=subject[:255],
        body_text=text,
        body_html=html,
        attachments=attachments or [],
        template=template,
        message_id=f"<{uuid.uuid4().hex}@portal.{domain}>",
        status="queued",
        attempts=0,
    )
    db.session.add(email)
    db.session.flush()
    return email


def queue_welcome(contact: Contact) -> OutboxEmail:
    """The welcome email with a set-password link (single use, 72 hours), never a password."""
    token = tokens.make_token(contact, "welcome")
    return queue(
        "welcome",
        contact.email,
        locale_of(contact),
        contact=contact,
        link=absolute_url("clients.set_password", token=token),
        valid_hours=tokens.WELCOME_MAX_AGE // 3600,
    )


def queue_password_reset(user: Staff | Contact) -> OutboxEmail:
    """The password reset email (single use, 1 hour), for staff or contacts."""
    token = tokens.make_token(user, "reset")
    endpoint = (
        "admin.reset_password_token" if isinstance(user, Staff) else "clients.reset_password_token"
    )
    return queue(
        "password_reset",
        user.email,
        locale_of(user),
        name=getattr(user, "name", None) or user.full_name,
        link=absolute_url(endpoint, token=token),
        valid_minutes=tokens.RESET_MAX_AGE // 60,
    )
