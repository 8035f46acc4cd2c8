"""Company settings: details and logo, number prefixes, registration, languages, 2FA rule."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import SettingsForm
from portal.auth import permission_required
from portal.services.errors import ValidationError
from portal.services.identity import registrations
from portal.services.payments import provider as providers
from portal.services.platform import company, settings
from portal.web.forms import language_choices
from portal.web.unit_of_work import show_errors


def _form() -> SettingsForm:
    values = settings.get_all()
    values["default_language"] = values.get("default_language") or ""
    values["registration_mode"] = registrations.mode()
    form = SettingsForm(data={k: values.get(k) for k in company.EDITABLE})
    form.default_language.choices = language_choices(_("Server default"))
    form.registration_mode.choices = [
        ("off", _("Off: only staff create portal accounts")),
        ("open", _("Open: anyone may register")),
        ("approval", _("With approval: staff approve each new registration")),
    ]
    return form


def _page(form: SettingsForm) -> str:
    return render_template(
        "admin/settings.html",
        form=form,
        logo=settings.get("logo_path"),
        editable=True,
        online_payment=providers.enabled(),
    )


@bp.get("/settings")
@permission_required("settings.view")
def settings_page() -> ResponseReturnValue:
    return _page(_form())


@bp.post("/settings")
@permission_required("settings.edit")
def settings_save() -> ResponseReturnValue:
    form = _form()
    if form.validate_on_submit():
        upload = form.logo.data
        logo = (upload.filename or "", upload.read()) if upload and upload.filename else None
        try:
            data = dict(form.data)
            if "registration_mode" not in request.form:  # a form of before the modes
                data["registration_mode"] = None
            company.save(data, logo, bool(form.remove_logo.data))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            flash(_("The settings were saved."), "success")
            return redirect(url_for(".settings_page"))
    return _page(form), 422


@bp.get("/settings/logo")
@permission_required("settings.view")
def settings_logo() -> ResponseReturnValue:
    found = company.logo_file(settings.get("logo_path"))
    if found is None:
        abort(404)
    path, content_type = found
    return send_file(path, mimetype=content_type, max_age=300)
