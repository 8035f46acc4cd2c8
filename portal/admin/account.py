"""The signed-in member's own account: language, password, two-factor sign-in and the sessions
per browser (the password, two-factor and sessions parts are the shared flows of
:mod:`portal.web.flows`)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.forms import LanguageForm
from portal.admin.helpers import current_staff
from portal.auth import staff_required
from portal.services.identity import staff as staff_service
from portal.web import flows
from portal.web.audiences import STAFF
from portal.web.forms import EmptyForm, PasswordChangeForm, language_choices


@bp.route("/account", methods=["GET", "POST"])
@staff_required
def account() -> ResponseReturnValue:
    me = current_staff()
    language_form = LanguageForm(prefix="lang", language=me.language or "")
    language_form.language.choices = language_choices(_("Browser language"))
    password_form = PasswordChangeForm(prefix="pw")
    if request.method == "POST" and "lang-language" in request.form:
        if language_form.validate_on_submit():
            staff_service.set_language(me, language_form.language.data or None)
            flash(_("Your language has been saved."), "success")
            return redirect(url_for(".account"))
    elif request.method == "POST":
        changed = flows.change_password(STAFF, me, password_form)
        if changed is not None:
            return changed
    return render_template(
        "admin/account.html", language_form=language_form, password_form=password_form
    )


@bp.route("/account/two-factor", methods=["GET", "POST"])
@staff_required
def two_factor() -> ResponseReturnValue:
    return flows.two_factor_settings(STAFF, current_staff())


@bp.get("/account/sessions")
@staff_required
def account_sessions() -> ResponseReturnValue:
    """The member's active sessions, one per browser, with "sign out" buttons."""
    return render_template(
        "admin/account_sessions.html",
        rows=flows.session_rows(current_staff()),
        form=EmptyForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@staff_required
def account_session_end(session_id: int) -> ResponseReturnValue:
    return flows.end_own_session(STAFF, current_staff(), session_id)


@bp.post("/account/sessions/end-others")
@staff_required
def account_sessions_end_others() -> ResponseReturnValue:
    return flows.end_other_sessions(STAFF, current_staff())
