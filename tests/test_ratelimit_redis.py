"""Login rate limits hold across app processes when their counters live in Redis.

Two gunicorn processes (each its own memory) serve the same database with
``PORTAL_RATELIMIT_STORAGE_URI`` on Redis database 5; failed sign-ins alternate between them and
the 429 comes after the configured number of failures in total, not per process. Redis runs on
this machine kind: when ``CI=true`` an unreachable Redis fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def require_redis() -> None:
    """Skips without Redis, except on CI (``CI=true``), where Redis is part of the machine."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI", "").lower() in ("true", "1"):
            pytest.fail(f"Redis at {REDIS_URL} is unreachable on CI: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is unreachable: {exc}")
    finally:
        client.close()


def _post(url: str, data: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(data).encode())
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait_until_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the app process exited"
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{base} did not come up")


@pytest.fixture
def two_app_processes(app: Flask, app_config: dict[str, Any]) -> Iterator[list[str]]:
    require_redis()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # database 5 only: this test's own
    env = {
        **os.environ,
        "PORTAL_DATABASE_URL": app_config["DATABASE_URL"],
        "PORTAL_SECRET_KEY": "ratelimit-test-key",
        "PORTAL_UPLOAD_DIR": app_config["UPLOAD_DIR"],
        "PORTAL_RATELIMIT_ENABLED": "true",
        "PORTAL_RATELIMIT_STORAGE_URI": REDIS_URL,
        "PORTAL_LOGIN_LIMIT_ACCOUNT": "3 per 15 minutes",
        "PORTAL_LOGIN_LIMIT_ADDRESS": "1000 per 15 minutes",
        "PORTAL_WTF_CSRF_ENABLED": "false",
        "PORTAL_COOKIE_SECURE": "false",
        "WEB_CONCURRENCY": "1",
    }
    procs: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for _ in range(2):
            port = free_port()
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base, proc in zip(bases, procs, strict=True):
            _wait_until_up(base, proc)
        yield bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.mark.parametrize("login_path", ["/admin/login", "/clients/login"])
def test_failed_logins_are_counted_across_processes(
    two_app_processes: list[str], login_path: str
) -> None:
    first, second = two_app_processes
    account = f"victim-{uuid.uuid4().hex[:8]}@example.com"
    wrong = {"email": account, "password": "wrong password 1"}

    statuses = [_post(base + login_path, wrong) for base in (first, second, first)]
    assert statuses == [200, 200, 200]  # the sign-in page again, with the error message
    # The fourth failure, on the process that has seen only one of them, is refused: the count
    # is shared. (With per-process memory it would answer 200 here.)
    assert _post(second + login_path, wrong) == 429
    assert _post(first + login_path, wrong) == 429
    # Another account is not affected.
    other = {"email": f"other-{account}", "password": "wrong password 1"}
    assert _post(second + login_path, other) == 200
