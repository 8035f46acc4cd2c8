"""The three registry clients against local fake registries serving answers in the recorded
shapes: VIES valid and invalid, a Finnish company with two addresses, a dissolved Norwegian
company, a timeout (bounded), a 500 (bounded retries), and the shared one-day cache."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.models import RegistryAnswer
from portal.models.base import utcnow
from portal.services.customers.registry import Address, checks, compare
from portal.services.customers.registry.checks import Numbers, look_up
from tests.registry import recorded
from tests.registry.conftest import Reply


def one(numbers: Numbers, source: str):
    return next(lookup for lookup in look_up(numbers) if lookup.source == source)


def test_vies_valid_number_with_name_and_address(registries):
    registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    lookup = one(Numbers("FI20774740", None, "FI"), "vies")
    record = lookup.record
    assert (record.found, record.name) == (True, "Revontuli Software Oy")
    assert record.postal == Address("Karakaari 7", "02610", "ESPOO", "FI")
    method, path, _query, body = registries.calls_to("/vies")[0]
    assert (method, path, body) == (
        "POST",
        "/vies/check-vat-number",
        {"countryCode": "FI", "vatNumber": "20774740"},
    )


def test_vies_invalid_number(registries):
    registries.reply("POST", "/vies/DE129273398", Reply(200, recorded.VIES_INVALID))
    comparison = checks.build(
        Numbers("DE129273398", None, "DE"), {}, look_up(Numbers("DE129273398", None, "DE"))
    )
    assert comparison.vat_valid is False
    assert comparison.findings == [{"code": "vat_invalid", "source": "vies"}]
    assert comparison.outcome == "problem"


def test_vies_member_state_unavailable_is_no_answer(registries):
    registries.reply("POST", "/vies/DE136695976", Reply(200, recorded.VIES_MS_UNAVAILABLE))
    lookup = one(Numbers("DE136695976", None, "DE"), "vies")
    assert lookup.unavailable and lookup.record is None
    assert db.session.scalar(select(RegistryAnswer.source)) is None  # never cached


def test_prh_company_with_two_addresses(registries):
    registries.reply(
        "GET", "/prh/companies?businessId=2077474-0", Reply(200, recorded.PRH_TWO_ADDRESSES)
    )
    record = one(Numbers(None, "2077474-0", "FI"), "prh").record
    assert record.name == "Revontuli Software Oy"  # the current name, not the former one
    assert record.postal == Address("PL 226", "02601", "ESPOO", "FI")
    assert record.visiting == Address("Karakaari 7", "02610", "ESPOO", "FI")
    assert (record.website, record.status) == ("www.revontuli.example", "active")
    assert record.industry == "62010 Computer programming activities"
    rows = {row.field: row for row in compare({"billing_city": "Espoo"}, [record])}
    assert rows["billing_street"].registry == "PL 226"
    assert rows["shipping_street"].registry == "Karakaari 7"
    assert not rows["billing_city"].differs  # ESPOO and Espoo are the same


def test_a_finnish_vat_number_also_asks_prh(registries):
    registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    registries.reply(
        "GET", "/prh/companies?businessId=2077474-0", Reply(200, recorded.PRH_TWO_ADDRESSES)
    )
    lookups = look_up(Numbers("FI20774740", None, "FI"))
    assert [(lookup.source, lookup.key) for lookup in lookups] == [
        ("vies", "FI20774740"),
        ("prh", "2077474-0"),
    ]


def test_prh_unknown_business_id(registries):
    registries.reply("GET", "/prh/companies?businessId=0112038-9", Reply(200, recorded.PRH_NONE))
    lookup = one(Numbers(None, "0112038-9", "FI"), "prh")
    assert lookup.record.found is False


def test_brreg_dissolved_company(registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(410, recorded.BRREG_DELETED))
    numbers = Numbers("NO988077917MVA", "988077917", "NO")
    comparison = checks.build(numbers, {"is_active": True}, look_up(numbers))
    record = comparison.lookups[0].record
    assert (record.status, record.status_date) == ("ceased", "2025-08-09")
    assert {"code": "ceased", "source": "brreg", "date": "2025-08-09"} in comparison.findings
    assert comparison.vat_valid is False  # a deleted company is no longer in the VAT register
    (row,) = [row for row in comparison.rows if row.field == "is_active"]
    assert row.differs and row.registry is False


def test_brreg_active_and_bankrupt(registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(200, recorded.BRREG_ACTIVE))
    record = one(Numbers(None, "988077917", "NO"), "brreg").record
    assert (record.name, record.status, record.vat_registered) == ("FJORDLYS AS", "active", True)
    assert record.postal == Address("Postboks 123", "5808", "BERGEN", "NO")
    assert record.visiting == Address("Bryggen 1", "5003", "BERGEN", "NO")
    registries.reply("GET", "/brreg/enheter/988077917", Reply(200, recorded.BRREG_BANKRUPT))
    record = one(Numbers(None, "988077917", "NO"), "brreg").record
    assert (record.status, record.status_date) == ("bankrupt", "2026-02-01")


def test_a_timeout_gives_up_in_bounded_time(registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(200, recorded.BRREG_ACTIVE, delay=5))
    started = time.monotonic()
    lookup = one(Numbers(None, "988077917", "NO"), "brreg")
    elapsed = time.monotonic() - started
    assert lookup.unavailable
    assert elapsed < 2.5  # the timeout is 1 s in these tests; no retry after a read timeout
    assert len(registries.calls_to("/brreg")) == 1


def test_a_500_is_retried_a_bounded_number_of_times(registries):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(500, {"error": "oops"}))
    lookup = one(Numbers(None, "988077917", "NO"), "brreg")
    assert lookup.unavailable
    assert len(registries.calls_to("/brreg")) == 3


def test_a_500_then_an_answer_succeeds(registries):
    registries.reply(
        "GET",
        "/brreg/enheter/988077917",
        Reply(503, None),
        Reply(200, recorded.BRREG_ACTIVE),
    )
    lookup = one(Numbers(None, "988077917", "NO"), "brreg")
    assert lookup.record.name == "FJORDLYS AS"
    assert len(registries.calls_to("/brreg")) == 2


def test_a_refused_connection_is_unavailable(app, registries):
    app.config["REGISTRY_BRREG_URL"] = "http://127.0.0.1:9/brreg"
    started = time.monotonic()
    lookup = one(Numbers(None, "988077917", "NO"), "brreg")
    assert lookup.unavailable and time.monotonic() - started < 3


def test_answers_are_cached_for_a_day_in_the_shared_table(registries):
    registries.reply("POST", "/vies/FI20774740", Reply(200, recorded.VIES_VALID))
    numbers = Numbers("FI20774740", None, "FI")
    first = one(numbers, "vies")
    checks.cache.record([first])
    second = one(numbers, "vies")
    assert second.record == first.record
    assert len(registries.calls_to("/vies")) == 1  # the second came from the table
    stored = db.session.scalar(select(RegistryAnswer))
    assert (stored.source, stored.lookup_key, stored.found) == ("vies", "FI20774740", True)
    db.session.execute(update(RegistryAnswer).values(fetched_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    one(numbers, "vies")
    assert len(registries.calls_to("/vies")) == 2


@pytest.mark.parametrize("status", [400, 404])
def test_brreg_unknown_number(registries, status):
    registries.reply("GET", "/brreg/enheter/988077917", Reply(status, {"feilmelding": "?"}))
    assert one(Numbers(None, "988077917", "NO"), "brreg").record.found is False
