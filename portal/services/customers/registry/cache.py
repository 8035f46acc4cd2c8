"""What look-ups leave behind, written in short transactions of their own: the answers (kept a
day in ``registry_answers``, shared by every app host and the CLI), the VAT check mark on the
customer and the customer's registry report.

A look-up may take seconds, so it never runs inside a request's write transaction (on SQLite
that would hold the database lock meanwhile); its results are written here afterwards, on a
session of their own, like the API's ``last_used_at``: a plain statement, not audited, the
customer's ``updated_at`` untouched (they are facts about the registry, not changes by staff).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.models import Customer, RegistryAnswer, RegistryReport
from portal.models.base import utcnow
from portal.models.database import begin_write
from portal.services.customers.registry import Comparison, Lookup, Record

#: How long an answer is used before the registry is asked again.
MAX_AGE = timedelta(days=1)


def _session() -> Session:
    return Session(bind=db.engine, expire_on_commit=False)


def fresh(
    keys: Iterable[tuple[str, str]], now: datetime | None = None
) -> dict[tuple[str, str], Lookup]:
    """The cached answers younger than a day for these ``(source, key)`` pairs."""
    wanted = list(keys)
    if not wanted:
        return {}
    since = (now or utcnow()) - MAX_AGE
    with _session() as session:
        rows = session.scalars(
            select(RegistryAnswer).where(
                tuple_(RegistryAnswer.source, RegistryAnswer.lookup_key).in_(wanted),
                RegistryAnswer.fetched_at >= since,
            )
        ).all()
        return {
            (row.source, row.lookup_key): Lookup(
                row.source,
                row.lookup_key,
                record=Record.from_json(row.data),
                fetched_at=row.fetched_at.isoformat(),
            )
            for row in rows
        }


def _upsert(session: Session, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE (both backends have it): concurrent writers of the
    same key, on several hosts, never fail on each other."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changes = {k: statement.excluded[k] for k in values if k not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))


def _store_answers(session: Session, lookups: Iterable[Lookup], now: datetime) -> None:
    for lookup in lookups:
        if lookup.record is None or lookup.fetched_at is not None:
            continue  # unavailable (never cached) or already from the cache
        lookup.fetched_at = now.isoformat()
        _upsert(
            session,
            RegistryAnswer.__table__,  # type: ignore[arg-type]
            {
                "source": lookup.source,
                "lookup_key": lookup.key,
                "fetched_at": now,
                "found": lookup.record.found,
                "data": lookup.record.to_json(),
            },
            ["source", "lookup_key"],
        )


def report_values(customer_id: int, comparison: Comparison, now: datetime) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "checked_at": now,
        "outcome": comparison.outcome,
        "differences": comparison.differences_json(),
        "findings": comparison.findings,
    }


def save_report(session: Session, customer_id: int, comparison: Comparison) -> None:
    """Replaces the customer's report (in ``session``'s transaction)."""
    values = report_values(customer_id, comparison, utcnow())
    _upsert(session, RegistryReport.__table__, values, ["customer_id"])  # type: ignore[arg-type]


def _vat_checked_at(comparison: Comparison, now: datetime) -> datetime:
    """When the registry that judged the VAT number answered (a cached answer keeps its
    time)."""
    for lookup in comparison.lookups:
        if lookup.source == comparison.vat_source and lookup.fetched_at:
            return datetime.fromisoformat(lookup.fetched_at)
    return now


def record(
    lookups: list[Lookup], customer_id: int | None = None, comparison: Comparison | None = None
) -> None:
    """Stores new answers and, for a customer, its VAT check mark and report; committed at
    once on a session of its own."""
    now = utcnow()
    with _session() as session:
        begin_write(session)
        _store_answers(session, lookups, now)
        if customer_id is not None and comparison is not None:
            if comparison.vat_valid is not None:
                session.execute(
                    update(Customer)
                    .where(Customer.id == customer_id)
                    .values(
                        vat_checked_at=_vat_checked_at(comparison, now),
                        vat_valid=comparison.vat_valid,
                        updated_at=Customer.updated_at,
                    )
                    .execution_options(synchronize_session=False)
                )
            save_report(session, customer_id, comparison)
        session.commit()
