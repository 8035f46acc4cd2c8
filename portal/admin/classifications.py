"""Industries and market segments (kept in Setup, like the customer groups: area
``customers``), and the customer form's account owner, industry and segment choices."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from portal.admin import bp
from portal.admin.customer_forms import CustomerForm, NameForm
from portal.auth import permission_required
from portal.extensions import db
from portal.models import Customer, Industry, MarketSegment, Staff
from portal.services.customers import reference
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, show_errors

#: The URL part of each list.
KINDS: dict[str, type[Industry] | type[MarketSegment]] = {
    "industries": Industry,
    "segments": MarketSegment,
}


def _titles(kind: str) -> dict[str, str]:
    if kind == "industries":
        return {
            "list": _("Industries"),
            "one": _("Industry"),
            "new": _("New industry"),
            "empty": _("No industries yet."),
            "saved": _("The industry was saved."),
            "deleted": _("The industry was deleted."),
        }
    return {
        "list": _("Market segments"),
        "one": _("Market segment"),
        "new": _("New market segment"),
        "empty": _("No market segments yet."),
        "saved": _("The market segment was saved."),
        "deleted": _("The market segment was deleted."),
    }


def _model(kind: str) -> Any:
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _get(kind: str, pk: int | None) -> Any:
    if pk is None:
        return None
    obj = db.session.get(_model(kind), pk)
    if obj is None:
        abort(404)
    return obj


@bp.get("/industries")
@permission_required("customers.view", "customers.view_own")
def industry_list() -> ResponseReturnValue:
    return _list("industries")


@bp.get("/segments")
@permission_required("customers.view", "customers.view_own")
def segment_list() -> ResponseReturnValue:
    return _list("segments")


def _list_url(kind: str) -> str:
    return url_for(".industry_list" if kind == "industries" else ".segment_list")


def _list(kind: str) -> ResponseReturnValue:
    model = _model(kind)
    return render_template(
        "admin/reference/classifications.html",
        kind=kind,
        titles=_titles(kind),
        rows=db.session.scalars(select(model).order_by(model.name)).all(),
        counts=reference.usage_counts(model),
        action_form=EmptyForm(),
    )


@bp.route("/classifications/<kind>/new", methods=["GET", "POST"], defaults={"pk": None})
@bp.route("/classifications/<kind>/<int:pk>", methods=["GET", "POST"])
@permission_required("customers.edit")
def classification_edit(kind: str, pk: int | None) -> ResponseReturnValue:
    model, obj = _model(kind), _get(kind, pk)
    form = NameForm(obj=obj) if obj else NameForm()
    titles = _titles(kind)
    if form.validate_on_submit():
        try:
            reference.save_named(model, obj, {"name": form.name.data})
        except DomainError as exc:
            show_errors(form, exc)
        else:
            flash(titles["saved"], "success")
            return redirect(_list_url(kind))
    return render_template(
        "admin/reference/name_form.html",
        form=form,
        obj=obj,
        title=titles["one"],
        back=_list_url(kind),
    )


@bp.post("/classifications/<kind>/<int:pk>/delete")
@permission_required("customers.delete")
def classification_delete(kind: str, pk: int) -> ResponseReturnValue:
    obj = _get(kind, pk)
    if EmptyForm().validate_on_submit():
        try:
            reference.delete_named(obj)
        except DomainError as exc:
            fail(exc)
        else:
            flash(_titles(kind)["deleted"], "success")
    return redirect(_list_url(kind))


def fill_profile_choices(form: CustomerForm, customer: Customer | None, fill: bool) -> None:
    """The account owner (active staff, plus the current owner), industry and segment choices;
    with ``fill``, the customer's current values."""
    owner = customer.account_owner if customer else None
    staff = db.session.scalars(
        select(Staff)
        .where(Staff.is_active | (Staff.id == (owner.id if owner else None)))
        .order_by(Staff.name)
    )
    form.account_owner_id.choices = [("", _("None"))] + [(str(s.id), s.name) for s in staff]
    for name, model in (("industry", Industry), ("market_segment", MarketSegment)):
        names = db.session.scalars(select(model.name).order_by(model.name))
        getattr(form, name).choices = [("", _("None"))] + [(n, n) for n in names]
    if fill:
        form.account_owner_id.data = str(owner.id) if owner else ""
        form.industry.data = customer.industry.name if customer and customer.industry else ""
        form.market_segment.data = (
            customer.market_segment.name if customer and customer.market_segment else ""
        )
