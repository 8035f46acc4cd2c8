"""Client self-service portal with a staff admin dashboard."""

from __future__ import annotations

from typing import Any

from flask import Flask

from portal import config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config.PROJECT_ROOT / "instance"),
        template_folder="../templates",
        static_folder="../static",
    )
    config.load(app, test_config)
    register_extensions(app)
    register_listeners(app)
    register_blueprints(app)
    register_web(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from portal import auth, models  # noqa: F401 - models must be imported for Alembic
    from portal.extensions import babel, csrf, db, limiter, login_manager, migrate
    from portal.i18n import install_fast_gettext, select_locale
    from portal.models import database

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(
        app, db, directory=str(config.PROJECT_ROOT / "migrations"), render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_fast_gettext(app)
    limiter.init_app(app)


def register_listeners(app: Flask) -> None:
    """Everything that reacts to a flush or a commit, in this order, and the pieces other
    packages plug into a service (PDF attachments of emails, webhook payloads)."""
    from portal.api import customers as api_customers
    from portal.api import documents as api_documents
    from portal.api import finance as api_finance
    from portal.models import database
    from portal.services.billing import pdf
    from portal.services.customers import search_index
    from portal.services.integration import webhook_events
    from portal.services.payments import receipts
    from portal.services.platform import audit

    database.register_listeners()
    audit.register()
    search_index.register()
    webhook_events.register(
        {"invoice": api_documents.invoice_payload, "customer": api_customers.customer_payload}
    )
    webhook_events.register({"payment": api_finance.payment_payload})
    pdf.register_renderers()
    receipts.register_renderers()


def register_blueprints(app: Flask) -> None:
    from portal.admin import bp as admin_bp
    from portal.api import bp as api_bp
    from portal.clients import bp as clients_bp
    from portal.documents import bp as documents_bp
    from portal.payments import bp as payments_bp
    from portal.web import converters, unit_of_work

    converters.register(app)
    app.register_blueprint(admin_bp)
    app.register_blueprint(clients_bp)
    app.register_blueprint(documents_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(payments_bp)
    unit_of_work.register(app, ("payments",))
    # The API runs its own unit of work per request (``api/core.py``).
    unit_of_work.register(app, ("admin", "clients", "documents"))


def register_web(app: Flask) -> None:
    from portal.web import hooks as web
    from portal.web import observability

    web.register_request_state(app)
    web.register_security_headers(app)
    web.register_actor(app)
    web.register_write_transactions(app)
    web.register_errors(app)
    web.register_health(app)
    web.register_template_helpers(app)
    observability.register(app)


def register_commands(app: Flask) -> None:
    from portal import cli

    cli.init_app(app)
