"""Portal sign-in (password, then the second factor when set up), sign-out, the set-password
page behind the welcome link, password reset, self-registration, the language switcher, the
company logo, and leaving "view as contact".

Failed sign-ins are rate limited per account and per address, as on the admin side (only
failures count; ``PORTAL_LOGIN_LIMIT_ACCOUNT`` / ``PORTAL_LOGIN_LIMIT_ADDRESS``); reset and
registration requests per address.
"""

from __future__ import annotations

import time

from flask import (
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.auth import end_session, is_contact, is_staff, start_session
from portal.clients import LOCALE_KEY, bp, contact_required, current_contact, viewing_as
from portal.clients.forms import LanguageSwitchForm, RegisterForm
from portal.extensions import db, limiter
from portal.i18n import locale_of
from portal.models import Contact
from portal.models.base import utcnow
from portal.services.errors import ValidationError
from portal.services.identity import accounts, twofactor, view_as
from portal.services.identity import contact_accounts as portal_accounts
from portal.services.platform import company, settings
from portal.web.forms import (
    EmptyForm,
    LoginForm,
    ResetRequestForm,
    SetPasswordForm,
    TwoFactorForm,
)
from portal.web.login_limits import address_limit, login_limited
from portal.web.urls import safe_next

PENDING = "portal_2fa_pending"
PENDING_MAX_AGE = 300
_limited = login_limited("portal", PENDING)


def _finish_login(contact: Contact, next_url: str | None) -> Response:
    contact.last_login_at = utcnow()
    db.session.commit()
    start_session(contact)
    return redirect(safe_next(next_url, "/clients/") or url_for(".index"))


@bp.route("/login", methods=["GET", "POST"])
@_limited
def login() -> ResponseReturnValue:
    if is_contact():
        return redirect(url_for(".index"))
    form = LoginForm()
    if form.validate_on_submit():
        contact = accounts.authenticate(Contact, form.email.data or "", form.password.data or "")
        db.session.commit()  # a rehash on success, nothing otherwise
        if contact is not None and contact.totp_secret:
            session.clear()
            session[PENDING] = {
                "id": contact.id,
                "v": contact.session_version,
                "at": int(time.time()),
                "next": safe_next(request.args.get("next"), "/clients/"),
            }
            return redirect(url_for(".login_two_factor"))
        if contact is not None:
            return _finish_login(contact, request.args.get("next"))
        g.login_failed = True
        flash(_("Email or password is incorrect."), "error")
    elif request.method == "POST":
        g.login_failed = True
    return render_template(
        "clients/login.html", form=form, registration=portal_accounts.registration_open()
    )


def _pending_contact() -> Contact | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_MAX_AGE:
        return None
    contact = db.session.get(Contact, pending.get("id"))
    if (
        contact is None
        or not contact.is_active
        or not contact.customer.is_active
        or contact.session_version != pending.get("v")
    ):
        return None
    return contact


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def login_two_factor() -> ResponseReturnValue:
    contact = _pending_contact()
    if contact is None or not contact.totp_secret:
        session.pop(PENDING, None)
        flash(_("Please sign in again."), "error")
        return redirect(url_for(".login"))
    g.locale = locale_of(contact)
    refresh()
    form = TwoFactorForm()
    if form.validate_on_submit():
        if twofactor.verify_second_factor(contact, form.code.data or ""):
            next_url = session[PENDING].get("next")
            if twofactor.remaining_recovery_codes(contact) <= 2:
                flash(_("You have few recovery codes left; make new ones."), "error")
            return _finish_login(contact, next_url)
        g.login_failed = True
        form.code.errors = [_("This code is not valid.")]
    elif request.method == "POST":
        g.login_failed = True
    return render_template("clients/login_two_factor.html", form=form)


@bp.post("/logout")
@contact_required
def logout() -> ResponseReturnValue:
    form = EmptyForm()
    if form.validate_on_submit() and is_contact():
        end_session(current_user._get_current_object())
        db.session.commit()
        flash(_("You have been signed out."), "success")
    return redirect(url_for(".login"))


def _password_page(purpose: str, token: str) -> ResponseReturnValue:
    contact = accounts.user_for_token(token, purpose, Contact)
    if contact is None or not contact.customer.is_active:  # type: ignore[union-attr]
        return render_template("clients/link_invalid.html"), 410
    g.locale = locale_of(contact)  # the contact's own language, before sign-in
    refresh()
    form = SetPasswordForm()
    if form.validate_on_submit():
        accounts.set_password(contact, form.password.data or "")
        db.session.commit()
        flash(_("Your password has been set. You can sign in now."), "success")
        return redirect(url_for(".login"))
    status = 422 if request.method == "POST" else 200
    return render_template("clients/set_password.html", form=form, account=contact), status


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    return _password_page("welcome", token)


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"], scope="portal-reset-address")
def reset_password() -> ResponseReturnValue:
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_reset(Contact, form.email.data or "")
        db.session.commit()
        flash(
            _("If an account exists for this address, we have sent a link to reset the password."),
            "success",
        )
        return redirect(url_for(".login"))
    return render_template("clients/reset_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_token(token: str) -> ResponseReturnValue:
    return _password_page("reset", token)


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(address_limit, methods=["POST"], scope="portal-register-address")
def register() -> ResponseReturnValue:
    if not portal_accounts.registration_open():
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            portal_accounts.register(form.data, str(get_locale()))
        except ValidationError as exc:
            db.session.rollback()
            for name, message in exc.fields.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, message]
            if not exc.fields:
                flash(exc.message, "error")
        else:
            db.session.commit()
            return render_template("clients/register_done.html", email=form.email.data)
    status = 422 if request.method == "POST" else 200
    return render_template("clients/register.html", form=form), status


@bp.post("/language")
def language() -> ResponseReturnValue:
    """The language switcher: stores a signed-in contact's choice on its account, an
    anonymous visitor's in the session."""
    form = LanguageSwitchForm()
    target = safe_next(form.next.data, "/clients/") or url_for(".index")
    if not form.validate_on_submit():
        abort(400)
    choice = form.language.data
    if is_contact():
        portal_accounts.set_language(current_user._get_current_object(), choice)
        db.session.commit()
    else:
        session[LOCALE_KEY] = choice
    return redirect(target)


@bp.get("/logo")
def logo() -> ResponseReturnValue:
    found = company.logo_file(settings.get("logo_path"))
    if found is None:
        abort(404)
    path, content_type = found
    return send_file(path, mimetype=content_type, max_age=300)


@bp.post("/view-as/end")
@contact_required
def view_as_end() -> ResponseReturnValue:
    """Leaves "view as contact" and goes back to the admin."""
    form = EmptyForm()
    if not viewing_as() or not is_staff() or not form.validate_on_submit():
        abort(403)
    view_as.end(current_user._get_current_object(), current_contact())
    db.session.commit()
    session.pop(view_as.SESSION_KEY, None)
    return redirect(url_for("admin.index"))
