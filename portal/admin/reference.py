"""Customer groups (area ``customers``), currencies and taxes (area ``settings``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.admin import bp
from portal.admin.customer_forms import CurrencyForm, NameForm, TaxClassForm, TaxRateForm
from portal.auth import permission_required
from portal.extensions import db
from portal.i18n import number_for_input, number_from_input, percent_text
from portal.models import Currency, CustomerGroup, TaxClass, TaxRate, customer_group_members
from portal.services.customers import currencies, reference
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, show_errors


def _get(model: Any, pk: int | None) -> Any:
    if pk is None:
        return None
    obj = db.session.get(model, pk)
    if obj is None:
        abort(404)
    return obj


def _save(form: Any, save: Any, success: str, target: str) -> ResponseReturnValue | None:
    """Runs ``save`` for a valid form and redirects, or shows the service's errors."""
    if not form.validate_on_submit():
        return None
    try:
        save()
    except DomainError as exc:
        show_errors(form, exc)
        return None
    flash(success, "success")
    return redirect(url_for(target))


def _delete(obj: Any, delete: Any, success: str, target: str) -> ResponseReturnValue:
    if EmptyForm().validate_on_submit():
        try:
            delete(obj)
        except DomainError as exc:
            fail(exc)
        else:
            flash(success, "success")
    return redirect(url_for(target))


# -- groups ---------------------------------------------------------------------------------


@bp.get("/groups")
@permission_required("customers.view", "customers.view_own")
def group_list() -> ResponseReturnValue:
    counts = dict(
        db.session.execute(
            select(customer_group_members.c.group_id, func.count()).group_by(
                customer_group_members.c.group_id
            )
        ).all()
    )
    groups = db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)).all()
    return render_template(
        "admin/reference/groups.html",
        groups=groups,
        counts=counts,
        form=NameForm(),
        action_form=EmptyForm(),
    )


@bp.route("/groups/new", methods=["GET", "POST"], defaults={"group_id": None})
@bp.route("/groups/<int:group_id>", methods=["GET", "POST"])
@permission_required("customers.edit")
def group_edit(group_id: int | None) -> ResponseReturnValue:
    group = _get(CustomerGroup, group_id)
    form = NameForm(obj=group) if group else NameForm()
    done = _save(
        form,
        lambda: reference.save_group(group, {"name": form.name.data}),
        _("The group was saved."),
        ".group_list",
    )
    return done or render_template(
        "admin/reference/name_form.html",
        form=form,
        obj=group,
        title=_("Group"),
        back=url_for(".group_list"),
    )


@bp.post("/groups/<int:group_id>/delete")
@permission_required("customers.delete")
def group_delete(group_id: int) -> ResponseReturnValue:
    return _delete(
        _get(CustomerGroup, group_id),
        reference.delete_group,
        _("The group was deleted."),
        ".group_list",
    )


# -- currencies -----------------------------------------------------------------------------


@bp.get("/currencies")
@permission_required("settings.view")
def currency_list() -> ResponseReturnValue:
    rows = db.session.scalars(
        select(Currency).order_by(Currency.is_default.desc(), Currency.code)
    ).all()
    return render_template(
        "admin/reference/currencies.html", currencies=rows, action_form=EmptyForm()
    )


@bp.route("/currencies/new", methods=["GET", "POST"], defaults={"currency_id": None})
@bp.route("/currencies/<int:currency_id>", methods=["GET", "POST"])
@permission_required("settings.edit")
def currency_edit(currency_id: int | None) -> ResponseReturnValue:
    currency = _get(Currency, currency_id)
    form = CurrencyForm(obj=currency) if currency else CurrencyForm()
    if request.method == "GET" and currency is None:
        form.decimal_places.data = 2

    def save() -> None:
        data = {
            "code": form.code.data,
            "symbol": form.symbol.data,
            "decimal_places": form.decimal_places.data
            if form.decimal_places.data is not None
            else -1,
        }
        if currency is None:
            currencies.create_currency({**data, "is_default": bool(form.is_default.data)})
        else:
            currencies.update_currency(currency, data)
            if form.is_default.data:
                currencies.set_default(currency)

    done = _save(form, save, _("The currency was saved."), ".currency_list")
    return done or render_template(
        "admin/reference/currency_form.html", form=form, currency=currency
    )


@bp.post("/currencies/<int:currency_id>/delete")
@permission_required("settings.delete")
def currency_delete(currency_id: int) -> ResponseReturnValue:
    return _delete(
        _get(Currency, currency_id),
        currencies.delete_currency,
        _("The currency was deleted."),
        ".currency_list",
    )


# -- taxes ----------------------------------------------------------------------------------


@bp.get("/taxes")
@permission_required("settings.view")
def tax_list() -> ResponseReturnValue:
    rates = db.session.scalars(select(TaxRate).order_by(TaxRate.percent.desc(), TaxRate.name)).all()
    classes = db.session.scalars(select(TaxClass).order_by(TaxClass.name)).all()
    return render_template(
        "admin/reference/taxes.html", rates=rates, classes=classes, action_form=EmptyForm()
    )


@bp.route("/taxes/rates/new", methods=["GET", "POST"], defaults={"rate_id": None})
@bp.route("/taxes/rates/<int:rate_id>", methods=["GET", "POST"])
@permission_required("settings.edit")
def tax_rate_edit(rate_id: int | None) -> ResponseReturnValue:
    rate = _get(TaxRate, rate_id)
    form = TaxRateForm(obj=rate) if rate else TaxRateForm()
    if request.method == "GET" and rate is not None:
        form.percent.data = number_for_input(rate.percent.normalize())
    done = _save(
        form,
        lambda: reference.save_tax_rate(
            rate, {"name": form.name.data, "percent": number_from_input(form.percent.data)}
        ),
        _("The tax rate was saved."),
        ".tax_list",
    )
    return done or render_template(
        "admin/reference/tax_rate_form.html",
        form=form,
        rate=rate,
        examples=[number_for_input(Decimal(n)) for n in ("24", "25.5")],
    )


@bp.post("/taxes/rates/<int:rate_id>/delete")
@permission_required("settings.delete")
def tax_rate_delete(rate_id: int) -> ResponseReturnValue:
    return _delete(
        _get(TaxRate, rate_id),
        reference.delete_tax_rate,
        _("The tax rate was deleted."),
        ".tax_list",
    )


@bp.route("/taxes/classes/new", methods=["GET", "POST"], defaults={"class_id": None})
@bp.route("/taxes/classes/<int:class_id>", methods=["GET", "POST"])
@permission_required("settings.edit")
def tax_class_edit(class_id: int | None) -> ResponseReturnValue:
    tax_class = _get(TaxClass, class_id)
    form = TaxClassForm(obj=tax_class) if tax_class else TaxClassForm()
    form.default_tax_rate_id.choices = [("", _("None"))] + [
        (str(r.id), f"{r.name} ({percent_text(r.percent)})")
        for r in db.session.scalars(select(TaxRate).order_by(TaxRate.name))
    ]
    if request.method == "GET" and tax_class is not None:
        form.default_tax_rate_id.data = str(tax_class.default_tax_rate_id or "")
    done = _save(
        form,
        lambda: reference.save_tax_class(
            tax_class,
            {"name": form.name.data, "default_tax_rate_id": form.default_tax_rate_id.data},
        ),
        _("The tax class was saved."),
        ".tax_list",
    )
    return done or render_template(
        "admin/reference/tax_class_form.html", form=form, tax_class=tax_class
    )


@bp.post("/taxes/classes/<int:class_id>/delete")
@permission_required("settings.delete")
def tax_class_delete(class_id: int) -> ResponseReturnValue:
    return _delete(
        _get(TaxClass, class_id),
        reference.delete_tax_class,
        _("The tax class was deleted."),
        ".tax_list",
    )
