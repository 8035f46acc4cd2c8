"""The contact's own profile (name, phone, language, password, two-factor sign-in) and, with
the ``company`` permission, the company profile."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.auth import start_session
from portal.clients import area_required, bp, contact_required, current_contact
from portal.clients.forms import CompanyForm, ProfileForm, language_choices
from portal.extensions import db
from portal.services.errors import DomainError, ValidationError
from portal.services.identity import accounts, passwords, twofactor
from portal.services.identity import contact_accounts as portal_accounts
from portal.services.platform import settings
from portal.web.forms import ConfirmPasswordForm, EnableTwoFactorForm, PasswordChangeForm

SETUP_SECRET = "portal_2fa_setup_secret"  # noqa: S105 - a session key name


def show_errors(form: FlaskForm, exc: DomainError) -> None:
    """A service's field errors next to the form's fields; anything else is flashed."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is None:
            flash(message, "error")
        else:
            field.errors = [*list(field.errors or []), message]
    if not exc.fields:
        flash(exc.message, "error")


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
        if profile_form.validate_on_submit():
            try:
                portal_accounts.update_profile(me, profile_form.data)
            except ValidationError as exc:
                db.session.rollback()
                show_errors(profile_form, exc)
            else:
                db.session.commit()
                flash(_("Your profile has been saved."), "success")
                return redirect(url_for(".profile"))
        status = 422
    elif request.method == "POST":
        if password_form.validate_on_submit():
            try:
                accounts.change_password(
                    me, password_form.current_password.data or "", password_form.password.data or ""
                )
            except ValidationError as exc:
                db.session.rollback()
                show_errors(password_form, exc)
            else:
                db.session.commit()
                start_session(me)  # this session goes on; every other one has ended
                flash(
                    _("Your password has been changed. Other sessions were signed out."),
                    "success",
                )
                return redirect(url_for(".profile"))
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
    me = current_contact()
    enable_form = EnableTwoFactorForm(prefix="enable")
    confirm_form = ConfirmPasswordForm(prefix="confirm")
    codes: list[str] | None = None
    action = request.form.get("action")
    if me.totp_secret is None:
        secret = session.get(SETUP_SECRET) or twofactor.new_secret()
        session[SETUP_SECRET] = secret
        if action == "enable" and enable_form.validate_on_submit():
            if twofactor.verify_totp(secret, enable_form.code.data or ""):
                codes = twofactor.enable(me, secret)
                db.session.commit()
                session.pop(SETUP_SECRET, None)
                start_session(me)
                flash(_("Two-factor sign-in is on."), "success")
            else:
                enable_form.code.errors = [_("This code is not valid.")]
    elif action in ("disable", "regenerate") and confirm_form.validate_on_submit():
        if not passwords.verify(me.password_hash, confirm_form.current_password.data or ""):
            confirm_form.current_password.errors = [_("The current password is not correct.")]
        elif action == "disable":
            twofactor.disable(me)
            db.session.commit()
            start_session(me)
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for(".two_factor"))
        else:
            codes = twofactor.regenerate_recovery_codes(me)
            db.session.commit()
            flash(_("New recovery codes were made; the old ones no longer work."), "success")
    secret = None if me.totp_secret else session.get(SETUP_SECRET)
    issuer = settings.get("company_name") or "Client portal"
    return render_template(
        "clients/two_factor.html",
        enable_form=enable_form,
        confirm_form=confirm_form,
        codes=codes,
        secret=secret,
        uri=twofactor.provisioning_uri(secret, me.email, issuer) if secret else None,
        remaining=twofactor.remaining_recovery_codes(me) if me.totp_secret else 0,
    )


@bp.route("/company", methods=["GET", "POST"])
@area_required("company")
def company_profile() -> ResponseReturnValue:
    me = current_contact()
    customer = me.customer
    form = CompanyForm(
        data={name: getattr(customer, name) or "" for name in portal_accounts.COMPANY_FIELDS}
    )
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                portal_accounts.update_company(me, form.data)
            except ValidationError as exc:
                db.session.rollback()
                show_errors(form, exc)
            else:
                db.session.commit()
                flash(_("The company profile has been saved."), "success")
                return redirect(url_for(".company_profile"))
        return render_template("clients/company.html", form=form, customer=customer), 422
    return render_template("clients/company.html", form=form, customer=customer)
