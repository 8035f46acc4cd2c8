"""Cross-cutting HTTP behaviour: security headers, error pages, health check, the actor of
each request for the audit log, and template helpers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal, format_percent
from flask import Flask, Response, g, jsonify, render_template, request
from flask_babel import format_datetime, get_locale, refresh
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from portal.extensions import db
from portal.i18n import LANGUAGES, current_locale_code
from portal.models.database import begin_write
from portal.services.billing.money import format_money
from portal.services.billing.pdf import PdfRefused
from portal.services.platform.audit import SYSTEM, actor_for, reset_actor, set_actor
from portal.services.platform.labels import labels

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def register_request_state(app: Flask) -> None:
    """Per-request caches live on ``g``, which belongs to the app context; a caller that keeps
    one app context across several requests (tests, scripts) must not leak the signed-in user
    or the locale from one request into the next."""

    @app.before_request
    def _fresh_request_state() -> None:
        for key in (
            "_login_user",
            "locale",
            "_actor_token",
            "_portal_settings",
            "_staff_permissions",
        ):
            g.pop(key, None)
        refresh()


def register_actor(app: Flask) -> None:
    """Sets the audit actor for each request from the signed-in user."""

    @app.before_request
    def _set_actor() -> None:
        actor = SYSTEM
        if getattr(current_user, "is_authenticated", False):
            actor = actor_for(current_user._get_current_object())
        g._actor_token = set_actor(actor)

    @app.teardown_request
    def _reset_actor(_exc: BaseException | None) -> None:
        token = g.pop("_actor_token", None)
        if token is not None:
            reset_actor(token)


def register_write_transactions(app: Flask) -> None:
    """A request that may write (anything but GET/HEAD/OPTIONS) starts a write transaction
    (``BEGIN IMMEDIATE`` on SQLite; nothing extra on PostgreSQL)."""

    @app.before_request
    def _begin_write() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.endpoint != "static":
            begin_write()


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if _wants_json():
            body = {"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.name}}
            return jsonify(body), code
        template = f"errors/{code}.html" if code in (403, 404, 429) else "errors/generic.html"
        return render_template(template, code=code, name=exc.name), code

    @app.errorhandler(PdfRefused)
    def _pdf_refused(exc: PdfRefused) -> Any:
        db.session.rollback()
        if _wants_json():
            body = {"error": {"code": exc.code, "message": exc.message}}
            return jsonify(body), exc.status
        back = request.referrer or ""
        if not back.startswith(request.host_url):
            back = "/admin/" if request.path.startswith("/admin/") else "/clients/"
        page = render_template("errors/pdf_refused.html", message=exc.message, back=back)
        return page, exc.status

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        if _wants_json():
            return jsonify({"error": {"code": "server_error", "message": "Server error"}}), 500
        return render_template("errors/500.html", code=500), 500


def register_health(app: Flask) -> None:
    @app.get("/healthz")
    def healthz() -> Any:
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:
            db.session.rollback()
            return jsonify({"status": "unavailable", "database": "unreachable"}), 503
        finally:
            db.session.remove()
        return jsonify({"status": "ok", "database": "ok"})


@lru_cache(maxsize=4096)
def _plain_date(value: date, style: str, locale: str) -> str:
    return babel_format_date(value, style, locale=locale)


def register_template_helpers(app: Flask) -> None:
    # The money and date filters read the locale the template was rendered for from its context
    # (``current_locale``, set below; ``force_locale`` for an email or PDF is already applied):
    # a list page formats a hundred amounts and dates.
    @app.template_filter("money")
    @pass_context
    def _money(ctx: Context, amount: Decimal | None, currency: Any) -> str:
        if amount is None:
            return ""
        locale = ctx.get("current_locale") or current_locale_code()
        return format_money(amount, currency.code, locale, currency.decimal_places)

    @app.template_filter("percent")
    def _percent(value: Decimal | None) -> str:
        if value is None:
            return ""
        return format_percent(value / 100, locale=str(get_locale()), decimal_quantization=False)

    @app.template_filter("number")
    @pass_context
    def _number(ctx: Context, value: int | Decimal | None) -> str:
        """A count or plain number in the viewer's locale (``1.234`` in German)."""
        if value is None:
            return ""
        return format_decimal(value, locale=ctx.get("current_locale") or current_locale_code())

    @app.template_filter("date")
    @pass_context
    def _date(ctx: Context, value: date | datetime | None, style: str = "medium") -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            return format_datetime(value, style)  # converted to the viewer's time zone
        # A plain date needs no time zone: Babel directly (a list shows the same dates again).
        return _plain_date(value, style, ctx.get("current_locale") or current_locale_code())

    app.add_template_global(labels, "status_labels")

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"LANGUAGES": LANGUAGES, "current_locale": current_locale_code()}
