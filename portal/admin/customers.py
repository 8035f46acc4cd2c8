"""Customers: the searchable list, create (full and quick), edit, card, activate, delete,
bulk actions and CSV export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.admin import bp, card_documents
from portal.admin.activities import tab_context as activities_tab
from portal.admin.classifications import fill_profile_choices
from portal.admin.customer_forms import BulkForm, CustomerForm, QuickCustomerForm
from portal.admin.customer_welcome import first_contact
from portal.admin.helpers import current_staff
from portal.admin.registry import create_form_step
from portal.auth import permission_required
from portal.extensions import db
from portal.i18n import file_name
from portal.models import (
    Contact,
    Currency,
    Customer,
    CustomerGroup,
    Estimate,
    Staff,
    TaxClass,
)
from portal.services import customers
from portal.services.access.staff import can_view, get_customer_or_404, scope_query
from portal.services.customers import contacts, financials, reference
from portal.services.customers import import_export as customer_import
from portal.services.customers import records as customer_records
from portal.services.customers.search import SORTS, CustomerFilter, filtered, ordered, search
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm, language_choices
from portal.web.pages import page_number
from portal.web.unit_of_work import fail, show_errors

LIST_SIZE = 100
#: A search shows its best 25 first (sorted as chosen), like the other CRMs; more by paging.
SEARCH_SIZE = 25
TABS = (
    "profile",
    "contacts",
    "addresses",
    "invoices",
    "estimates",
    "tickets",
    "activities",
    "notes",
    "files",
    "financials",
    "activity",
)


def _filter_from_args() -> CustomerFilter:
    group = request.args.get("group", "")
    active = request.args.get("active", "")
    sort = request.args.get("sort", "name")
    return CustomerFilter(
        q=(request.args.get("q") or "").strip()[:200],
        group_id=int(group) if group.isdigit() else None,
        active={"1": True, "0": False}.get(active),
        sort=sort if sort in SORTS else "name",
    )


def _fill_choices(form: CustomerForm, customer: Customer | None = None) -> None:
    fill_profile_choices(form, customer, fill=request.method == "GET" and customer is not None)
    currencies = db.session.scalars(select(Currency).order_by(Currency.code)).all()
    form.currency.choices = [(c.code, f"{c.code} ({c.symbol})") for c in currencies]
    form.language.choices = language_choices(_("Default language"))
    form.groups.choices = [(g.id, g.name) for g in reference_groups()]
    form.tax_class_id.choices = [("", _("None"))] + [
        (str(t.id), t.name) for t in db.session.scalars(select(TaxClass).order_by(TaxClass.name))
    ]


def reference_groups() -> list[CustomerGroup]:
    return list(db.session.scalars(select(CustomerGroup).order_by(CustomerGroup.name)))


# -- list -----------------------------------------------------------------------------------


@bp.get("/customers")
@permission_required("customers.view", "customers.view_own")
def customer_list() -> ResponseReturnValue:
    # The page writes its few form fields by hand (it renders on every keystroke-sized search);
    # the POSTs are validated by BulkForm and QuickCustomerForm.
    flt = _filter_from_args()
    size = SEARCH_SIZE if flt.q else LIST_SIZE
    groups = reference_groups()
    names = {g.id: g.name for g in groups}
    page = search(current_staff(), flt, page=page_number(), per_page=size, group_names=names)
    return render_template(
        "admin/customers/list.html", page=page, flt=flt, groups=groups, sorts=SORTS
    )


@bp.get("/customers/export.csv")
@permission_required("customers.view", "customers.view_own")
def customer_export() -> ResponseReturnValue:
    flt = _filter_from_args()
    stmt = ordered(filtered(current_staff(), flt), flt.sort).options(
        selectinload(Customer.groups),
        selectinload(Customer.contacts).selectinload(Contact.keywords),
        selectinload(Customer.profile),
    )

    def rows() -> Any:
        # Batches of 500 keep memory flat for any list size.
        yield from customer_import.export_csv(
            db.session.scalars(stmt.execution_options(yield_per=500))
        )

    filename = file_name(_("Customers"), date.today().isoformat(), extension="csv")
    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/customers/bulk")
@permission_required("customers.edit")
def customer_bulk() -> ResponseReturnValue:
    form = BulkForm()
    form.action.choices = [("group", ""), ("deactivate", "")]
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:LIST_SIZE]
    if not form.validate_on_submit() or not ids:
        flash(_("Choose customers and an action first."), "error")
        return redirect(url_for(".customer_list"))
    visible = list(
        db.session.scalars(
            scope_query(
                select(Customer.id).where(Customer.id.in_(ids)), current_staff(), "customers"
            )
        )
    )
    if form.action.data == "group":
        group = db.session.get(CustomerGroup, int(form.group_id.data or 0) or -1)
        if group is None:
            flash(_("Choose a group."), "error")
            return redirect(url_for(".customer_list"))
        added = reference.assign_group(visible, group)
        message = ngettext(
            "%(num)d customer was added to %(group)s.",
            "%(num)d customers were added to %(group)s.",
            added,
            group=group.name,
        )
    else:
        changed = customers.deactivate_many(visible)
        message = ngettext(
            "%(num)d customer was deactivated.", "%(num)d customers were deactivated.", changed
        )
    flash(message, "success")
    return redirect(url_for(".customer_list"))


# -- create and edit ------------------------------------------------------------------------


def _save(
    form: CustomerForm, save: Callable[[], Customer], success: Callable[[Customer], str]
) -> ResponseReturnValue | None:
    """For a valid form: ``save()``, then the customer's card with the ``success`` message.
    A refusal puts the service's errors next to the fields; ``None`` means: show the form."""
    if not form.validate_on_submit():
        return None
    try:
        customer = save()
    except DomainError as exc:
        show_errors(form, exc)
        _fill_choices(form)
        return None
    flash(success(customer), "success")
    return redirect(url_for(".customer_card", customer_id=customer.id))


@bp.route("/customers/new", methods=["GET", "POST"])
@permission_required("customers.create")
def customer_create() -> ResponseReturnValue:
    form = CustomerForm()
    _fill_choices(form)
    if request.method == "GET":
        default = customers.default_currency()
        form.currency.data = default.code if default else None
    step = create_form_step(form)
    if step is not None:
        return render_template(
            "admin/customers/form.html", form=form, customer=None, registry=step.comparison
        )
    done = _save(
        form,
        lambda: _create_with_contact(form),
        lambda customer: _("Customer %(name)s was created.", name=customer.company_name),
    )
    return done or render_template("admin/customers/form.html", form=form, customer=None)


def _create_with_contact(form: CustomerForm) -> Customer:
    customer = customers.create_customer(
        form.service_data(creating=True), created_by=current_staff()
    )
    message = first_contact(
        customer,
        form.contact_first_name.data,
        form.contact_last_name.data,
        form.contact_email.data,
        welcome=form.send_welcome.data,
        prefix="contact_",
    )
    if message:
        flash(message, "success")
    return customer


def _flash_field_error(form: QuickCustomerForm, name: str, message: str) -> None:
    """``Email: Enter a valid email address.`` with the field's label in the page's language
    (a field the form does not have: the message alone, never a raw key)."""
    target = form._fields.get(name) if name != "csrf_token" else None
    if target is None:
        flash(message, "error")
    else:
        flash(_("%(label)s: %(value)s", label=target.label.text, value=message), "error")


@bp.post("/customers/quick")
@permission_required("customers.create")
def customer_quick_create() -> ResponseReturnValue:
    form = QuickCustomerForm()
    if not form.validate_on_submit():
        for name, errors in form.errors.items():
            _flash_field_error(form, name, errors[0])
        return redirect(url_for(".customer_list"))
    try:
        customer = customers.create_customer(
            {"company_name": form.company_name.data}, created_by=current_staff()
        )
        welcome = first_contact(
            customer,
            form.first_name.data,
            form.last_name.data,
            form.email.data,
            welcome=form.send_welcome.data,
        )
    except DomainError as exc:
        fail()
        for name, message in exc.fields.items():
            _flash_field_error(form, name, message)
        if not exc.fields:
            flash(exc.message, "error")
        return redirect(url_for(".customer_list"))
    flash(_("Customer %(name)s was created.", name=customer.company_name), "success")
    if welcome:
        flash(welcome, "success")
    return redirect(url_for(".customer_card", customer_id=customer.id))


@bp.route("/customers/<int:customer_id>/edit", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_edit(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = CustomerForm(obj=customer)
    _fill_choices(form, customer)
    if request.method == "GET":
        form.currency.data = customer.currency.code
        form.language.data = customer.language or ""
        form.groups.data = [g.id for g in customer.groups]
        form.tax_class_id.data = str(customer.tax_class_id or "")
        form.invoice_fields_text.data = ", ".join(customer.invoice_fields or [])
    done = _save(
        form,
        lambda: customers.update_customer(customer, form.service_data(creating=False)),
        lambda saved: _("Customer %(name)s was saved.", name=saved.company_name),
    )
    if done is not None:
        return done
    if request.method == "POST":  # read again: a refused change was rolled back
        customer = get_customer_or_404(customer_id, current_staff())
    return render_template("admin/customers/form.html", form=form, customer=customer)


@bp.post("/customers/<int:customer_id>/active")
@permission_required("customers.edit")
def customer_set_active(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    if EmptyForm().validate_on_submit():
        active = request.form.get("active") == "1"
        customers.set_active(customer, active)
        flash(
            _("%(name)s is active again.", name=customer.company_name)
            if active
            else _("%(name)s was made inactive.", name=customer.company_name),
            "success",
        )
    return redirect(url_for(".customer_card", customer_id=customer_id))


@bp.post("/customers/<int:customer_id>/delete")
@permission_required("customers.delete")
def customer_delete(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    if not EmptyForm().validate_on_submit():
        return redirect(url_for(".customer_card", customer_id=customer_id))
    name = customer.company_name
    try:
        customers.delete_customer(customer)
    except DomainError as exc:
        fail(exc)
        return redirect(url_for(".customer_card", customer_id=customer_id))
    flash(_("Customer %(name)s was deleted.", name=name), "success")
    return redirect(url_for(".customer_list"))


# -- the card -------------------------------------------------------------------------------


def _tab_extras(customer: Customer, tab: str, me: Staff) -> dict[str, Any]:
    """The Financials tab's figures (as ``me`` may see them); the names of who created and last
    changed the customer, its contacts and addresses (on the tabs that show them); the contacts
    tab's contacts with their keywords, in two statements (kept in the context so the card's
    ``customer.contacts`` reuses them)."""
    if tab == "financials":
        return {"financials": financials.summary(customer.id, me)}
    if tab not in ("profile", "contacts", "addresses"):
        return {}
    found = contacts.with_keywords(customer.id) if tab == "contacts" else []
    rows = [customer, *customer.contacts, *customer.addresses]
    names = customer_records.actor_names(
        [ref for row in rows for ref in (row.created_by, row.updated_by)]
    )
    return {"actor_names": names, "contacts": found}


@bp.get("/customers/<int:customer_id>")
@permission_required("customers.view", "customers.view_own")
def customer_card(customer_id: int) -> ResponseReturnValue:
    me = current_staff()
    customer = get_customer_or_404(customer_id, me)
    tab = request.args.get("tab", "profile")
    if tab not in TABS:
        tab = "profile"
    context: dict[str, Any] = {
        "customer": customer,
        "tab": tab,
        "tabs": TABS,
        "action_form": EmptyForm(),
        "today": date.today(),
    }
    if tab == "invoices" and can_view(me, "invoices"):
        context.update(card_documents.invoices_tab(customer, me))
    elif tab == "estimates" and can_view(me, "estimates"):
        context["estimates"] = db.session.scalars(
            scope_query(
                select(Estimate).where(Estimate.customer_id == customer.id),
                me,
                "estimates",
                Estimate,
            )
            .order_by(Estimate.id.desc())
            .limit(100)
        ).all()
    elif tab == "tickets" and can_view(me, "tickets"):
        context.update(card_documents.tickets_tab(customer, me))
    elif tab == "notes":
        from portal.admin.customer_forms import NoteForm

        context["notes"] = customer_records.notes(customer.id)
        context["note_form"] = NoteForm()
    elif tab == "files":
        from portal.admin.customer_files import tab_context

        context.update(tab_context(customer))
    elif tab == "activities":
        context.update(activities_tab(customer))
    elif tab == "activity":
        context["activity"] = customer_records.activity(customer.id)
    context.update(_tab_extras(customer, tab, me))
    return render_template("admin/customers/card.html", **context)
