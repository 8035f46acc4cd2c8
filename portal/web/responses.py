"""HTTP responses shared by the admin and the portal."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, request, send_file
from flask.typing import ResponseReturnValue

from portal.services.billing import pdf


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
        download_name=pdf.pdf_filename(document),
        etag=etag,
        max_age=0,
        conditional=False,
    )
    response.cache_control.private = True
    response.cache_control.public = False
    return response
