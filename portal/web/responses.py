"""HTTP responses shared by the admin and the portal."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, request, send_file
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.i18n import file_name
from portal.services.billing import exports, pdf
from portal.services.billing.statements import Statement


def pdf_response(document: Any, locale: str, *, as_attachment: bool) -> ResponseReturnValue:
    """The document's cached PDF with its ETag; ``304`` when the client has it already."""
    etag = pdf.document_etag(document, locale)
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    data, etag = pdf.cached_pdf(document, locale)
    response = send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        as_attachment=as_attachment,
        download_name=pdf.pdf_filename(document, locale),
        etag=etag,
        max_age=0,
        conditional=False,
    )
    response.cache_control.private = True
    response.cache_control.public = False
    return response


def statement_file(
    statement: Statement, kind: str, locale: str, *name_parts: object, as_attachment: bool
) -> ResponseReturnValue:
    """The statement of account as a ``pdf`` or ``csv`` download in ``locale``, named in that
    language (``Kundenkontoauszug-C-000001-2025-01-01-2025-06-30.csv``)."""
    if kind == "pdf":
        data, mimetype = pdf.statement_pdf(statement, locale), "application/pdf"
    else:
        data, mimetype = exports.statement_csv(statement, locale).encode(), "text/csv"
    with force_locale(locale):
        name = file_name(_("Statement of account"), *name_parts, extension=kind)
    return send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=name,
        max_age=0,
    )
