"""Observability: the request log line and id, /readyz, and /metrics (who may read it, what it
says, and that gunicorn's workers add up to one set of numbers)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from portal import create_app
from portal.extensions import db
from portal.models import OutboxEmail
from portal.models.database import begin_write
from portal.services.integration import api_tokens
from portal.services.platform import email
from portal.services.platform.audit import SYSTEM, acting_as
from tests.conftest import PASSWORD, free_port

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nothing"


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def request_log() -> Iterator[list[str]]:
    handler = Lines()
    logger = logging.getLogger("portal.request")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
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


def _token(scopes: tuple[str, ...] = ("metrics",)) -> str:
    begin_write(db.session)
    with acting_as(SYSTEM):
        _token_row, raw = api_tokens.create_token("Prometheus", list(scopes))
        db.session.commit()
    return raw


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """``{(sample name, sorted labels): value}`` from Prometheus text (parsing proves format)."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def _healthz_count(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float]) -> float:
    key = (
        "portal_http_requests_total",
        (("endpoint", "healthz"), ("method", "GET"), ("status", "200")),
    )
    return samples.get(key, 0.0)


# -- request id and log line ---------------------------------------------------------------------


def test_one_log_line_per_request_with_id_method_path_status_duration(
    client: FlaskClient, request_log: list[str]
) -> None:
    response = client.get("/healthz?secret=xyz", headers={"X-Request-ID": "lb-1234.abc"})
    response.close()  # what every WSGI server does; the line is written then (or at the end)
    assert response.headers["X-Request-ID"] == "lb-1234.abc"
    assert len(request_log) == 1
    line = request_log[0]
    assert line.startswith("request_id=lb-1234.abc method=GET path=/healthz status=200 ")
    assert "duration_ms=" in line
    assert "secret" not in line  # the query string is never logged

    client.get("/no-such-page").get_data()
    assert "path=/no-such-page status=404" in request_log[1]


@pytest.mark.parametrize("incoming", ["has space", "x" * 200, "<script>", ""])
def test_unsafe_request_id_is_replaced(
    client: FlaskClient, request_log: list[str], incoming: str
) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    response.close()
    generated = response.headers["X-Request-ID"]
    assert generated != incoming and len(generated) == 32
    assert request_log[0].startswith(f"request_id={generated} ")


def test_secret_tokens_in_paths_are_not_logged(client: FlaskClient, request_log: list[str]) -> None:
    token = "s3cr3t-welcome-token-value"
    client.get(f"/clients/set-password/{token}").get_data()
    assert token not in request_log[0]
    assert "path=/clients/set-password/[redacted]" in request_log[0]


def test_a_server_error_is_logged_with_500(
    make_app: Callable[..., Flask], request_log: list[str]
) -> None:
    app = make_app(TESTING=False)

    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/_boom")
    response.close()
    assert response.status_code == 500
    assert response.headers["X-Request-ID"]
    assert "path=/_boom status=500" in request_log[-1]


# -- /readyz -------------------------------------------------------------------------------------


def test_readyz_ok(client: FlaskClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_readyz_503_without_database(make_app: Callable[..., Flask]) -> None:
    app = make_app(DATABASE_URL=UNREACHABLE_PG, TESTING=False)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "unreachable"}


def test_readyz_checks_redis_when_configured(make_app: Callable[..., Flask]) -> None:
    down = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0").test_client().get("/readyz")
    assert down.status_code == 503
    assert down.json == {"status": "unavailable", "database": "ok", "redis": "unreachable"}

    from tests.test_ratelimit_redis import REDIS_URL, require_redis

    require_redis()
    up = make_app(RATELIMIT_STORAGE_URI=REDIS_URL).test_client().get("/readyz")
    assert up.status_code == 200
    assert up.json == {"status": "ok", "database": "ok", "redis": "ok"}


# -- /metrics ------------------------------------------------------------------------------------


def test_metrics_needs_staff_with_settings_view_or_a_token(
    app: Flask, client: FlaskClient, make_staff: Any, login_contact: Any, make_contact: Any
) -> None:
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer pt_wrong"}).status_code == 401

    login_contact(make_contact())
    assert client.get("/metrics").status_code == 403

    for permissions, expected in ((["customers.view"], 403), (["settings.view"], 200)):
        member = make_staff(permissions)
        staff_client = app.test_client()
        login = staff_client.post(
            "/admin/login", data={"email": member.email, "password": PASSWORD}
        )
        assert login.status_code == 302
        assert staff_client.get("/metrics").status_code == expected, permissions

    assert (
        client.get("/metrics", headers={"Authorization": f"Bearer {_token()}"}).status_code == 200
    )


@pytest.mark.parametrize("scopes", [("read",), ("write",), ("read", "write")])
def test_metrics_refuses_api_tokens_without_the_metrics_scope(
    client: FlaskClient, scopes: tuple[str, ...]
) -> None:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {_token(scopes)}"})

    assert response.status_code == 403


def test_a_metrics_token_opens_no_api_endpoint(client: FlaskClient) -> None:
    auth = {"Authorization": f"Bearer {_token()}"}

    assert client.get("/api/v1/customers", headers=auth).status_code == 403
    assert client.post("/api/v1/customers", headers=auth, json={}).status_code == 403


def test_metrics_counts_requests_and_reports_the_outbox(app: Flask, client: FlaskClient) -> None:
    raw = _token()
    auth = {"Authorization": f"Bearer {raw}"}
    begin_write(db.session)
    with acting_as(SYSTEM):
        for i in range(5):
            email.queue(
                "password_reset",
                f"u{i}@example.com",
                "en",
                name="U",
                link="http://portal.test/x",
                valid_minutes=60,
            )
        db.session.commit()
    begin_write(db.session)
    db.session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.recipient.in_(["u0@example.com", "u1@example.com"]))
        .values(status="failed")
    )
    db.session.commit()

    before = _samples(client.get("/metrics", headers=auth).get_data(as_text=True))
    for _ in range(3):
        client.get("/healthz").close()
    response = client.get("/metrics", headers=auth)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    after = _samples(response.get_data(as_text=True))

    assert _healthz_count(after) - _healthz_count(before) == 3
    duration_count = (
        "portal_http_request_duration_seconds_count",
        (("endpoint", "healthz"), ("method", "GET")),
    )
    assert after[duration_count] - before.get(duration_count, 0) == 3
    assert after[("portal_outbox_backlog", ())] == 3
    assert after[("portal_outbox_failed", ())] == 2
    assert after[("portal_outbox_emails", (("status", "failed"),))] == 2


def test_gunicorn_workers_share_one_set_of_metrics(app: Flask, app_config: dict[str, Any]) -> None:
    """Behind gunicorn (our gunicorn.conf.py, 3 workers) /metrics adds up every worker, so the
    count does not depend on which worker answers the scrape."""
    raw = _token()
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app_config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "metrics-test-key",
        "PORTAL_UPLOAD_DIR": app_config["UPLOAD_DIR"],
        "PORT": str(port),
        "WEB_CONCURRENCY": "3",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc)
        for _ in range(30):
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as r:
                assert r.status == 200
        seen = set()
        for _ in range(6):
            request = urllib.request.Request(
                f"{base}/metrics", headers={"Authorization": f"Bearer {raw}"}
            )
            with urllib.request.urlopen(request, timeout=10) as r:
                seen.add(_healthz_count(_samples(r.read().decode())))
        assert seen == {30.0}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_until_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "gunicorn exited"
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not come up")
