"""The query half of staff authorization: which customers (and their invoices, estimates,
tickets...) a staff member may see in an area.

- ``<area>.view``: everything;
- only ``<area>.view_own``: the customers the member is assigned to as customer admin
  (``customer_admins``), and the records whose ``customer_id`` is one of them;
- neither: nothing.

Every admin list, search, card, export and dashboard count filters through :func:`scope_query`
(or :func:`visible_filter`), and single look-ups go through :func:`get_scoped_or_404`, so an
unassigned customer's record answers 404 exactly like a missing one.
"""

from __future__ import annotations

from typing import Any, TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, select, true

from portal.extensions import db
from portal.models import Customer, Staff, customer_admins
from portal.models.permissions import AREAS

T = TypeVar("T")


def _check_area(area: str) -> None:
    if area not in AREAS:
        raise ValueError(f"unknown area {area!r}")


def can_view(staff: Staff, area: str) -> bool:
    """True when ``staff`` may see at least some records of ``area``."""
    _check_area(area)
    return staff.has_permission(f"{area}.view") or staff.has_permission(f"{area}.view_own")


def sees_all(staff: Staff, area: str) -> bool:
    _check_area(area)
    return staff.has_permission(f"{area}.view")


def assigned_customer_ids(staff: Staff) -> Select[tuple[int]]:
    """A sub-select of the ids of the customers ``staff`` is assigned to."""
    return select(customer_admins.c.customer_id).where(customer_admins.c.staff_id == staff.id)


def _customer_column(model: Any) -> Any:
    return model.id if model is Customer else model.customer_id


def visible_filter(staff: Staff, area: str, model: Any = Customer) -> ColumnElement[bool]:
    """A condition restricting ``model`` (``Customer`` or anything with ``customer_id``) to the
    rows ``staff`` may see in ``area``."""
    _check_area(area)
    if staff.has_permission(f"{area}.view"):
        return true()
    if staff.has_permission(f"{area}.view_own"):
        return _customer_column(model).in_(assigned_customer_ids(staff))
    return false()


#: The name the issue uses for the customer-only case.
def visible_customers_filter(staff: Staff, area: str = "customers") -> ColumnElement[bool]:
    return visible_filter(staff, area, Customer)


def scope_query(stmt: Select[Any], staff: Staff, area: str, model: Any = Customer) -> Select[Any]:
    """``stmt`` restricted to what ``staff`` may see of ``model`` in ``area``."""
    return stmt.where(visible_filter(staff, area, model))


def get_scoped_or_404(model: type[T], pk: int, staff: Staff, area: str) -> T:
    """The ``model`` row with id ``pk`` when ``staff`` may see it in ``area``; else 404."""
    stmt = scope_query(select(model).where(model.id == pk), staff, area, model)  # type: ignore[attr-defined]
    obj = db.session.scalar(stmt)
    if obj is None:
        abort(404)
    return obj


def get_customer_or_404(pk: int, staff: Staff, area: str = "customers") -> Customer:
    return get_scoped_or_404(Customer, pk, staff, area)
