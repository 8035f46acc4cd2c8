"""The Norwegian Enhetsregisteret of the Brønnøysund Register Centre
(``GET {PORTAL_REGISTRY_BRREG_URL}/enheter/{organisasjonsnummer}``).

Answer (Brreg's open data API documentation, ``Enhet``)::

    {"organisasjonsnummer": "923609016", "navn": "EQUINOR ASA",
     "organisasjonsform": {"kode": "ASA", "beskrivelse": "Allmennaksjeselskap"},
     "hjemmeside": "www.equinor.com",
     "postadresse": {"adresse": ["Postboks 8500"], "postnummer": "4035", "poststed":
                     "STAVANGER", "landkode": "NO", "land": "Norge", ...},
     "forretningsadresse": {"adresse": ["Forusbeen 50"], "postnummer": "4035", ...},
     "naeringskode1": {"kode": "06.100", "beskrivelse": "Utvinning av råolje"},
     "registrertIMvaregisteret": true, "konkurs": false, "underAvvikling": false,
     "underTvangsavviklingEllerTvangsopplosning": false, ...}

A deleted entity answers ``410 Gone`` with ``{"organisasjonsnummer", "navn",
"organisasjonsform", "slettedato": "2022-08-09", "_links"}``; an unknown number 404.
"""

from __future__ import annotations

from typing import Any

from portal.services.customers.registry import Address, Record, RegistryUnavailable
from portal.services.customers.registry.http import Settings, request_json


def _address(raw: Any) -> Address | None:
    if not isinstance(raw, dict):
        return None
    lines = [str(line).strip() for line in raw.get("adresse") or [] if str(line).strip()]
    return Address(
        ", ".join(lines) or None,
        raw.get("postnummer") or None,
        raw.get("poststed") or None,
        raw.get("landkode") or None,
    )


def _status(data: dict[str, Any], deleted: bool) -> tuple[str, str | None]:
    if deleted or data.get("slettedato"):
        return "ceased", data.get("slettedato") or None
    if data.get("konkurs"):
        return "bankrupt", data.get("konkursdato")
    if data.get("underAvvikling") or data.get("underTvangsavviklingEllerTvangsopplosning"):
        return "liquidation", data.get("underAvviklingDato")
    return "active", None


def parse(orgnr: str, data: dict[str, Any], deleted: bool = False) -> Record:
    business, postal = _address(data.get("forretningsadresse")), _address(data.get("postadresse"))
    status, since = _status(data, deleted)
    industry = data.get("naeringskode1") or {}
    return Record(
        "brreg",
        orgnr,
        found=True,
        name=data.get("navn") or None,
        business_id=data.get("organisasjonsnummer") or orgnr,
        postal=postal or business,
        visiting=business if postal is not None and business != postal else None,
        website=data.get("hjemmeside") or None,
        status=status,
        status_date=since,
        industry=" ".join(p for p in (industry.get("kode"), industry.get("beskrivelse")) if p)
        or None,
        vat_registered=bool(data.get("registrertIMvaregisteret")) and status != "ceased",
    )


def fetch(settings: Settings, orgnr: str) -> Record:
    """Looks up a nine-digit organisasjonsnummer."""
    answer = request_json(settings, "GET", f"{settings.brreg_url}/enheter/{orgnr}")
    if answer.status in (400, 404):
        return Record("brreg", orgnr, found=False)
    if answer.status in (200, 410) and isinstance(answer.data, dict):
        return parse(orgnr, answer.data, deleted=answer.status == 410)
    raise RegistryUnavailable(f"HTTP {answer.status}")
