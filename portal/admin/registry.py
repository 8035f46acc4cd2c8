"""Update from registry: the field-by-field comparison of a customer with VIES, PRH and
Brønnøysund (customer view), applying the ticked fields (``customers.edit``), the list of
customers whose last check needs a look, and the look-up inside the full create form.

Reading a comparison asks the registries (or uses their answers of the last day); applying
never asks them: it takes the answers shown from the shared cache, so no registry is waited
for while the change is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from portal.admin import bp
from portal.admin.customer_forms import CustomerForm
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.models import RegistryReport
from portal.services.access.staff import get_customer_or_404
from portal.services.customers.registry import SOURCE_NAMES, Comparison, checks, reports
from portal.services.errors import DomainError, ValidationError
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, show_errors

#: The create form's submit buttons for the look-up and for taking the ticked values.
LOOKUP_BUTTON = "registry_lookup"
TAKE_BUTTON = "registry_take"


@bp.app_template_global()
def registry_field_label(name: str) -> str:
    return reports.field_label(name)


@bp.app_template_global()
def registry_value(name: str, value: object) -> str:
    return reports.show_value(name, value)


@bp.app_template_global()
def registry_source(source: str) -> str:
    return str(SOURCE_NAMES.get(source, source))


@bp.app_template_global()
def registry_finding(finding: dict[str, object]) -> str:
    return reports.finding_text(finding)


@bp.app_template_global()
def registry_report_of(customer_id: int) -> RegistryReport | None:
    return reports.report_of(customer_id)


@bp.get("/customers/<int:customer_id>/registry")
@permission_required("customers.view", "customers.view_own")
def customer_registry(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    comparison = checks.check_customer(customer)
    return render_template(
        "admin/customers/registry.html",
        customer=customer,
        comparison=comparison,
        form=EmptyForm(),
    )


@bp.post("/customers/<int:customer_id>/registry")
@permission_required("customers.edit")
def customer_registry_apply(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    back = url_for(".customer_registry", customer_id=customer_id)
    if not EmptyForm().validate_on_submit():
        return redirect(back)
    try:
        fields = checks.apply(customer, request.form.getlist("fields"))
    except DomainError as exc:
        fail(exc)
        for name, message in exc.fields.items():
            flash(
                _("%(field)s: %(message)s", field=reports.field_label(name), message=message),
                "error",
            )
        return redirect(back)
    flash(
        ngettext(
            "%(num)d field was taken from the registry.",
            "%(num)d fields were taken from the registry.",
            len(fields),
        ),
        "success",
    )
    return redirect(url_for(".customer_card", customer_id=customer_id))


@bp.get("/customers/registry-reports")
@permission_required("customers.view", "customers.view_own")
def registry_reports() -> ResponseReturnValue:
    rows = reports.attention_list(current_staff())
    return render_template("admin/customers/registry_reports.html", rows=rows)


# -- inside the full create form ----------------------------------------------------------------


@dataclass
class FormStep:
    """The create form's registry step: shown again with a comparison, or with the values
    staff took (``comparison`` None)."""

    comparison: Comparison | None


def create_form_step(form: CustomerForm) -> FormStep | None:
    """Handles the create form's two registry buttons; ``None`` when neither was pressed.
    Nothing is saved in either case: the form is shown again."""
    if request.method != "POST" or not (
        LOOKUP_BUTTON in request.form or TAKE_BUTTON in request.form
    ):
        return None
    if not EmptyForm().validate_on_submit():
        return FormStep(None)
    data = form.service_data(creating=True)
    try:
        if LOOKUP_BUTTON in request.form:
            with checks.outside_write_transaction():
                return FormStep(checks.check_data(data))
        values = checks.cached_values(data)
    except ValidationError as exc:
        show_errors(form, exc)
        return FormStep(None)
    taken = [name for name in request.form.getlist("take") if name in values]
    for name in taken:
        getattr(form, name).data = values[name]
    if taken:
        flash(
            _("The ticked values were copied from the registry. Check them, then save."), "success"
        )
    else:
        flash(_("Tick at least one field to take from the registry."), "error")
    return FormStep(None)
