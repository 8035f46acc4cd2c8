"""The signed-in member's own account: language, password, two-factor sign-in."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin import bp
from portal.admin.forms import LanguageForm, language_choices
from portal.auth import staff_required, start_session
from portal.extensions import db
from portal.models import Staff
from portal.services.errors import ValidationError
from portal.services.identity import accounts, passwords, twofactor
from portal.services.identity import staff as staff_service
from portal.services.platform import settings
from portal.web.forms import ConfirmPasswordForm, EnableTwoFactorForm, PasswordChangeForm
from portal.web.unit_of_work import show_errors

SETUP_SECRET = "admin_2fa_setup_secret"  # noqa: S105 - a session key name


def _me() -> Staff:
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/account", methods=["GET", "POST"])
@staff_required
def account() -> ResponseReturnValue:
    me = _me()
    language_form = LanguageForm(prefix="lang", language=me.language or "")
    language_form.language.choices = language_choices(_("Browser language"))
    password_form = PasswordChangeForm(prefix="pw")
    if request.method == "POST" and "lang-language" in request.form:
        if language_form.validate_on_submit():
            staff_service.set_language(me, language_form.language.data or None)
            db.session.commit()
            flash(_("Your language has been saved."), "success")
            return redirect(url_for(".account"))
    elif request.method == "POST" and password_form.validate_on_submit():
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
            flash(_("Your password has been changed. Other sessions were signed out."), "success")
            return redirect(url_for(".account"))
    return render_template(
        "admin/account.html", language_form=language_form, password_form=password_form
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@staff_required
def two_factor() -> ResponseReturnValue:
    me = _me()
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
        elif action == "disable" and settings.get("require_staff_2fa"):
            flash(_("Two-factor sign-in is required for all staff."), "error")
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
    company = settings.get("company_name") or twofactor.ISSUER
    return render_template(
        "admin/two_factor.html",
        enable_form=enable_form,
        confirm_form=confirm_form,
        codes=codes,
        secret=secret,
        uri=twofactor.provisioning_uri(secret, me.email, company) if secret else None,
        remaining=twofactor.remaining_recovery_codes(me),
        required=settings.get("require_staff_2fa"),
    )
