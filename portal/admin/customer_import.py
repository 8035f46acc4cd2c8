"""Customer import: upload, preview of row errors, then all or nothing."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.admin import bp
from portal.admin.customer_forms import ImportForm
from portal.auth import permission_required
from portal.services.customers import import_export as customer_import
from portal.services.errors import DomainError
from portal.web.forms import EmptyForm
from portal.web.unit_of_work import fail, on_commit

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _pending_dir() -> Path:
    path = Path(current_app.instance_path) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _pending_path(token: str) -> Path | None:
    if not token or not token.isalnum():
        return None
    path = _pending_dir() / f"{token}.json"
    return path if path.exists() else None


@bp.route("/customers/import", methods=["GET", "POST"])
@permission_required("customers.create")
@permission_required("customers.edit")
def customer_import_upload() -> ResponseReturnValue:
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(MAX_IMPORT_BYTES + 1) if upload else b""
        try:
            if not upload or not upload.filename:
                raise customer_import.ImportFileError(
                    _("Choose a file."), fields={"file": _("Choose a file.")}
                )
            if len(data) > MAX_IMPORT_BYTES:
                raise customer_import.ImportFileError(
                    _("The file is larger than 5 MB."),
                    fields={"file": _("The file is larger than 5 MB.")},
                )
            rows = customer_import.read_rows(upload.filename, data)
            result = customer_import.preview(rows)
        except DomainError as exc:
            fail()
            form.file.errors = [exc.fields.get("file", exc.message)]
        else:
            fail()  # a preview only: nothing of it is kept
            token = secrets.token_hex(16)
            (_pending_dir() / f"{token}.json").write_text(json.dumps(rows))
            session["customer_import"] = token
            return render_template(
                "admin/customers/import_preview.html",
                result=result,
                token=token,
                filename=upload.filename,
                form=EmptyForm(),
            )
    return render_template(
        "admin/customers/import.html", form=form, columns=customer_import.COLUMNS
    )


@bp.post("/customers/import/apply")
@permission_required("customers.create")
@permission_required("customers.edit")
def customer_import_apply() -> ResponseReturnValue:
    token = request.form.get("token", "")
    path = _pending_path(token) if session.get("customer_import") == token else None
    if not EmptyForm().validate_on_submit() or path is None:
        flash(_("The uploaded file has expired. Please upload it again."), "error")
        return redirect(url_for(".customer_import_upload"))
    rows = json.loads(path.read_text())
    result = customer_import.apply(rows)
    if not result.ok:
        fail()
        return render_template(
            "admin/customers/import_preview.html",
            result=result,
            token=token,
            filename="",
            form=EmptyForm(),
        )

    def forget_upload() -> None:
        path.unlink(missing_ok=True)
        session.pop("customer_import", None)

    on_commit(forget_upload)
    flash(
        _(
            "Import done: %(created)d customers created, %(updated)d updated.",
            created=result.created,
            updated=result.updated,
        ),
        "success",
    )
    return redirect(url_for(".customer_list"))
