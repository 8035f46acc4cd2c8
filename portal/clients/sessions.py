"""Portal sign-in (password, then the second factor when set up), sign-out, the set-password
page behind the welcome link and password reset (the shared flows of :mod:`portal.web.flows`
for :data:`~portal.web.audiences.CONTACTS`), self-registration, the language switcher, the
company logo, and leaving "view as contact".

Failed sign-ins are rate limited per account and per address, as on the admin side (only
failures count; ``PORTAL_LOGIN_LIMIT_ACCOUNT`` / ``PORTAL_LOGIN_LIMIT_ADDRESS``); reset and
registration requests per address and per submitted email (see :mod:`portal.web.limits`).
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, send_file, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_login import current_user

from portal.auth import is_contact, is_staff
from portal.clients import LOCALE_KEY, bp, contact_required, current_contact, viewing_as
from portal.clients.forms import LanguageSwitchForm, RegisterForm
from portal.services.errors import ValidationError
from portal.services.identity import contact_accounts as portal_accounts
from portal.services.identity import registrations, view_as
from portal.services.platform import company, settings
from portal.web import flows
from portal.web.audiences import CONTACTS
from portal.web.forms import EmptyForm
from portal.web.limits import hold_answer, login_limited, registration_limited, reset_limited
from portal.web.unit_of_work import show_errors
from portal.web.urls import safe_next

_limited = login_limited(CONTACTS.limit_side, CONTACTS.pending_key)


@bp.route("/login", methods=["GET", "POST"])
@_limited
def login() -> ResponseReturnValue:
    return flows.sign_in(CONTACTS)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def login_two_factor() -> ResponseReturnValue:
    return flows.sign_in_second_step(CONTACTS)


@bp.post("/logout")
@contact_required
def logout() -> ResponseReturnValue:
    return flows.sign_out(CONTACTS)


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> ResponseReturnValue:
    return flows.set_password(CONTACTS, token, "welcome")


@bp.route("/reset-password", methods=["GET", "POST"])
@reset_limited("portal")
def reset_password() -> ResponseReturnValue:
    return flows.request_reset(CONTACTS)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password_token(token: str) -> ResponseReturnValue:
    return flows.set_password(CONTACTS, token, "reset")


@bp.route("/register", methods=["GET", "POST"])
@registration_limited
def register() -> ResponseReturnValue:
    if not portal_accounts.registration_open():
        abort(404)
    form = RegisterForm()
    if form.validate_on_submit():
        hold_answer()  # a known email is answered no sooner than a new one
        try:
            portal_accounts.register(form.data, str(get_locale()))
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return render_template(
                "clients/register_done.html",
                email=form.email.data,
                approval=registrations.mode() == "approval",
            )
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
    session.pop(view_as.SESSION_KEY, None)
    return redirect(url_for("admin.index"))
