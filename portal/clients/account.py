"""The contact's own profile (name, phone, language, password, two-factor sign-in, the sessions
per browser) and, with the ``company`` permission, the company profile."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.clients import area_required, bp, contact_required, current_contact
from portal.clients.forms import CompanyForm, ProfileForm
from portal.services.identity import contact_accounts as portal_accounts
from portal.web import flows
from portal.web.audiences import CONTACTS
from portal.web.forms import EmptyForm, PasswordChangeForm, language_choices, save_form


@bp.route("/profile", methods=["GET", "POST"])
@contact_required
def profile() -> ResponseReturnValue:
    me = current_contact()
    profile_form = ProfileForm(
        prefix="profile",
        data={
            "first_name": me.first_name,
            "last_name": me.last_name,
            "phone": me.phone or "",
            "language": me.language or "",
        },
    )
    profile_form.language.choices = language_choices(_("My company's language"))
    password_form = PasswordChangeForm(prefix="pw")
    status = 200
    if request.method == "POST" and "profile-first_name" in request.form:
        saved = save_form(
            profile_form,
            lambda: portal_accounts.update_profile(me, profile_form.data),
            _("Your profile has been saved."),
            ".profile",
        )
        if saved is not None:
            return saved
        status = 422
    elif request.method == "POST":
        changed = flows.change_password(CONTACTS, me, password_form)
        if changed is not None:
            return changed
        status = 422
    return render_template(
        "clients/profile.html",
        profile_form=profile_form,
        password_form=password_form,
        two_factor_on=bool(me.totp_secret),
    ), status


@bp.route("/profile/two-factor", methods=["GET", "POST"])
@contact_required
def two_factor() -> ResponseReturnValue:
    return flows.two_factor_settings(CONTACTS, current_contact())


@bp.get("/sessions")
@contact_required
def account_sessions() -> ResponseReturnValue:
    """The contact's active sessions, one per browser, with "sign out" buttons (shown, with the
    buttons disabled, to a staff member viewing the portal as the contact)."""
    return render_template(
        "clients/sessions.html", rows=flows.session_rows(current_contact()), form=EmptyForm()
    )


@bp.post("/sessions/<int:session_id>/end")
@contact_required
def account_session_end(session_id: int) -> ResponseReturnValue:
    return flows.end_own_session(CONTACTS, current_contact(), session_id)


@bp.post("/sessions/end-others")
@contact_required
def account_sessions_end_others() -> ResponseReturnValue:
    return flows.end_other_sessions(CONTACTS, current_contact())


@bp.route("/company", methods=["GET", "POST"])
@area_required("company")
def company_profile() -> ResponseReturnValue:
    me = current_contact()
    customer = me.customer
    form = CompanyForm(
        data={name: getattr(customer, name) or "" for name in portal_accounts.COMPANY_FIELDS}
    )
    if request.method == "POST":
        saved = save_form(
            form,
            lambda: portal_accounts.update_company(me, form.data),
            _("The company profile has been saved."),
            ".company_profile",
        )
        if saved is not None:
            return saved
        return render_template("clients/company.html", form=form, customer=customer), 422
    return render_template("clients/company.html", form=form, customer=customer)
