"""Observability: one log line per request, readiness and Prometheus metrics.

* Every request gets an id (the incoming ``X-Request-ID`` when it is a safe token, else a new
  one), echoed as the ``X-Request-ID`` response header, and one line on the ``portal.request``
  logger: ``request_id=... method=GET path=/clients/ status=200 duration_ms=12.3``. Path
  segments that are secrets (URL arguments named ``*token*``) are written as ``[redacted]``;
  the query string is never logged. Timing wraps the WSGI app, so it covers everything the
  app does (including after-request email delivery).
* ``/readyz``: the database and, when the rate limits live in Redis, Redis. 503 otherwise.
* ``/metrics``: Prometheus text format with request counts and durations per endpoint, the
  outbox backlog and failed emails. Staff with ``settings.view`` (session) or an API token
  (``Authorization: Bearer``) only. With ``PROMETHEUS_MULTIPROC_DIR`` set (``gunicorn.conf.py``
  does it) the request metrics are summed over all worker processes of the host.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, abort, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select, text

from portal.extensions import db

log = logging.getLogger("portal.request")

#: An incoming request id is kept only when it looks like this (no spaces, quotes or newlines
#: that could forge log lines); otherwise a new one is generated.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
ENVIRON_ID = "portal.request_id"
ENVIRON_ENDPOINT = "portal.endpoint"
ENVIRON_LOG_PATH = "portal.log_path"
REDACTED = "[redacted]"

REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests handled, by endpoint, method and status.",
    ["endpoint", "method", "status"],
)
DURATION = Histogram(
    "portal_http_request_duration_seconds",
    "Time from the request reaching the app to the end of its response.",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

StartResponse = Callable[..., Any]


def request_id_from(value: str | None) -> str:
    if value and SAFE_REQUEST_ID.fullmatch(value):
        return value
    return uuid.uuid4().hex


class RequestObserver:
    """WSGI middleware: request id, timing, the log line and the request metrics."""

    def __init__(self, wsgi_app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]):
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Any:
        started = time.perf_counter()
        request_id = request_id_from(environ.get("HTTP_X_REQUEST_ID"))
        environ[ENVIRON_ID] = request_id
        status: list[int] = [500]

        def _start_response(status_line: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            status[0] = int(status_line.split(" ", 1)[0])
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("X-Request-ID", request_id))
            return start_response(status_line, headers, *args)

        try:
            body = self.wsgi_app(environ, _start_response)
        except BaseException:
            self._record(environ, status[0], started)
            raise
        return _ClosingIterator(body, lambda: self._record(environ, status[0], started))

    @staticmethod
    def _record(environ: dict[str, Any], status: int, started: float) -> None:
        duration = time.perf_counter() - started
        method = environ.get("REQUEST_METHOD", "")
        endpoint = environ.get(ENVIRON_ENDPOINT) or "unmatched"
        REQUESTS.labels(endpoint, method, str(status)).inc()
        DURATION.labels(endpoint, method).observe(duration)
        path = environ.get(ENVIRON_LOG_PATH) or (
            environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        )
        log.info(
            "request_id=%s method=%s path=%s status=%d duration_ms=%.1f",
            environ.get(ENVIRON_ID, "-"),
            method,
            path.replace(" ", "%20").replace("\n", "%0A"),
            status,
            duration * 1000,
        )


class _ClosingIterator:
    """Passes the body through and records the request once: when the body is exhausted or
    when the server closes it (PEP 3333 servers always close), whichever comes first."""

    def __init__(self, body: Iterable[bytes], on_done: Callable[[], None]) -> None:
        self._body = body
        self._iter = iter(body)
        self._on_done: Callable[[], None] | None = on_done

    def __iter__(self) -> _ClosingIterator:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._iter)
        except StopIteration:
            self._done()
            raise

    def _done(self) -> None:
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            on_done()

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done()


def _log_path() -> str:
    """The request path with secret URL arguments (``token`` and the like) blanked out."""
    path = request.path
    for name, value in (request.view_args or {}).items():
        if "token" in name.lower() and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def _configure_logger() -> None:
    """One line per request on stderr, unless the deployment configured the logger itself."""
    if log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


# -- readiness and metrics ----------------------------------------------------------------------


def _redis_url(app: Flask) -> str | None:
    uri = str(app.config.get("RATELIMIT_STORAGE_URI") or "")
    return uri if uri.startswith(("redis://", "rediss://", "redis+unix://")) else None


def _redis_ok(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(
        url.replace("redis+unix://", "unix://"), socket_timeout=1, socket_connect_timeout=1
    )
    try:
        return bool(client.ping())
    except Exception:
        return False
    finally:
        client.close()


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False
    finally:
        db.session.remove()


def _metrics_allowed() -> None:
    """Staff with ``settings.view`` or an active API token with the ``metrics`` scope; 401
    without credentials or with an unknown token, 403 for a token without the scope."""
    from flask_login import current_user

    from portal.auth import is_staff
    from portal.services.integration import api_tokens

    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and raw.strip():
        token = api_tokens.find_active(raw.strip())
        if token is None:
            abort(401)
        if "metrics" not in token.scopes.split():
            abort(403)
        return
    if is_staff():
        if not current_user.has_permission("settings.view"):
            abort(403)
        return
    if getattr(current_user, "is_authenticated", False):
        abort(403)  # a signed-in contact
    abort(401)


def _outbox_metrics() -> str:
    from portal.models import OutboxEmail

    counts = dict(
        db.session.execute(
            select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
        ).all()
    )
    oldest = db.session.scalar(
        select(func.min(OutboxEmail.created_at)).where(OutboxEmail.status == "queued")
    )
    age = 0.0
    if oldest is not None:
        from portal.models.base import utcnow

        age = max((utcnow() - oldest).total_seconds(), 0.0)
    lines = [
        "# HELP portal_outbox_backlog Emails waiting to be sent (queued or being sent).",
        "# TYPE portal_outbox_backlog gauge",
        f"portal_outbox_backlog {counts.get('queued', 0) + counts.get('sending', 0)}",
        "# HELP portal_outbox_failed Emails that gave up after the last attempt.",
        "# TYPE portal_outbox_failed gauge",
        f"portal_outbox_failed {counts.get('failed', 0)}",
        "# HELP portal_outbox_oldest_queued_age_seconds Age of the oldest queued email.",
        "# TYPE portal_outbox_oldest_queued_age_seconds gauge",
        f"portal_outbox_oldest_queued_age_seconds {age:.3f}",
        "# HELP portal_outbox_emails Outbox rows by status.",
        "# TYPE portal_outbox_emails gauge",
    ]
    for status in ("queued", "sending", "sent", "failed"):
        lines.append(f'portal_outbox_emails{{status="{status}"}} {counts.get(status, 0)}')
    return "\n".join(lines) + "\n"


def _request_metrics() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def register(app: Flask) -> None:
    _configure_logger()
    app.wsgi_app = RequestObserver(app.wsgi_app)  # type: ignore[method-assign]

    def _note_request() -> None:
        environ = request.environ
        g.request_id = environ.get(ENVIRON_ID) or request_id_from(None)
        environ[ENVIRON_ENDPOINT] = request.endpoint or "unmatched"
        environ[ENVIRON_LOG_PATH] = _log_path()

    # First of all before-request hooks: one that answers early (a guard's redirect, the rate
    # limiter's 429) must not leave the request without its endpoint label.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_request)

    @app.get("/readyz")
    def readyz() -> Any:
        body: dict[str, str] = {"status": "ok", "database": "ok"}
        ready = True
        if not _database_ok():
            body["database"] = "unreachable"
            ready = False
        redis_url = _redis_url(app)
        if redis_url is not None:
            if _redis_ok(redis_url):
                body["redis"] = "ok"
            else:
                body["redis"] = "unreachable"
                ready = False
        if not ready:
            body["status"] = "unavailable"
        return jsonify(body), (200 if ready else 503)

    @app.get("/metrics")
    def metrics() -> Response:
        _metrics_allowed()
        try:
            payload = _request_metrics() + _outbox_metrics().encode()
        finally:
            db.session.remove()
        return Response(payload, mimetype=None, content_type=CONTENT_TYPE_LATEST)
