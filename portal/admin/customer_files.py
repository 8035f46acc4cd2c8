"""The customer card's Files and links: the tab's contents, downloads (anyone who may see the
customer), and adding, editing and deleting (``customers.edit``). Uploads go through the
ticket attachments' checks and storage; a deleted file's bytes are removed after the commit."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.admin import bp
from portal.admin.helpers import current_staff
from portal.auth import permission_required
from portal.models import Customer, CustomerFile
from portal.services.access.staff import get_customer_or_404
from portal.services.customers import files
from portal.services.errors import DomainError
from portal.services.tickets import attachments
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import on_commit, show_errors

TAB = "files"


class _DetailsForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=files.TITLE_MAX)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=files.DESCRIPTION_MAX)]
    )
    visible_to_contacts = BooleanField(_l("Visible to contacts on the portal's Documents page"))

    def service_data(self) -> dict[str, Any]:
        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "visible_to_contacts": bool(self.visible_to_contacts.data),
        }


class FileForm(_DetailsForm):
    file = FileField(_l("File"))
    title = StringField(_l("Title"), validators=[Optional(), Length(max=files.TITLE_MAX)])


class LinkForm(_DetailsForm):
    url = StringField(_l("Web address"), validators=[DataRequired(), Length(max=files.URL_MAX)])

    def service_data(self) -> dict[str, Any]:
        return {**super().service_data(), "url": self.url.data or ""}


def tab_context(customer: Customer) -> dict[str, Any]:
    """What the card's Files and links tab shows."""
    return {"files": files.for_customer(customer.id)}


def _card(customer_id: int) -> ResponseReturnValue:
    return redirect(url_for(".customer_card", customer_id=customer_id, tab=TAB))


def _item(customer: Customer, file_id: int) -> CustomerFile:
    item = files.of_customer(file_id, customer.id)
    if item is None:
        abort(404)
    return item


def _form_page(form: FlaskForm, customer: Customer, kind: str, item: CustomerFile | None) -> str:
    if item is not None:
        heading = item.title
    else:
        heading = _("Upload file") if kind == "file" else _("Add link")
    return render_template(
        "admin/customers/files_form.html",
        form=form,
        customer=customer,
        kind=kind,
        item=item,
        heading=heading,
    )


@bp.get("/customers/<int:customer_id>/files/<int:file_id>/download")
@permission_required("customers.view", "customers.view_own")
def customer_file_download(customer_id: int, file_id: int) -> ResponseReturnValue:
    item = _item(get_customer_or_404(customer_id, current_staff()), file_id)
    if item.stored_name is None:
        abort(404)
    return send_file(
        attachments.path_of(item.stored_name),
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_name or "file",
        max_age=0,
    )


@bp.route("/customers/<int:customer_id>/files/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_file_new(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = FileForm()
    if form.validate_on_submit():
        upload = request.files.get(form.file.name)
        stored: list[str] = []
        try:
            item = files.add_file(
                customer,
                (upload.filename or "") if upload else "",
                upload.stream if upload else None,
                form.service_data(),
                staff=current_staff(),
                stored=stored,
            )
        except DomainError as exc:
            show_errors(form, exc)
            attachments.remove(stored)
            customer = get_customer_or_404(customer_id, current_staff())
        else:
            flash(_("%(title)s was added.", title=item.title), "success")
            return _card(customer_id)
    return _form_page(form, customer, "file", None), 422 if form.errors else 200


@bp.route("/customers/<int:customer_id>/links/new", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_link_new(customer_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    form = LinkForm()
    if form.validate_on_submit():
        try:
            item = files.add_link(customer, form.service_data(), staff=current_staff())
        except DomainError as exc:
            show_errors(form, exc)
            customer = get_customer_or_404(customer_id, current_staff())
        else:
            flash(_("%(title)s was added.", title=item.title), "success")
            return _card(customer_id)
    return _form_page(form, customer, "link", None), 422 if form.errors else 200


@bp.route("/customers/<int:customer_id>/files/<int:file_id>/edit", methods=["GET", "POST"])
@permission_required("customers.edit")
def customer_file_edit(customer_id: int, file_id: int) -> ResponseReturnValue:
    customer = get_customer_or_404(customer_id, current_staff())
    item = _item(customer, file_id)
    form = LinkForm(obj=item) if item.kind == "link" else _DetailsForm(obj=item)
    if form.validate_on_submit():
        try:
            files.update(item, form.service_data())
        except DomainError as exc:
            show_errors(form, exc)
            customer = get_customer_or_404(customer_id, current_staff())
            item = _item(customer, file_id)
        else:
            flash(_("%(title)s was saved.", title=item.title), "success")
            return _card(customer_id)
    return _form_page(form, customer, item.kind, item), 422 if form.errors else 200


@bp.post("/customers/<int:customer_id>/files/<int:file_id>/delete")
@permission_required("customers.edit")
def customer_file_delete(customer_id: int, file_id: int) -> ResponseReturnValue:
    item = _item(get_customer_or_404(customer_id, current_staff()), file_id)
    if not EmptyForm().validate_on_submit():
        return _card(customer_id)
    title = item.title
    stored = files.delete(item)
    if stored is not None:
        on_commit(lambda: attachments.remove([stored]))
    flash(_("%(title)s was deleted.", title=title), "success")
    return _card(customer_id)
