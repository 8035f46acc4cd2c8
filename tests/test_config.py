"""Configuration: the generated secret key, ``PORTAL_*`` environment variables and the session
cookie flags."""

from __future__ import annotations

import secrets
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import config, create_app
from portal.extensions import db


@pytest.fixture
def make_app(app_config: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """Builds apps on the suite's database from ``app_config`` plus changes (``key=None``
    removes a key), disposing of their engines afterwards."""
    apps: list[Flask] = []

    def make(**changes: Any) -> Flask:
        settings = {**app_config, **changes}
        settings = {k: v for k, v in settings.items() if v is not None}
        app = create_app(settings)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.engine.dispose()


# -- secret key ----------------------------------------------------------------------------------


def test_secret_key_is_generated_once_with_private_mode(tmp_path: Path) -> None:
    instance = tmp_path / "instance"  # does not exist yet
    key = config._secret_key(instance)
    path = instance / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 32
    assert path.read_text().strip() == key
    # Reused, not regenerated.
    assert config._secret_key(instance) == key
    assert config._secret_key(instance) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A different instance folder gets a different key.
    assert config._secret_key(tmp_path / "other") != key


def test_existing_secret_key_file_is_used(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("a-key-written-by-the-operator\n")
    assert config._secret_key(tmp_path) == "a-key-written-by-the-operator"


def test_workers_starting_together_share_one_secret_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several app processes (gunicorn workers) starting at once on a fresh instance folder must
    end up with the same key, or sessions and CSRF tokens would break between workers. All
    workers here generate a candidate at the same moment (after each found no file)."""
    workers = 8
    barrier = threading.Barrier(workers)
    token_urlsafe = secrets.token_urlsafe

    def candidate(nbytes: int) -> str:
        barrier.wait(timeout=10)
        return token_urlsafe(nbytes)

    monkeypatch.setattr(config.secrets, "token_urlsafe", candidate)
    keys: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            keys.append(config._secret_key(tmp_path))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(keys) == workers
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no leftovers


def test_given_secret_key_wins(make_app: Callable[..., Flask]) -> None:
    assert make_app().config["SECRET_KEY"] == "test-secret-key-not-for-production"


def test_secret_key_from_environment(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_SECRET_KEY", "from-the-environment")
    assert make_app(SECRET_KEY=None).config["SECRET_KEY"] == "from-the-environment"


# -- environment variables -----------------------------------------------------------------------


def test_environment_variables_end_up_in_config(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.com")
    monkeypatch.setenv("PORTAL_MAX_UPLOAD_MB", "20")
    monkeypatch.setenv("PORTAL_MAIL_USE_TLS", "true")
    monkeypatch.setenv("PORTAL_DEFAULT_LOCALE", "de")
    app = make_app(BASE_URL=None)
    assert app.config["BASE_URL"] == "https://portal.example.com"
    assert app.config["MAX_UPLOAD_MB"] == 20
    assert isinstance(app.config["MAX_UPLOAD_MB"], int)
    assert app.config["MAX_CONTENT_LENGTH"] > 20 * 1024 * 1024
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["DEFAULT_LOCALE"] == app.config["BABEL_DEFAULT_LOCALE"] == "de"


def test_defaults_without_environment(make_app: Callable[..., Flask]) -> None:
    app = make_app(BASE_URL=None, UPLOAD_DIR=None)
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["MAX_UPLOAD_MB"] == 10
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["UPLOAD_DIR"] == str(Path(app.instance_path) / "uploads")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == app.config["DATABASE_URL"]


def test_database_url_from_environment(
    monkeypatch: pytest.MonkeyPatch, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'env.db'}"
    monkeypatch.setenv("PORTAL_DATABASE_URL", url)
    app = make_app(DATABASE_URL=None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    with app.app_context():
        assert str(db.engine.url) == url


def test_create_app_mapping_overrides_environment(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTAL_BASE_URL", "https://from-env.example.com")
    assert make_app().config["BASE_URL"] == "http://portal.test"


# -- cookies -------------------------------------------------------------------------------------


def _cookie_flags(app: Flask) -> tuple[bool, bool, str]:
    return (
        app.config["SESSION_COOKIE_SECURE"],
        app.config["SESSION_COOKIE_HTTPONLY"],
        app.config["SESSION_COOKIE_SAMESITE"],
    )


def test_cookies_are_secure_outside_testing_and_debug(
    make_app: Callable[..., Flask], _app: Flask
) -> None:
    app = make_app(TESTING=False, WTF_CSRF_ENABLED=True)
    assert _cookie_flags(app) == (True, True, "Lax")
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    # The real Set-Cookie header of a page that puts a CSRF token in the session.
    response = app.test_client().get("/admin/login", base_url="https://portal.test")
    assert response.status_code == 200
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_cookies_are_not_secure_under_testing(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    assert _cookie_flags(app) == (False, True, "Lax")
    assert app.config["REMEMBER_COOKIE_SECURE"] is False


def test_cookies_are_not_secure_in_debug(make_app: Callable[..., Flask]) -> None:
    app = make_app(TESTING=False, DEBUG=True)
    assert _cookie_flags(app) == (False, True, "Lax")


def test_cookie_secure_can_be_forced(
    make_app: Callable[..., Flask], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert make_app(COOKIE_SECURE=True).config["SESSION_COOKIE_SECURE"] is True
    monkeypatch.setenv("PORTAL_COOKIE_SECURE", "false")
    assert make_app(TESTING=False).config["SESSION_COOKIE_SECURE"] is False
