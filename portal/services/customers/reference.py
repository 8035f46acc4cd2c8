"""Reference data the customers use: groups, industries, market segments, tax rates and tax
classes (currencies have their own module), and the customer's profile (account owner,
industry, segment). Deleting one that is in use is refused with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Customer,
    CustomerGroup,
    CustomerProfile,
    EstimateLine,
    Industry,
    InvoiceLine,
    MarketSegment,
    Staff,
    TaxClass,
    TaxRate,
    customer_group_members,
)
from portal.services.billing.money import parse_decimal
from portal.services.errors import ConflictError
from portal.services.platform import validation
from portal.services.platform.validation import Errors


def _unique(model: Any, name: str, obj_id: int | None) -> bool:
    stmt = select(model.id).where(func.lower(model.name) == name.lower())
    if obj_id is not None:
        stmt = stmt.where(model.id != obj_id)
    return db.session.scalar(stmt.limit(1)) is None


def _name(obj: Any, data: Mapping[str, Any], errors: Errors, max_length: int = 120) -> None:
    name = validation.text(data, "name", errors, required=True, max_length=max_length)
    if name is not None:
        if not _unique(type(obj), name, obj.id):
            errors.add("name", _("This name is already used."))
        else:
            obj.name = name


# -- groups ---------------------------------------------------------------------------------


def save_group(group: CustomerGroup | None, data: Mapping[str, Any]) -> CustomerGroup:
    group = group or CustomerGroup()
    errors = Errors()
    with db.session.no_autoflush:
        _name(group, data, errors)
    if errors.fields and group.id is not None:
        db.session.expire(group)
    errors.raise_if_any()
    db.session.add(group)
    db.session.flush()
    return group


def group_member_count(group_id: int) -> int:
    return (
        db.session.scalar(select(func.count()).where(customer_group_members.c.group_id == group_id))
        or 0
    )


def delete_group(group: CustomerGroup) -> None:
    count = group_member_count(group.id)
    if count:
        raise ConflictError(
            ngettext(
                "%(name)s cannot be deleted: %(num)d customer is in this group.",
                "%(name)s cannot be deleted: %(num)d customers are in this group.",
                count,
                name=group.name,
            ),
            code="group_in_use",
        )
    db.session.delete(group)
    db.session.flush()


def assign_group(customer_ids: list[int], group: CustomerGroup) -> int:
    """Adds the customers to the group (bulk action); returns how many were added."""
    already = set(
        db.session.scalars(
            select(customer_group_members.c.customer_id).where(
                customer_group_members.c.group_id == group.id,
                customer_group_members.c.customer_id.in_(customer_ids),
            )
        )
    )
    added = 0
    for customer in db.session.scalars(select(Customer).where(Customer.id.in_(customer_ids))):
        if customer.id not in already:
            customer.groups.append(group)
            added += 1
    db.session.flush()
    return added


# -- tax rates and classes ------------------------------------------------------------------


def save_tax_rate(rate: TaxRate | None, data: Mapping[str, Any]) -> TaxRate:
    rate = rate or TaxRate()
    errors = Errors()
    with db.session.no_autoflush:
        _name(rate, data, errors)
        message = _("Enter a percentage between 0 and 100.")
        try:
            raw = str(data.get("percent") or "").strip()
            if "," in raw and "." not in raw:
                raw = raw.replace(",", ".")  # a decimal comma, as most of our locales write it
            percent = parse_decimal(raw, "percent", message)
        except Exception:
            percent = None
        if percent is None or not Decimal(0) <= percent <= Decimal(100):
            errors.add("percent", message)
        elif percent.as_tuple().exponent < -4:  # type: ignore[operator]
            errors.add("percent", _("At most four decimals."))
        else:
            rate.percent = percent
    if errors.fields and rate.id is not None:
        db.session.expire(rate)
    errors.raise_if_any()
    db.session.add(rate)
    db.session.flush()
    return rate


def delete_tax_rate(rate: TaxRate) -> None:
    classes = db.session.scalar(
        select(func.count()).select_from(TaxClass).where(TaxClass.default_tax_rate_id == rate.id)
    )
    lines = db.session.scalar(
        select(func.count()).select_from(InvoiceLine).where(InvoiceLine.tax_rate_id == rate.id)
    ) + db.session.scalar(
        select(func.count()).select_from(EstimateLine).where(EstimateLine.tax_rate_id == rate.id)
    )
    if classes:
        raise ConflictError(
            _(
                "%(name)s cannot be deleted: a tax class uses it as its default rate.",
                name=rate.name,
            ),
            code="tax_rate_in_use",
        )
    if lines:
        raise ConflictError(
            _("%(name)s cannot be deleted: invoice or estimate lines use it.", name=rate.name),
            code="tax_rate_in_use",
        )
    db.session.delete(rate)
    db.session.flush()


def save_tax_class(tax_class: TaxClass | None, data: Mapping[str, Any]) -> TaxClass:
    tax_class = tax_class or TaxClass()
    errors = Errors()
    with db.session.no_autoflush:
        _name(tax_class, data, errors)
        raw = data.get("default_tax_rate_id")
        if raw in (None, "", 0, "0"):
            tax_class.default_tax_rate_id = None
        else:
            rate = db.session.get(TaxRate, int(raw)) if str(raw).isdigit() else None
            if rate is None:
                errors.add("default_tax_rate_id", _("Choose a tax rate from the list."))
            else:
                tax_class.default_tax_rate = rate
    if errors.fields and tax_class.id is not None:
        db.session.expire(tax_class)
    errors.raise_if_any()
    db.session.add(tax_class)
    db.session.flush()
    return tax_class


def delete_tax_class(tax_class: TaxClass) -> None:
    count = (
        db.session.scalar(
            select(func.count()).select_from(Customer).where(Customer.tax_class_id == tax_class.id)
        )
        or 0
    )
    if count:
        raise ConflictError(
            ngettext(
                "%(name)s cannot be deleted: %(num)d customer uses it.",
                "%(name)s cannot be deleted: %(num)d customers use it.",
                count,
                name=tax_class.name,
            ),
            code="tax_class_in_use",
        )
    db.session.delete(tax_class)
    db.session.flush()


# -- industries and market segments -----------------------------------------------------------


def save_named(model: type[Industry | MarketSegment], obj: Any, data: Mapping[str, Any]) -> Any:
    """Adds or renames an industry or a market segment (names unique, case-insensitive)."""
    obj = obj or model()
    errors = Errors()
    with db.session.no_autoflush:
        _name(obj, data, errors)
    if errors.fields and obj.id is not None:
        db.session.expire(obj)
    errors.raise_if_any()
    db.session.add(obj)
    db.session.flush()
    return obj


def _profile_column(model: type[Industry | MarketSegment]) -> Any:
    return CustomerProfile.industry_id if model is Industry else CustomerProfile.market_segment_id


def usage_counts(model: type[Industry | MarketSegment]) -> dict[int, int]:
    """How many customers use each industry (or segment), by its id: one ``GROUP BY``."""
    column = _profile_column(model)
    return {
        key: count
        for key, count in db.session.execute(
            select(column, func.count()).where(column.is_not(None)).group_by(column)
        ).all()
    }


def delete_named(obj: Industry | MarketSegment) -> None:
    """Deletes an industry or segment; refused while a customer uses it."""
    column = _profile_column(type(obj))
    count = db.session.scalar(select(func.count()).where(column == obj.id)) or 0
    if count:
        raise ConflictError(
            ngettext(
                "%(name)s cannot be deleted: %(num)d customer uses it.",
                "%(name)s cannot be deleted: %(num)d customers use it.",
                count,
                name=obj.name,
            ),
            code="in_use",
        )
    db.session.delete(obj)
    db.session.flush()


def _find_named(model: type[Industry | MarketSegment], value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return db.session.get(model, value)
    if isinstance(value, str) and value.strip().isdigit():
        return db.session.get(model, int(value))
    if isinstance(value, str):
        return db.session.scalar(
            select(model).where(func.lower(model.name) == value.strip().lower())
        )
    return None


def _find_owner(value: Any) -> Staff | None:
    """A staff member by id (or by email, as the import gives it)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return db.session.get(Staff, value)
    if isinstance(value, str) and value.strip().isdigit():
        return db.session.get(Staff, int(value))
    if isinstance(value, str) and "@" in value:
        return db.session.scalar(select(Staff).where(Staff.email == value.strip().lower()))
    return None


def apply_profile(customer: Customer, data: Mapping[str, Any], errors: Errors) -> None:
    """The account owner (``account_owner_id``: an active staff member), ``industry`` and
    ``market_segment`` (an id or a name from the lists kept in Setup); only keys present are
    changed, an empty value clears."""
    keys = [k for k in ("account_owner_id", "industry", "market_segment") if k in data]
    if not keys:
        return
    profile = customer.profile or CustomerProfile()
    for key in keys:
        value = data[key]
        if value in (None, ""):
            setattr(profile, "account_owner" if key == "account_owner_id" else key, None)
        elif key == "account_owner_id":
            owner = _find_owner(value)
            if owner is None or not owner.is_active:
                errors.add(key, _("Choose an active staff member."))
            else:
                profile.account_owner = owner
        else:
            model = Industry if key == "industry" else MarketSegment
            found = _find_named(model, value)
            if found is None:
                errors.add(key, _("Choose one from the list."))
            else:
                setattr(profile, key, found)
    if errors.fields:
        if customer.profile is not None:
            db.session.expire(customer.profile)
    elif customer.profile is None and (
        profile.account_owner or profile.industry or profile.market_segment
    ):
        customer.profile = profile
