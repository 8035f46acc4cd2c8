"""Company details from business registries: the EU VIES VAT check, the Finnish PRH open
data and the Norwegian Brønnøysund Enhetsregisteret, behind one interface.

Each client (:mod:`.vies`, :mod:`.prh`, :mod:`.brreg`) turns a registry's answer into a
:class:`Record`; :mod:`.http` makes their requests (timeouts, bounded retries on 5xx),
:mod:`.cache` keeps answers for a day in a table every app host shares, :mod:`.checks` decides
which registries to ask for a customer, compares and applies. This module holds the shapes
they share and the field-by-field comparison (:func:`compare`), which is pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

#: The registries, in the order their answers are preferred for a field (national registers
#: give structured addresses; VIES only a name and one address text).
SOURCES = ("prh", "brreg", "vies")
SOURCE_NAMES = {
    "vies": _l("VIES (EU VAT numbers)"),
    "prh": _l("Finnish Patent and Registration Office (PRH)"),
    "brreg": _l("Brønnøysund Register Centre"),
}
#: A company's state in its registry; all but "active" are shown as findings.
STATUSES = ("active", "restructuring", "liquidation", "bankrupt", "ceased")

ADDRESS_PARTS = ("street", "zip", "city", "country")
#: The customer fields a registry can fill in, in the order the comparison shows them.
FIELDS = (
    "company_name",
    "business_id",
    *(f"billing_{p}" for p in ADDRESS_PARTS),
    *(f"shipping_{p}" for p in ADDRESS_PARTS),
    "website",
    "is_active",
)


class RegistryUnavailable(Exception):
    """A registry did not answer usefully (timeout, connection refused, 5xx after the
    retries, an error in its answer): nothing is concluded, nothing is cached."""


@dataclass(frozen=True)
class Address:
    street: str | None = None
    zip: str | None = None
    city: str | None = None
    country: str | None = None


@dataclass
class Record:
    """What one registry says about one number."""

    source: str
    key: str
    #: Known to the registry (for VIES: the VAT number is valid).
    found: bool
    name: str | None = None
    business_id: str | None = None
    #: The postal address (or the only one); ``visiting`` is the street address when the
    #: registry gives both and they differ.
    postal: Address | None = None
    visiting: Address | None = None
    website: str | None = None
    status: str = "active"
    status_date: str | None = None
    industry: str | None = None
    #: Registered for VAT (Brønnøysund's VAT register; VIES: the same as ``found``).
    vat_registered: bool | None = None
    #: VIES's address as one text, when it could not be split into parts.
    address_text: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        values = dict(data)
        for key in ("postal", "visiting"):
            if values.get(key) is not None:
                values[key] = Address(**values[key])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


@dataclass
class Lookup:
    """One question to one registry and its outcome: a record, or ``unavailable``."""

    source: str
    key: str
    record: Record | None = None
    unavailable: bool = False
    fetched_at: str | None = None  # ISO time of the answer (cached answers keep theirs)

    @property
    def answered_at(self) -> datetime | None:
        return datetime.fromisoformat(self.fetched_at) if self.fetched_at else None


@dataclass
class Row:
    """One field of the comparison: our value, the registry's, and whether they differ."""

    field: str
    ours: Any
    registry: Any
    differs: bool


@dataclass
class Comparison:
    lookups: list[Lookup] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    #: The VAT check: True/False when a registry said so, None when none could.
    vat_valid: bool | None = None
    vat_source: str | None = None

    @property
    def differences(self) -> list[Row]:
        return [row for row in self.rows if row.differs]

    @property
    def unavailable(self) -> bool:
        return any(lookup.unavailable for lookup in self.lookups)

    @property
    def outcome(self) -> str:
        """``nothing`` (no number to look up), ``unavailable``, ``problem`` (invalid VAT
        number, unknown or ceased company), ``differs`` or ``same``."""
        if not self.lookups:
            return "nothing"
        if self.unavailable:
            return "unavailable"
        if any(f["code"] != "vat_valid" for f in self.findings):
            return "problem"
        return "differs" if self.differences else "same"

    def differences_json(self) -> list[dict[str, Any]]:
        return [
            {"field": row.field, "ours": row.ours, "registry": row.registry}
            for row in self.differences
        ]


# -- comparison -------------------------------------------------------------------------------


def _plain(value: Any) -> str:
    """Case, spacing and a web address's scheme do not make a difference."""
    text = " ".join(str(value or "").split()).casefold()
    for prefix in ("https://", "http://", "www."):
        text = text.removeprefix(prefix)
    return text.rstrip("/")


def registry_values(records: list[Record]) -> dict[str, Any]:
    """The registry's value per customer field, from the preferred record that has it."""
    values: dict[str, Any] = {}
    ordered = sorted(records, key=lambda r: SOURCES.index(r.source))
    for record in ordered:
        if not record.found:
            continue
        candidates: dict[str, Any] = {
            "company_name": record.name,
            "business_id": record.business_id,
            "website": record.website,
        }
        for prefix, address in (("billing", record.postal), ("shipping", record.visiting)):
            for part in ADDRESS_PARTS:
                candidates[f"{prefix}_{part}"] = getattr(address, part) if address else None
        if record.status == "ceased":
            candidates["is_active"] = False
        for key, value in candidates.items():
            if value not in (None, "") and key not in values:
                values[key] = value
    return values


def compare(ours: Mapping[str, Any], records: list[Record]) -> list[Row]:
    """A row per field the registries know: ours, theirs, and whether they differ. A ceased
    company is the one case of ``is_active`` (a registry never says "make it active")."""
    theirs = registry_values(records)
    rows = []
    for name in FIELDS:
        if name not in theirs:
            continue
        mine = ours.get(name)
        same = mine is False if name == "is_active" else _plain(mine) == _plain(theirs[name])
        rows.append(Row(name, mine, theirs[name], not same))
    return rows


def findings(
    records: list[Record],
    lookups: list[Lookup],
    vat_valid: bool | None = None,
    vat_source: str | None = None,
) -> list[dict[str, Any]]:
    """What the registries said beyond the fields: the VAT number valid or not, a number
    they do not know, the company's state; and which registry could not be reached."""
    found: list[dict[str, Any]] = []
    for lookup in lookups:
        if lookup.unavailable:
            found.append({"code": "unavailable", "source": lookup.source})
    if vat_valid is not None:
        found.append({"code": "vat_valid" if vat_valid else "vat_invalid", "source": vat_source})
    for record in records:
        if record.source == "vies":
            continue
        if not record.found:
            found.append({"code": "not_found", "source": record.source, "key": record.key})
        elif record.status != "active":
            found.append(
                {"code": record.status, "source": record.source, "date": record.status_date}
            )
    return found


__all__ = [
    "FIELDS",
    "SOURCES",
    "SOURCE_NAMES",
    "STATUSES",
    "Address",
    "Comparison",
    "Lookup",
    "Record",
    "RegistryUnavailable",
    "Row",
    "compare",
    "findings",
    "registry_values",
]
