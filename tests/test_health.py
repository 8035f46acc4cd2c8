"""The health check, security headers and error pages (never a stack trace)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.extensions import db
from portal.models import Setting
from portal.models.database import begin_write
from portal.services.platform.audit import SYSTEM, acting_as

UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"
SECRET_DETAIL = "kaboom-internal-detail-42"
LEAKS = ("Traceback", 'File "', "psycopg", "sqlalchemy", "OperationalError", SECRET_DETAIL)


def _no_leak(body: str) -> None:
    for text in LEAKS:
        assert text not in body, text


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Separate app instances (never the shared one), engines disposed of afterwards."""
    apps: list[Flask] = []

    def make(**changes: Any) -> Flask:
        app = create_app({**app_config, **changes})
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# -- /healthz ------------------------------------------------------------------------------------


def test_healthz_ok(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("url", [UNREACHABLE_PG, "sqlite:////nonexistent-dir/portal.db"])
def test_healthz_503_when_database_unreachable(make_app: Callable[..., Flask], url: str) -> None:
    assert not Path("/nonexistent-dir").exists()
    app = make_app(DATABASE_URL=url, TESTING=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}
    _no_leak(response.get_data(as_text=True))
    assert "127.0.0.1:1" not in response.get_data(as_text=True)
    # It recovers by itself: no broken session is left behind for the next check.
    assert app.test_client().get("/healthz").status_code == 503


# -- security headers ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/healthz", "/admin/login", "/clients/login", "/no-such-page"])
def test_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in (
        "same-origin",
        "strict-origin",
        "no-referrer",
    )
    assert response.headers.get("X-Frame-Options") == "DENY"


def test_security_headers_on_503(make_app: Callable[..., Flask]) -> None:
    response = make_app(DATABASE_URL=UNREACHABLE_PG).test_client().get("/healthz")
    assert response.status_code == 503
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- error pages ---------------------------------------------------------------------------------


def test_unknown_url_gives_html_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "<html" in body.lower()
    _no_leak(body)


def test_unknown_api_url_gives_json_404(client: FlaskClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


@pytest.fixture
def failing_app(make_app: Callable[..., Flask]) -> Flask:
    """A separate app instance with routes that fail; not in testing mode, like production."""
    app = make_app(TESTING=False)

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError(SECRET_DETAIL)

    @app.post("/write-then-boom")
    def write_then_boom() -> str:
        with acting_as(SYSTEM):
            db.session.add(Setting(key="company_name", value="Half Written Ltd"))
            db.session.flush()
        raise RuntimeError(SECRET_DETAIL)

    @app.get("/api/v1/boom")
    def api_boom() -> str:
        raise RuntimeError(SECRET_DETAIL)

    return app


def test_view_that_raises_gives_html_500(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    _no_leak(response.get_data(as_text=True))
    assert "frame-ancestors" in response.headers["Content-Security-Policy"]


def test_api_view_that_raises_gives_json_500(failing_app: Flask) -> None:
    response = failing_app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json == {"error": {"code": "server_error", "message": "Server error"}}
    _no_leak(response.get_data(as_text=True))


def test_failed_request_writes_nothing(failing_app: Flask, app: Flask) -> None:
    """The 500 handler rolls back: a half-done write never reaches the database."""
    response = failing_app.test_client().post("/write-then-boom")
    assert response.status_code == 500
    _no_leak(response.get_data(as_text=True))
    db.session.remove()
    assert db.session.get(Setting, "company_name") is None
    # And the database is not left locked (SQLite) for the next writer.
    begin_write(db.session)
    db.session.add(Setting(key="company_name", value="Next Ltd"))
    db.session.commit()
