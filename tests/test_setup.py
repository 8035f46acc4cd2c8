"""The reproducible set-up (issue 14): the lock describes pyproject.toml, missing system
libraries stop the set-up with one apt-get line, and ``make run`` serves with gunicorn."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import lockcheck  # noqa: E402

from tests.conftest import SMTPServer  # noqa: E402


def test_the_committed_lock_matches_pyproject():
    assert lockcheck.problems(ROOT / "pyproject.toml", ROOT / "requirements.lock") == []


def test_the_lock_pins_every_package_with_hashes():
    text = (ROOT / "requirements.lock").read_text()
    pins = lockcheck.PIN.findall(text)
    assert len(pins) > 50
    for name in ("flask", "sqlalchemy", "weasyprint", "babel", "pytest", "gunicorn"):
        assert name in {lockcheck.normalise(n) for n, _ in pins}
    # every pinned requirement carries at least one hash
    blocks = [b for b in text.split("\n") if lockcheck.PIN.match(b)]
    assert len(blocks) == len(pins)
    assert text.count("--hash=sha256:") >= len(pins)


def test_a_changed_range_without_make_lock_fails_the_check(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    assert '"Babel>=2.14"' in text
    pyproject.write_text(text.replace('"Babel>=2.14"', '"Babel>=2.14,<2.19"'))

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts/lockcheck.py"), "--pyproject", str(pyproject)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert "pyproject.toml changed since requirements.lock was made" in result.stderr
    assert "run `make lock`" in result.stderr


def test_a_new_dependency_without_make_lock_is_named(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    text = (ROOT / "pyproject.toml").read_text()
    pyproject.write_text(text.replace('"Pillow>=10",', '"Pillow>=10",\n    "tabulate>=0.9",'))

    found = lockcheck.problems(pyproject, ROOT / "requirements.lock")

    assert any("pins no version of: tabulate" in problem for problem in found)


def test_formatting_changes_in_pyproject_keep_the_lock_valid(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text((ROOT / "pyproject.toml").read_text() + "\n# a comment\n")

    assert lockcheck.problems(pyproject, ROOT / "requirements.lock") == []


def _missing_library_env() -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_SYSTEM_LIBS": "libpango-1.0.so.0=libpango-1.0-0 "
        "libportal-does-not-exist.so.0=libharfbuzz-subset0",
        "PORTAL_SYSTEM_INSTALL": "never",
    }


def test_a_missing_library_stops_the_check_with_one_apt_get_line():
    result = subprocess.run(
        ["bash", str(ROOT / "scripts/check-system.sh")],
        env=_missing_library_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == ["Missing system packages; run: sudo apt-get install -y libharfbuzz-subset0"]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_install_stops_before_python_when_a_library_is_missing(tmp_path):
    # A copy of the project without .venv: nothing may be installed, and no Python runs.
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT,
        checkout,
        ignore=shutil.ignore_patterns(".venv", ".git", "instance", "bench", "node_modules"),
    )

    result = subprocess.run(
        ["make", "--no-print-directory", "install"],
        cwd=checkout,
        env=_missing_library_env(),
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "sudo apt-get install -y libharfbuzz-subset0" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (checkout / ".venv").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request_reset(base: str, email: str) -> int:
    """Asks for a reset link as a browser would (form, CSRF token, cookie); the status."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/clients/reset-password", timeout=10) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token is not None
    form = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email}).encode()
    with opener.open(f"{base}/clients/reset-password", data=form, timeout=10) as answer:
        return answer.status


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_serves_with_gunicorn_and_ends_with_the_demo_logins(tmp_path):
    port = _free_port()
    smtp = SMTPServer(_free_port())
    smtp.start()
    env = {
        "PORTAL_MAIL_SERVER": "127.0.0.1",
        "PORTAL_MAIL_PORT": str(smtp.port),
        **os.environ,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "PORTAL_DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}",
        "PORTAL_UPLOAD_DIR": str(tmp_path / "uploads"),
        "PORTAL_PDF_CACHE_DIR": str(tmp_path / "pdf-cache"),
        "PORTAL_SECRET_KEY": "test-secret-key-for-make-run-0123456789",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    env.pop("PORTAL_BASE_URL", None)
    proc = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    listening_seen = False
    try:
        deadline = time.monotonic() + 120
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            listening_seen = listening_seen or "Listening at:" in line
            if listening_seen and "/clients/login" in line and "contact" in line:
                break
        output = "\n".join(lines)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
            assert response.status == 200
        # Emails go out without a second command: the outbox worker runs beside gunicorn.
        assert _request_reset(f"http://127.0.0.1:{port}", "anna.schmidt@example.com") == 200
        deadline = time.monotonic() + 30
        while not smtp.messages and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [m["To"] for m in smtp.messages] == ["anna.schmidt@example.com"]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        smtp.stop()

    assert "development server" not in output
    listening = next(i for i, line in enumerate(lines) if "Listening at:" in line)
    assert f"http://127.0.0.1:{port}" in lines[listening]
    tail = lines[listening + 1 :]
    # After gunicorn's line: its worker lines, then the banner, which ends the output.
    banner = next(i for i, line in enumerate(tail) if line.startswith("Demo logins"))
    assert tail[banner + 1].split()[:2] == ["staff", f"http://127.0.0.1:{port}/admin/login"]
    assert tail[banner + 2].split()[:2] == ["contact", f"http://127.0.0.1:{port}/clients/login"]
    assert banner + 3 == len(tail)
