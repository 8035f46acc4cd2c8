"""``POST /customers/{id}/registry-check``: the customer compared with VIES, PRH and
Brønnøysund, field by field. It writes nothing of the customer's data: the answers, the VAT
check mark and the customer's registry report are recorded (as for staff's comparison page).
A registry that cannot be reached is reported in the answer (``outcome: "unavailable"``), not
as an error of this API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from portal.api.core import get_or_404, operation
from portal.api.schemas import ResponseModel
from portal.models import Customer
from portal.services.customers.registry import Comparison, checks


class RegistrySource(ResponseModel):
    source: Literal["vies", "prh", "brreg"]
    key: str = Field(description="The number asked for")
    outcome: Literal["found", "not_found", "unavailable"]
    answered_at: datetime | None = Field(description="When the registry answered (cached a day)")
    name: str | None = None
    status: Literal["active", "restructuring", "liquidation", "bankrupt", "ceased"] | None = None
    status_date: str | None = None
    industry: str | None = None


class RegistryRow(ResponseModel):
    field: str
    ours: str | bool | None
    registry: str | bool | None
    differs: bool


class RegistryFinding(ResponseModel):
    code: str = Field(
        description="vat_valid, vat_invalid, not_found, unavailable, restructuring, "
        "liquidation, bankrupt or ceased"
    )
    source: str | None = None
    date: str | None = None
    key: str | None = None


class RegistryCheckOut(ResponseModel):
    customer_id: int
    outcome: Literal["same", "differs", "problem", "unavailable", "nothing"]
    vat_valid: bool | None = Field(description="None when no registry could judge the VAT number")
    sources: list[RegistrySource]
    fields: list[RegistryRow] = Field(description="Every field a registry knows; `differs` marks")
    findings: list[RegistryFinding]


def registry_check_out(customer_id: int, comparison: Comparison) -> RegistryCheckOut:
    sources = []
    for lookup in comparison.lookups:
        record = lookup.record
        found = "unavailable" if record is None else ("found" if record.found else "not_found")
        sources.append(
            RegistrySource(
                source=lookup.source,  # type: ignore[arg-type]
                key=lookup.key,
                outcome=found,  # type: ignore[arg-type]
                answered_at=lookup.answered_at,
                name=record.name if record else None,
                status=record.status if record and record.found else None,  # type: ignore[arg-type]
                status_date=record.status_date if record else None,
                industry=record.industry if record else None,
            )
        )
    return RegistryCheckOut(
        customer_id=customer_id,
        outcome=comparison.outcome,  # type: ignore[arg-type]
        vat_valid=comparison.vat_valid,
        sources=sources,
        fields=[RegistryRow(**vars(row)) for row in comparison.rows],
        findings=[RegistryFinding(**finding) for finding in comparison.findings],
    )


@operation(
    "POST", "/customers/<int:id>/registry-check", summary="Compare a customer with the registries",
    tag="customers", response=RegistryCheckOut, status=200, errors=(404,),
    description="Looks the customer up by its VAT number (EU VIES) and its Finnish or Norwegian "
    "business id (PRH, Brønnøysund; taken from the VAT number when none is stored) and "
    "compares, field by field. Changes none of the customer's data; records the VAT check "
    "(`vat_checked_at`, `vat_valid`). Answers are cached for a day. A registry that does not "
    "answer in time gives `outcome: \"unavailable\"`.",
)  # fmt: skip
def registry_check(id: int) -> Any:
    with checks.outside_write_transaction():
        customer = get_or_404(Customer, id)
        comparison = checks.check_customer(customer)
    return registry_check_out(customer.id, comparison)
