"""The EU VIES VAT check (REST API, ``POST {PORTAL_REGISTRY_VIES_URL}/check-vat-number``).

Request ``{"countryCode": "FI", "vatNumber": "20774740"}``; answer (the EU's
``swagger_publicVAT.yaml``, ``CheckVatResponse``)::

    {"countryCode": "FI", "vatNumber": "20774740", "requestDate": "...", "valid": true,
     "requestIdentifier": "", "name": "...", "address": "street\\nZIP CITY",
     "traderName": "---", ...}

``name`` and ``address`` are ``"---"`` when the member state does not give them (Germany and
Spain never do). Errors come as ``{"actionSucceed": false, "errorWrappers": [{"error":
"MS_UNAVAILABLE", "message": ...}]}``, with HTTP 200 or an error status.
"""

from __future__ import annotations

import re
from typing import Any

from portal.services.customers.registry import Address, Record, RegistryUnavailable
from portal.services.customers.registry.http import Settings, request_json
from portal.services.customers.registry.numbers import vat_country

#: Errors that say something about the number rather than the service.
_INVALID_INPUT = {"INVALID_INPUT", "INVALID_REQUESTER_INFO"}
_ZIP_CITY = re.compile(r"^(?P<zip>(?:[A-Z]{1,3}[- ]?)?\d[\dA-Z -]{1,9}?)\s+(?P<city>\D.*)$")


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return None if value in ("", "---") else value


def split_address(text: str | None, country: str) -> tuple[Address | None, str | None]:
    """VIES gives one text: ``"KARAKAARI 7\\n02610 ESPOO"``. The last line is taken as postal
    code and city when it looks like that, the lines before as the street; otherwise the text
    is kept whole (shown, not offered as fields)."""
    if not text:
        return None, None
    lines = [" ".join(line.split()) for line in text.replace(",", "\n").splitlines()]
    lines = [line for line in lines if line]
    match = _ZIP_CITY.match(lines[-1]) if len(lines) >= 2 else None
    if match is None:
        return None, " ".join(lines)
    street = ", ".join(lines[:-1])
    address = Address(street, match["zip"].strip(), match["city"].strip(), country)
    return address, None


def fetch(settings: Settings, vat: str) -> Record:
    """Checks a normalised EU VAT number (``FI20774740``, ``EL094259216``)."""
    body = {"countryCode": vat[:2], "vatNumber": vat[2:]}
    answer = request_json(settings, "POST", f"{settings.vies_url}/check-vat-number", body=body)
    data = answer.data if isinstance(answer.data, dict) else {}
    errors = [e.get("error") for e in data.get("errorWrappers") or [] if isinstance(e, dict)]
    if errors and set(errors) <= _INVALID_INPUT:
        return Record("vies", vat, found=False, vat_registered=False)
    if answer.status != 200 or errors or not isinstance(data.get("valid"), bool):
        raise RegistryUnavailable(", ".join(map(str, errors)) or f"HTTP {answer.status}")
    if not data["valid"]:
        return Record("vies", vat, found=False, vat_registered=False)
    postal, text = split_address(_text(data.get("address")), vat_country(vat))
    return Record(
        "vies",
        vat,
        found=True,
        name=_text(data.get("name")),
        postal=postal,
        address_text=text,
        vat_registered=True,
    )
