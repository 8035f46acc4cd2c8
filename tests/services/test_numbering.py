"""Gapless, unique document numbers: sequential per series with the configured prefix, given back
by a rolled-back transaction, and correct when many threads or processes issue at once, on
SQLite (``BEGIN IMMEDIATE``) and PostgreSQL (row lock on the counter row)."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Customer, Estimate, Invoice, InvoiceLine, NumberSequence, Setting
from portal.models.database import begin_write
from portal.services import billing
from portal.services.billing import numbering
from portal.services.billing.totals import recalculate
from portal.services.platform import settings
from portal.services.platform.audit import SYSTEM, acting_as

THREADS = 12
PROCESSES = 4
ISSUES_PER_PROCESS = 5


def issue(invoice_id: int) -> str:
    """Issues a committed draft in a write transaction of its own, as a POST request would."""
    begin_write(db.session)
    with acting_as(SYSTEM):
        invoice = billing.issue_invoice(db.session.get(Invoice, invoice_id))
        db.session.commit()
    return invoice.number


def send(estimate_id: int) -> str:
    begin_write(db.session)
    with acting_as(SYSTEM):
        estimate = billing.send_estimate(db.session.get(Estimate, estimate_id))
        db.session.commit()
    return estimate.number


def create_and_issue(customer_id: int) -> str:
    """Creates a draft invoice and issues it in one write transaction, then commits."""
    begin_write(db.session)
    with acting_as(SYSTEM):
        customer = db.session.get(Customer, customer_id)
        invoice = Invoice(
            customer=customer,
            currency=customer.currency,
            status="draft",
            kind="invoice",
            lines=[
                InvoiceLine(
                    position=0,
                    description="Work",
                    quantity=Decimal(1),
                    unit_price=Decimal("10.00"),
                    tax_percent=Decimal(0),
                    discount_percent=Decimal(0),
                )
            ],
        )
        db.session.add(invoice)
        recalculate(invoice)
        billing.issue_invoice(invoice)
        db.session.commit()
        return invoice.number


def all_invoice_numbers() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invoice.number).order_by(Invoice.number)))


def expected(count: int, prefix: str = "INV-") -> list[str]:
    return [f"{prefix}{n:06d}" for n in range(1, count + 1)]


# -- sequence, prefix, rollback ------------------------------------------------------------------


def test_invoice_numbers_are_sequential(make_invoice: Callable[..., Invoice]) -> None:
    drafts = [make_invoice() for _ in range(3)]
    assert [d.number for d in drafts] == [None, None, None]
    assert [issue(d.id) for d in drafts] == ["INV-000001", "INV-000002", "INV-000003"]
    counter = db.session.get(NumberSequence, "invoice")
    db.session.refresh(counter)
    assert counter.next_value == 4


def test_configured_prefix_is_used(make_invoice: Callable[..., Invoice], write) -> None:
    first = make_invoice()
    assert issue(first.id) == "INV-000001"
    write()
    settings.set_many({"invoice_prefix": "F-"})
    db.session.commit()
    assert db.session.get(Setting, "invoice_prefix").value == "F-"
    # The prefix changes, the counter goes on.
    assert issue(make_invoice().id) == "F-000002"


def test_rolled_back_issue_gives_the_number_back(make_invoice: Callable[..., Invoice]) -> None:
    first, second = make_invoice(), make_invoice()
    begin_write(db.session)
    with acting_as(SYSTEM):
        taken = billing.issue_invoice(db.session.get(Invoice, first.id)).number
    assert taken == "INV-000001"
    db.session.rollback()
    assert db.session.get(Invoice, first.id).number is None
    # The next issue reuses the number: no gap.
    assert issue(second.id) == "INV-000001"
    assert issue(first.id) == "INV-000002"
    assert all_invoice_numbers() == expected(2)


def test_estimates_have_their_own_series(
    make_invoice: Callable[..., Invoice], make_estimate: Callable[..., Estimate], write
) -> None:
    assert issue(make_invoice().id) == "INV-000001"
    assert send(make_estimate().id) == "EST-000001"
    assert send(make_estimate().id) == "EST-000002"
    assert issue(make_invoice().id) == "INV-000002"
    write()
    settings.set_many({"estimate_prefix": "Q-"})
    db.session.commit()
    assert send(make_estimate().id) == "Q-000003"


def test_unknown_series_is_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="unknown number series"):
        numbering.next_value("order")


def test_missing_counter_row_is_created(make_invoice: Callable[..., Invoice], write) -> None:
    """A database whose counter row is missing (e.g. emptied by hand) starts the series at 1."""
    write()
    db.session.delete(db.session.get(NumberSequence, "invoice"))
    db.session.commit()
    assert issue(make_invoice().id) == "INV-000001"
    assert issue(make_invoice().id) == "INV-000002"


# -- concurrency ---------------------------------------------------------------------------------


def test_threads_issuing_at_the_same_moment(
    app: Flask, make_customer: Callable[..., Customer]
) -> None:
    customer_id = make_customer().id
    db.session.remove()  # the test's own connection goes back to the pool
    barrier = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():  # a session of its own
                try:
                    barrier.wait(timeout=30)
                    numbers.append(create_and_issue(customer_id))
                finally:
                    db.session.remove()
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sorted(numbers) == expected(THREADS)
    assert all_invoice_numbers() == expected(THREADS)
    assert db.session.get(NumberSequence, "invoice").next_value == THREADS + 1


def _process_worker(config: dict[str, Any], customer_id: int, barrier: Any, out: Any) -> None:
    """Runs in a spawned child: a fresh app, then several issues one after the other."""
    app = create_app(config)
    with app.app_context():
        try:
            barrier.wait(timeout=120)
            out.put([create_and_issue(customer_id) for _ in range(ISSUES_PER_PROCESS)])
        except BaseException as exc:
            out.put(repr(exc))
            raise
        finally:
            db.session.remove()
            db.engine.dispose()


def test_processes_issuing_at_the_same_moment(
    app: Flask, app_config: dict[str, Any], make_customer: Callable[..., Customer]
) -> None:
    customer_id = make_customer().id
    db.session.remove()
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    out = ctx.Queue()
    processes = [
        ctx.Process(target=_process_worker, args=(app_config, customer_id, barrier, out))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    try:
        results = [out.get(timeout=180) for _ in processes]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * PROCESSES, results
    numbers = [n for result in results for n in result]
    total = PROCESSES * ISSUES_PER_PROCESS
    assert sorted(numbers) == expected(total)
    assert all_invoice_numbers() == expected(total)
    assert db.session.get(NumberSequence, "invoice").next_value == total + 1


# -- SQLite write transactions -------------------------------------------------------------------


@pytest.fixture
def sqlite_app(
    database_url: str, app_config: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Flask]:
    """The suite's app on SQLite; a migrated SQLite app of its own when the suite runs on
    PostgreSQL, so the SQLite write-lock behaviour is checked on every run."""
    if database_url.startswith("sqlite"):
        yield request.getfixturevalue("app")
        return
    other = create_app({**app_config, "DATABASE_URL": f"sqlite:///{tmp_path / 'own.db'}"})
    with other.app_context():
        try:
            upgrade()
            db.session.remove()
            yield other
        finally:
            db.session.remove()
            db.engine.dispose()


def _other_writer_is_locked_out(app: Flask) -> bool:
    """Whether a second, independent connection cannot start a write transaction now."""
    path = db.engine.url.database
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return True
    else:
        other.execute("ROLLBACK")
        return False
    finally:
        other.close()


def test_sqlite_begin_write_takes_the_write_lock(sqlite_app: Flask) -> None:
    assert not _other_writer_is_locked_out(sqlite_app)
    db.session.scalar(select(NumberSequence.next_value).where(NumberSequence.name == "invoice"))
    # A reading (deferred) transaction does not block writers ...
    assert not _other_writer_is_locked_out(sqlite_app)
    # ... begin_write upgrades it (it has not written yet) and holds the lock until commit.
    begin_write(db.session)
    assert db.session.connection().info["write_locked"] is True
    assert _other_writer_is_locked_out(sqlite_app)
    begin_write(db.session)  # idempotent
    db.session.commit()
    assert not _other_writer_is_locked_out(sqlite_app)


def test_sqlite_numbering_takes_the_write_lock(sqlite_app: Flask) -> None:
    """numbering.next_value makes sure of the lock itself when the caller forgot it."""
    assert numbering.next_value("invoice") == 1
    assert _other_writer_is_locked_out(sqlite_app)
    db.session.rollback()
    assert numbering.next_value("invoice") == 1


def test_sqlite_transaction_that_wrote_cannot_be_upgraded(sqlite_app: Flask) -> None:
    settings.set_many({"company_name": "Flushed Ltd"})  # flushed in a deferred transaction
    with pytest.raises(RuntimeError, match="before the transaction writes"):
        begin_write(db.session)
    db.session.rollback()

    db.session.add(Setting(key="company_phone", value="123"))  # pending, not flushed yet
    with pytest.raises(RuntimeError, match="before the transaction writes"):
        begin_write(db.session)
    db.session.rollback()

    # Nothing of the refused transactions was committed, and a fresh one can write.
    assert db.session.get(Setting, "company_name") is None
    begin_write(db.session)
    settings.set_many({"company_name": "Written Ltd"})
    db.session.commit()
    assert settings.get("company_name") == "Written Ltd"
