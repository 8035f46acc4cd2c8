"""Registry checks: which registries to ask for a customer (or a new customer's form), asking
them (in parallel, within a bounded time), comparing, and applying what staff ticked.

Nothing here changes a customer by itself: a check records answers, the VAT check mark and the
customer's report (:mod:`.cache`); :func:`apply` writes only the fields staff chose, through
:func:`portal.services.customers.update_customer`, so the change is validated and audited
like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from portal.extensions import db
from portal.models import Customer
from portal.models.database import begin_write
from portal.services import customers
from portal.services.customers.registry import (
    FIELDS,
    Comparison,
    Lookup,
    Record,
    brreg,
    cache,
    compare,
    findings,
    prh,
    vies,
)
from portal.services.customers.registry.http import Settings
from portal.services.customers.registry.numbers import (
    VIES_PREFIXES,
    NumberError,
    finnish_business_id,
    normalise_business_id,
    normalise_vat,
    norwegian_orgnr,
    vat_country,
)
from portal.services.errors import ConflictError, ValidationError

log = logging.getLogger("portal.registry")

FETCHERS: dict[str, Callable[[Settings, str], Record]] = {
    "vies": vies.fetch,
    "prh": prh.fetch,
    "brreg": brreg.fetch,
}


def settings() -> Settings:
    config = current_app.config
    return Settings(
        vies_url=str(config["REGISTRY_VIES_URL"]).rstrip("/"),
        prh_url=str(config["REGISTRY_PRH_URL"]).rstrip("/"),
        brreg_url=str(config["REGISTRY_BRREG_URL"]).rstrip("/"),
        timeout=float(config["REGISTRY_TIMEOUT"]),
    )


@dataclass(frozen=True)
class Numbers:
    """The normalised numbers a look-up starts from."""

    vat: str | None
    business_id: str | None
    country: str | None

    def plan(self) -> list[tuple[str, str]]:
        """``(source, key)`` pairs: VIES for an EU VAT number, PRH for a Finnish and Brreg
        for a Norwegian business id (taken from the VAT number when none is given)."""
        vat, own_id = self.vat or "", self.business_id
        wanted = [("vies", vat)] if vat[:2] in VIES_PREFIXES else []
        if self.country == "FI" and own_id:
            wanted.append(("prh", own_id))
        elif vat.startswith("FI"):
            wanted.append(("prh", finnish_business_id(vat)))
        if self.country == "NO" and own_id:
            wanted.append(("brreg", own_id))
        elif vat.startswith("NO"):
            wanted.append(("brreg", norwegian_orgnr(vat)))
        return wanted


def numbers_of(data: Mapping[str, Any]) -> Numbers:
    """The numbers of submitted data (a form), checked by their check digits before any
    registry is asked: a wrong one raises :class:`ValidationError` naming the field."""
    errors: dict[str, str] = {}
    vat = business_id = None
    raw_vat = str(data.get("vat_number") or "").strip()
    raw_id = str(data.get("business_id") or "").strip()
    if raw_vat:
        try:
            vat = normalise_vat(raw_vat)
        except NumberError as exc:
            errors["vat_number"] = str(exc)
    country = str(data.get("billing_country") or "").strip().upper() or None
    country = country or (vat_country(vat) if vat else None)
    if raw_id:
        try:
            business_id = normalise_business_id(raw_id, country)
        except NumberError as exc:
            errors["business_id"] = str(exc)
    if errors:
        raise ValidationError(_("Please correct the marked fields."), fields=errors)
    return Numbers(vat, business_id, country)


def customer_numbers(customer: Customer) -> Numbers:
    """A stored customer's numbers; an old value that fails its check is left out."""
    try:
        vat = normalise_vat(customer.vat_number) if customer.vat_number else None
    except NumberError:
        vat = None
    country = customer.billing_country or (vat_country(vat) if vat else None)
    return Numbers(vat, customer.business_id, country)


def customer_values(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in FIELDS}


# -- asking -----------------------------------------------------------------------------------


def _fetch(wanted: list[tuple[str, str]], config: Settings) -> list[Lookup]:
    """Asks the registries in parallel; whatever has not answered by the deadline (twice the
    timeout and a second, enough for the retries) counts as unavailable."""
    if not wanted:
        return []
    pool = ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="registry")
    futures = {pool.submit(FETCHERS[source], config, key): (source, key) for source, key in wanted}
    done, _pending = wait(futures, timeout=config.timeout * 2 + 1)
    pool.shutdown(wait=False, cancel_futures=True)
    lookups = []
    for future, (source, key) in futures.items():
        error = future.exception() if future in done else TimeoutError("deadline")
        if error is None:
            lookups.append(Lookup(source, key, record=future.result()))
        else:
            log.warning("registry %s unavailable for %s: %r", source, key, error)
            lookups.append(Lookup(source, key, unavailable=True))
    return lookups


def look_up(numbers: Numbers, *, network: bool = True) -> list[Lookup]:
    """The answers for ``numbers``: from the cache when younger than a day, else asked (with
    ``network=False`` missing answers stay missing)."""
    wanted = numbers.plan()
    cached = cache.fresh(wanted)
    missing = [pair for pair in wanted if pair not in cached]
    asked = _fetch(missing, settings()) if network else []
    by_pair = {**cached, **{(lookup.source, lookup.key): lookup for lookup in asked}}
    return [by_pair[pair] for pair in wanted if pair in by_pair]


def _vat_verdict(numbers: Numbers, records: list[Record]) -> tuple[bool | None, str | None]:
    for record in records:
        if record.source == "vies":
            return record.found, "vies"
    if numbers.vat and numbers.vat.startswith("NO"):
        for record in records:
            if record.source == "brreg" and record.key == norwegian_orgnr(numbers.vat):
                return bool(record.found and record.vat_registered), "brreg"
    return None, None


def build(numbers: Numbers, ours: Mapping[str, Any], lookups: list[Lookup]) -> Comparison:
    records = [lookup.record for lookup in lookups if lookup.record is not None]
    vat_valid, vat_source = _vat_verdict(numbers, records)
    rows = [row for row in compare(ours, records) if row.field in ours]
    return Comparison(
        lookups=lookups,
        rows=rows,
        findings=findings(records, lookups, vat_valid, vat_source),
        vat_valid=vat_valid,
        vat_source=vat_source,
    )


def check_customer(customer: Customer) -> Comparison:
    """Asks the registries about a customer and records the answers, the VAT check mark and
    the customer's report. Never changes the customer's own data."""
    numbers = customer_numbers(customer)
    ours = customer_values(customer)
    lookups = look_up(numbers)
    comparison = build(numbers, ours, lookups)
    cache.record(lookups, customer.id, comparison)
    return comparison


def check_data(data: Mapping[str, Any]) -> Comparison:
    """The comparison for a new customer's form (its values are "ours")."""
    numbers = numbers_of(data)
    lookups = look_up(numbers)
    cache.record(lookups)
    ours = {name: data.get(name) for name in FIELDS if name != "is_active"}
    return build(numbers, ours, lookups)


def cached_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """The registry's values that differ from the form's, from the cache only."""
    numbers = numbers_of(data)
    ours = {name: data.get(name) for name in FIELDS if name != "is_active"}
    comparison = build(numbers, ours, look_up(numbers, network=False))
    return {row.field: row.registry for row in comparison.differences}


@contextmanager
def outside_write_transaction() -> Iterator[None]:
    """For a POST that asks a registry: ends its (still empty) write transaction while the
    registries answer, so the database lock is not held for seconds on SQLite, and begins a
    new one afterwards."""
    session = db.session
    if session.new or session.dirty or session.deleted or session.info.get("flushed"):
        raise RuntimeError("a registry look-up must come before any write")
    session.rollback()
    try:
        yield
    finally:
        begin_write()


# -- applying -----------------------------------------------------------------------------------


def apply(customer: Customer, chosen: Iterable[str]) -> list[str]:
    """Writes the ticked fields that still differ from the registry's answer (from the cache:
    no registry is asked while the change is written). Returns the fields written."""
    numbers = customer_numbers(customer)
    lookups = look_up(numbers, network=False)
    if len(lookups) < len(numbers.plan()):
        raise ConflictError(
            _("The registry's answer is older than a day. Look the company up again."),
            code="registry_answer_expired",
        )
    comparison = build(numbers, customer_values(customer), lookups)
    differing = {row.field: row.registry for row in comparison.differences}
    fields = [name for name in FIELDS if name in set(chosen) and name in differing]
    if not fields:
        raise ValidationError(_("Tick at least one field to take from the registry."))
    data = {name: differing[name] for name in fields if name != "is_active"}
    if data:
        customers.update_customer(customer, data)
    if "is_active" in fields:
        customers.set_active(customer, False)
    after = build(numbers, customer_values(customer), lookups)
    cache.save_report(db.session(), customer.id, after)
    return fields
