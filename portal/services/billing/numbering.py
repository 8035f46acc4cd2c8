"""Gapless, unique document numbers (``INV-000001``, ``EST-000001``, ``CN-000001``, ``C-000001``).

The counter row of a series is read and incremented in the transaction that uses the number:

* PostgreSQL: ``UPDATE number_sequences SET next_value = next_value + 1 ... RETURNING`` takes a
  row lock that concurrent issuers wait on until this transaction ends;
* SQLite: the transaction is a write transaction begun with ``BEGIN IMMEDIATE``
  (:func:`portal.models.database.begin_write`), which serialises writers on the database lock.

A transaction that rolls back gives its number back (nothing was committed), so the series has
no gaps; the unique constraint on the number columns is the backstop.
"""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import NumberSequence
from portal.models.database import begin_write
from portal.services.platform import settings

SERIES_PREFIX_SETTING = {
    "invoice": "invoice_prefix",
    "estimate": "estimate_prefix",
    "credit_note": "credit_note_prefix",
    "customer": "customer_prefix",
}


def next_value(series: str) -> int:
    """Takes the next value of ``series`` inside the current transaction."""
    if series not in SERIES_PREFIX_SETTING:
        raise ValueError(f"unknown number series {series!r}")
    session = db.session()
    begin_write(session)
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.name == series)
        .values(next_value=NumberSequence.next_value + 1)
        .returning(NumberSequence.next_value)
    )
    taken = session.execute(stmt).scalar_one_or_none()
    if taken is None:
        # First use of the series: create its row. Two first users race on the primary key;
        # the loser retries the UPDATE inside a savepoint-free retry.
        try:
            with session.begin_nested():
                session.execute(insert(NumberSequence).values(name=series, next_value=2))
            return 1
        except IntegrityError:
            taken = session.execute(stmt).scalar_one()
    return taken - 1


def format_number(series: str, value: int) -> str:
    return f"{settings.get(SERIES_PREFIX_SETTING[series])}{value:06d}"


def next_number(series: str) -> str:
    """The next formatted number of ``series``, e.g. ``INV-000042``."""
    return format_number(series, next_value(series))
