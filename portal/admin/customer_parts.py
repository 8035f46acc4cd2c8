"""What belongs to one customer: contacts, additional addresses and internal notes.

Welcome emails (sent with a new contact, after an edit or again) are limited per recipient
(``PORTAL_WELCOME_LIMIT_RECIPIENT``, 429 beyond it)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.admin import bp
from portal.admin.customer_forms import AddressForm, ContactForm, NoteForm
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.extensions import db
from portal.models import Contact, Customer, CustomerAddress, Note
from portal.services.access.staff import get_customer_or_404
from portal.services.customers import contacts, keywords
from portal.services.customers import records as customer_records
from portal.services.errors import DomainError
from portal.services.identity import sessions
from portal.services.platform import email
from portal.web.forms import EmptyForm, language_choices
from portal.web.limits import spend_welcome
from portal.web.unit_of_work import fail, show_errors


def _card(customer_id: int, tab: str) -> ResponseReturnValue:
    return redirect(url_for(".customer_card", customer_id=customer_id, tab=tab))


def _save(
    form: FlaskForm, save: Callable[[], list[str]], customer_id: int, tab: str
) -> ResponseReturnValue | None:
    """For a valid form: ``save()``, flash the messages it returns and show the card's ``tab``.
    A refusal puts the service's errors next to the fields; ``None`` means: show the form."""
    if not form.validate_on_submit():
        return None
    try:
        messages = save()
    except DomainError as exc:
        show_errors(form, exc)
        return None
    for message in messages:
        flash(message, "success")
    return _card(customer_id, tab)


def _contact_of(customer: Customer, contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None or contact.customer_id != customer.id:
        abort(404)
    return contact


# -- contacts -------------------------------------------------------------------------------


def _contact_form(contact: Contact | None = None) -> ContactForm:
    form = ContactForm(obj=contact) if contact is not None else ContactForm()
    form.language.choices = language_choices(_("The customer's language"))
    if request.method == "GET":
        if contact is None:
            form.perm_invoices.data = form.perm_estimates.data = form.perm_tickets.data = True
            form.perm_documents.data = True
            form.send_welcome.data = True
        else:
            form.language.data = contact.language or ""
            form.keywords_text.data = ", ".join(k.name for k in contact.keywords)
            for p in ("invoices", "estimates", "tickets", "company", "documents"):
                getattr(form, f"perm_{p}").data = getattr(contact, f"can_{p}")
    return form


@bp.route("/customers/<int:customer_id>/contacts/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def contact_create(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = _contact_form()

    def save() -> list[str]:
        contact = contacts.create_contact(customer, form.service_data())
        messages = [_("Contact %(name)s was added.", name=contact.full_name)]
        if form.send_welcome.data:
            spend_welcome(contact.email)
            email.queue_welcome(contact)
            messages.append(_("A welcome email is on its way to %(email)s.", email=contact.email))
        return messages

    done = _save(form, save, customer_id, "contacts")
    if done is not None:
        return done
    if request.method == "POST":  # read again: a refused change was rolled back
        customer = get_customer_or_404(customer_id, current_staff())
    return render_template(
        "admin/customers/contact_form.html",
        form=form,
        customer=customer,
        contact=None,
        suggestions=keywords.suggestions(),
    )


@bp.route("/customers/<int:customer_id>/contacts/<int:contact_id>", methods=["GET", "POST"])
@permission_required("customers.edit")
def contact_edit(customer_id: int, contact_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    contact = _contact_of(customer, contact_id)
    form = _contact_form(contact)

    def save() -> list[str]:
        data = form.service_data()
        if contact.is_primary:
            data.pop("is_primary")  # the primary changes by making another one primary
        contacts.update_contact(contact, data)
        if form.send_welcome.data:
            spend_welcome(contact.email)
            email.queue_welcome(contact)
        return [_("Contact %(name)s was saved.", name=contact.full_name)]

    done = _save(form, save, customer_id, "contacts")
    if done is not None:
        return done
    if request.method == "POST":  # read again: a refused change was rolled back
        customer = get_customer_or_404(customer_id, current_staff())
        contact = _contact_of(customer, contact_id)
    return render_template(
        "admin/customers/contact_form.html",
        form=form,
        customer=customer,
        contact=contact,
        suggestions=keywords.suggestions(),
    )


@bp.post("/customers/<int:customer_id>/contacts/<int:contact_id>/<action>")
@permission_required("customers.edit")
def contact_action(customer_id: int, contact_id: int, action: str) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    contact = _contact_of(customer, contact_id)
    if action not in ("primary", "activate", "deactivate", "delete", "welcome", "sign-out"):
        abort(404)
    if not EmptyForm().validate_on_submit():
        return _card(customer_id, "contacts")
    name = contact.full_name
    try:
        if action == "primary":
            contacts.set_primary(contact)
            message = _("%(name)s is now the primary contact.", name=name)
        elif action in ("activate", "deactivate"):
            contacts.update_contact(contact, {"is_active": action == "activate"})
            if action == "deactivate":
                sessions.end_all(contact)
            message = (
                _("%(name)s was activated.", name=name)
                if action == "activate"
                else _("%(name)s was deactivated.", name=name)
            )
        elif action == "sign-out":
            sessions.end_all(contact)
            message = _("%(name)s was signed out on every device.", name=name)
        elif action == "welcome":
            spend_welcome(contact.email)
            email.queue_welcome(contact)
            message = _("A welcome email is on its way to %(email)s.", email=contact.email)
        else:
            contacts.delete_contact(contact)
            message = _("Contact %(name)s was deleted.", name=name)
    except DomainError as exc:
        fail(exc)
    else:
        flash(message, "success")
    return _card(customer_id, "contacts")


# -- addresses ------------------------------------------------------------------------------


@bp.route(
    "/customers/<int:customer_id>/addresses/new",
    methods=["GET", "POST"],
    defaults={"address_id": None},
)
@bp.route("/customers/<int:customer_id>/addresses/<int:address_id>", methods=["GET", "POST"])
@permission_required("customers.edit")
def address_edit(customer_id: int, address_id: int | None) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    address = None
    if address_id is not None:
        address = db.session.get(CustomerAddress, address_id)
        if address is None or address.customer_id != customer.id:
            abort(404)
    form = AddressForm(obj=address) if address else AddressForm()

    def save() -> list[str]:
        data = {k: v for k, v in form.data.items() if k != "csrf_token"}
        customer_records.save_address(customer, address, data)
        return [_("The address was saved.")]

    done = _save(form, save, customer_id, "addresses")
    if done is not None:
        return done
    if request.method == "POST":  # read again: a refused change was rolled back
        customer = get_customer_or_404(customer_id, current_staff())
    return render_template(
        "admin/customers/address_form.html", form=form, customer=customer, address=address
    )


@bp.post("/customers/<int:customer_id>/addresses/<int:address_id>/<action>")
@permission_required("customers.edit")
def address_action(customer_id: int, address_id: int, action: str) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    address = db.session.get(CustomerAddress, address_id)
    if (
        address is None
        or address.customer_id != customer.id
        or action not in ("headquarters", "delete")
    ):
        abort(404)
    if EmptyForm().validate_on_submit():
        if action == "headquarters":
            customer_records.set_headquarters(address)
            flash(_("%(label)s is now the headquarters.", label=address.label), "success")
        else:
            customer_records.delete_address(address)
            flash(_("The address was deleted."), "success")
    return _card(customer_id, "addresses")


# -- notes ----------------------------------------------------------------------------------


@bp.post("/customers/<int:customer_id>/notes")
@permission_required("customers.edit")
def note_add(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = NoteForm()
    if form.validate_on_submit():
        try:
            customer_records.add_note(customer, current_staff(), {"body": form.body.data})
        except DomainError as exc:
            fail(exc)
        else:
            flash(_("The note was added."), "success")
    else:
        flash(_("Write the note first."), "error")
    return _card(customer_id, "notes")


@bp.post("/customers/<int:customer_id>/notes/<int:note_id>/delete")
@permission_required("customers.edit")
def note_delete(customer_id: int, note_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    note = db.session.get(Note, note_id)
    if note is None or note.customer_id != customer.id:
        abort(404)
    if EmptyForm().validate_on_submit():
        customer_records.delete_note(note)
        flash(_("The note was deleted."), "success")
    return _card(customer_id, "notes")
