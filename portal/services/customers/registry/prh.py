"""The Finnish PRH open data (YTJ API v3, ``GET {PORTAL_REGISTRY_PRH_URL}/companies?
businessId=2077474-0``).

Answer (PRH's OpenAPI ``opendata-ytj-api/v3/schema``)::

    {"totalResults": 1, "companies": [{
        "businessId": {"value": "2077474-0", "registrationDate": "...", "source": "3"},
        "names": [{"name": "...", "type": "1", "version": 1, "endDate": null, ...}],
        "mainBusinessLine": {"type": "62010", "descriptions": [{"languageCode": "3",
                             "description": "Computer programming activities"}, ...]},
        "website": {"url": "www.example.fi", ...},
        "companySituations": [{"type": "SELTILA", "registrationDate": "...", ...}],
        "addresses": [{"type": 1, "street": "...", "buildingNumber": "7", "postCode": "02610",
                       "postOffices": [{"city": "ESPOO", "languageCode": "1"}, ...],
                       "postOfficeBox": "", "co": "", "country": "FI"}, {"type": 2, ...}],
        "tradeRegisterStatus": "1", "status": "2", "endDate": null, ...}]}

Address type 1 is the street (visiting) address, 2 the postal address. Name type 1 with
version 1 and no end date is the current name. Language codes: 1 Finnish, 2 Swedish,
3 English. ``companySituations``: SANE restructuring, SELTILA liquidation, KONK bankruptcy;
``tradeRegisterStatus`` 2 (removed) or 4 (ceased), or an ``endDate``, mean the company ended.
"""

from __future__ import annotations

from typing import Any

from portal.services.customers.registry import Address, Record, RegistryUnavailable
from portal.services.customers.registry.http import Settings, request_json

_SITUATIONS = {"SANE": "restructuring", "SELTILA": "liquidation", "KONK": "bankrupt"}
_ENDED = {"2", "4"}


def _address(raw: dict[str, Any]) -> Address:
    street = " ".join(
        str(raw[part]).strip()
        for part in ("street", "buildingNumber", "entrance", "apartmentNumber")
        if raw.get(part)
    )
    if not street and raw.get("postOfficeBox"):
        street = f"PL {raw['postOfficeBox']}"
    offices = [p for p in raw.get("postOffices") or [] if isinstance(p, dict)]
    finnish = [p for p in offices if p.get("languageCode") == "1"] or offices
    city = finnish[0].get("city") if finnish else None
    return Address(street or None, raw.get("postCode") or None, city, raw.get("country") or "FI")


def _description(value: dict[str, Any] | None) -> str | None:
    if not value:
        return None
    texts = {d.get("languageCode"): d.get("description") for d in value.get("descriptions") or []}
    text = texts.get("3") or texts.get("1")
    return " ".join(part for part in (value.get("type"), text) if part) or None


def _name(company: dict[str, Any]) -> str | None:
    names = [n for n in company.get("names") or [] if isinstance(n, dict)]
    current = [n for n in names if n.get("type") == "1" and not n.get("endDate")]
    chosen = sorted(current or names, key=lambda n: n.get("version") or 0)
    return chosen[0].get("name") if chosen else None


def _status(company: dict[str, Any]) -> tuple[str, str | None]:
    if company.get("endDate") or company.get("tradeRegisterStatus") in _ENDED:
        return "ceased", company.get("endDate") or None
    for situation in company.get("companySituations") or []:
        if situation.get("type") in _SITUATIONS and not situation.get("endDate"):
            return _SITUATIONS[situation["type"]], situation.get("registrationDate")
    return "active", None


def parse(business_id: str, company: dict[str, Any]) -> Record:
    addresses = {a.get("type"): _address(a) for a in company.get("addresses") or []}
    street, postal = addresses.get(1), addresses.get(2)
    status, since = _status(company)
    return Record(
        "prh",
        business_id,
        found=True,
        name=_name(company),
        business_id=(company.get("businessId") or {}).get("value") or business_id,
        postal=postal or street,
        visiting=street if postal is not None and street != postal else None,
        website=(company.get("website") or {}).get("url") or None,
        status=status,
        status_date=since,
        industry=_description(company.get("mainBusinessLine")),
    )


def fetch(settings: Settings, business_id: str) -> Record:
    """Looks up a Finnish business id in its ``2077474-0`` form."""
    answer = request_json(
        settings, "GET", f"{settings.prh_url}/companies", params={"businessId": business_id}
    )
    if answer.status in (400, 404):
        return Record("prh", business_id, found=False)
    if answer.status != 200 or not isinstance(answer.data, dict):
        raise RegistryUnavailable(f"HTTP {answer.status}")
    companies = [c for c in answer.data.get("companies") or [] if isinstance(c, dict)]
    if not companies:
        return Record("prh", business_id, found=False)
    return parse(business_id, companies[0])
