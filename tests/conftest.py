"""Fixtures: one app per test session on a schema built by the migrations, every test starting
from empty tables, factory fixtures that tell stories, and guards against surprises.

The database is SQLite in a temporary folder, or PostgreSQL when ``PORTAL_TEST_DATABASE_URL``
is set (``.ci/run`` does both). The PostgreSQL database's ``public`` schema is dropped and built
again at the start of each run.
"""

from __future__ import annotations

import os
import smtplib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from portal import create_app
from portal.extensions import db
from portal.models import (
    Contact,
    Currency,
    Customer,
    Estimate,
    EstimateLine,
    Invoice,
    InvoiceLine,
    Role,
    Staff,
)
from portal.models.database import begin_write
from portal.services import customers
from portal.services.billing.totals import recalculate
from portal.services.customers import contacts, currencies
from portal.services.identity import passwords
from portal.services.identity import staff as staff_service
from portal.services.platform.audit import SYSTEM, acting_as

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
PASSWORD = "correct horse battery"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if PG_URL:
        _reset_postgres(PG_URL)
        return PG_URL
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app_config(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "BASE_URL": "http://portal.test",
        "RATELIMIT_ENABLED": False,
        "SQLITE_BUSY_TIMEOUT_MS": 60000,
        # Nothing in the suite reaches the internet: registry tests start local fakes and
        # point these at them; everything else gets a refused connection on port 9.
        "REGISTRY_VIES_URL": "http://127.0.0.1:9/vies",
        "REGISTRY_PRH_URL": "http://127.0.0.1:9/prh",
        "REGISTRY_BRREG_URL": "http://127.0.0.1:9/brreg",
    }


@pytest.fixture(scope="session")
def _app(app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(app_config)
    with app.app_context():
        upgrade()
        db.session.remove()
    yield app
    with app.app_context():
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # Checked at commit, when every table is empty: self-references such as a credit
            # note's invoice do not get in the way of the deletes.
            conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
            for table in tables:
                conn.execute(table.delete())
        conn.execute(
            text(
                "INSERT INTO number_sequences (name, next_value) VALUES "
                "('invoice', 1), ('estimate', 1), ('credit_note', 1), ('customer', 1)"
            )
        )


@pytest.fixture
def app(_app: Flask) -> Iterator[Flask]:
    """The app with an application context and empty tables (pytest-flask uses it too)."""
    with _app.app_context():
        _empty_all_tables()
        db.session.remove()
        yield _app
        db.session.remove()


@pytest.fixture(autouse=True)
def _no_unexpected_smtp(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    """Fails a test that opens an SMTP connection without asking for ``smtp_server`` (a real
    capture server) or ``allow_smtp`` (tests of an unreachable server)."""
    if {"smtp_server", "allow_smtp"} & set(request.fixturenames):
        return

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("unexpected SMTP connection in a test without smtp_server")

    monkeypatch.setattr(smtplib.SMTP, "connect", refuse)


@pytest.fixture
def allow_smtp() -> None:
    """Lets a test open SMTP connections (e.g. to a port where no server listens)."""


# -- query counting ---------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], Any]:
    """``with count_queries() as q: ...; q.count`` counts the SQL statements run inside."""

    @contextmanager
    def counter() -> Iterator[QueryCounter]:
        result = QueryCounter()

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if (
                not statement.lstrip()
                .upper()
                .startswith(("BEGIN", "PRAGMA", "SAVEPOINT", "RELEASE", "COMMIT", "ROLLBACK"))
            ):
                result.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield result
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counter


# -- factories --------------------------------------------------------------------------------


@pytest.fixture
def write(app: Flask) -> Callable[[], None]:
    """Starts a write transaction (what a POST request does) before a test calls services."""
    return lambda: begin_write(db.session)


@pytest.fixture
def make_currency(app: Flask) -> Callable[..., Currency]:
    def make(
        code: str = "EUR", symbol: str = "€", decimal_places: int = 2, is_default: bool = False
    ) -> Currency:
        existing = db.session.scalar(db.select(Currency).where(Currency.code == code))
        if existing is not None:
            return existing
        begin_write(db.session) if not db.session.info.get("flushed") else None
        with acting_as(SYSTEM):
            currency = currencies.create_currency(
                {
                    "code": code,
                    "symbol": symbol,
                    "decimal_places": decimal_places,
                    "is_default": is_default,
                }
            )
            db.session.commit()
        return currency

    return make


@pytest.fixture
def make_customer(app: Flask, make_currency: Callable[..., Currency]) -> Callable[..., Customer]:
    counter = {"n": 0}

    def make(company_name: str | None = None, *, currency: str = "EUR", **data: Any) -> Customer:
        make_currency("EUR", "€", 2, True)
        if currency != "EUR":
            make_currency(currency, currency, 0 if currency == "JPY" else 2)
        counter["n"] += 1
        begin_write(db.session)
        with acting_as(SYSTEM):
            customer = customers.create_customer(
                {
                    "company_name": company_name or f"Customer {counter['n']} Ltd",
                    "currency": currency,
                    **data,
                }
            )
            db.session.commit()
        return customer

    return make


@pytest.fixture
def make_contact(app: Flask, make_customer: Callable[..., Customer]) -> Callable[..., Contact]:
    counter = {"n": 0}

    def make(
        customer: Customer | None = None, *, password: str | None = PASSWORD, **data: Any
    ) -> Contact:
        customer = customer or make_customer()
        counter["n"] += 1
        fields = {
            "first_name": "Test",
            "last_name": f"Contact{counter['n']}",
            "email": f"contact{counter['n']}@example.com",
            **data,
        }
        begin_write(db.session)
        with acting_as(SYSTEM):
            contact = contacts.create_contact(customer, fields)
            if password:
                contact.password_hash = passwords.hash_password(password)
            db.session.commit()
        return contact

    return make


@pytest.fixture
def make_staff(app: Flask) -> Callable[..., Staff]:
    counter = {"n": 0}

    def make(
        permissions: list[str] | None = None,
        *,
        email: str | None = None,
        language: str | None = None,
    ) -> Staff:
        counter["n"] += 1
        begin_write(db.session)
        with acting_as(SYSTEM):
            if permissions is None:
                role = staff_service.administrator_role()
            else:
                role = Role(name=f"Role {counter['n']}")
                role.set_permissions(permissions)
                db.session.add(role)
            staff = staff_service.create_staff(
                {
                    "email": email or f"staff{counter['n']}@example.com",
                    "name": f"Staff {counter['n']}",
                    "language": language,
                },
                role,
                PASSWORD,
            )
            db.session.commit()
        return staff

    return make


def _lines(model: type, lines: list[tuple[str, str, str, str]] | None) -> list[Any]:
    lines = lines or [("Consulting", "2", "100.00", "24")]
    return [
        model(
            position=i,
            description=d,
            quantity=Decimal(q),
            unit_price=Decimal(p),
            tax_percent=Decimal(t),
            discount_percent=Decimal(0),
        )
        for i, (d, q, p, t) in enumerate(lines)
    ]


@pytest.fixture
def make_invoice(app: Flask, make_customer: Callable[..., Customer]) -> Callable[..., Invoice]:
    from portal.services import billing

    def make(
        customer: Customer | None = None,
        *,
        issue: bool = False,
        lines: list[tuple[str, str, str, str]] | None = None,
    ) -> Invoice:
        customer = customer or make_customer()
        begin_write(db.session)
        with acting_as(SYSTEM):
            customer = db.session.merge(customer)
            invoice = Invoice(
                customer=customer,
                currency=customer.currency,
                status="draft",
                kind="invoice",
                lines=_lines(InvoiceLine, lines),
            )
            db.session.add(invoice)
            recalculate(invoice)
            if issue:
                billing.issue_invoice(invoice)
            db.session.commit()
        return invoice

    return make


@pytest.fixture
def make_estimate(app: Flask, make_customer: Callable[..., Customer]) -> Callable[..., Estimate]:
    from portal.services import billing

    def make(customer: Customer | None = None, *, send: bool = False) -> Estimate:
        customer = customer or make_customer()
        begin_write(db.session)
        with acting_as(SYSTEM):
            customer = db.session.merge(customer)
            estimate = Estimate(
                customer=customer,
                currency=customer.currency,
                status="draft",
                lines=_lines(EstimateLine, None),
            )
            db.session.add(estimate)
            recalculate(estimate)
            if send:
                billing.send_estimate(estimate)
            db.session.commit()
        return estimate

    return make


# -- signing in -------------------------------------------------------------------------------


@pytest.fixture
def login_staff(client: FlaskClient, make_staff: Callable[..., Staff]) -> Callable[..., Staff]:
    def login(staff: Staff | None = None, *, permissions: list[str] | None = None) -> Staff:
        staff = staff or make_staff(permissions)
        response = client.post("/admin/login", data={"email": staff.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return staff

    return login


@pytest.fixture
def login_contact(client: FlaskClient) -> Callable[[Contact], Contact]:
    def login(contact: Contact) -> Contact:
        response = client.post(
            "/clients/login", data={"email": contact.email, "password": PASSWORD}
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return contact

    return login


# -- a real SMTP server on loopback -----------------------------------------------------------


class CapturedMail:
    """Messages received by the aiosmtpd server, parsed with the standard library."""

    def __init__(self) -> None:
        import threading

        self.messages: list[Any] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = CapturedMail()
        self.controller: Any = None

    @property
    def messages(self) -> list[Any]:
        return self.handler.messages

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[SMTPServer]:
    """A running aiosmtpd server on a free loopback port; the app is configured to use it."""
    server = SMTPServer(free_port())
    server.start()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", server.port)
    monkeypatch.setitem(app.config, "MAIL_SENDER", "portal@example.com")
    try:
        yield server
    finally:
        server.stop()
