"""Document links blueprint (``/d``): one invoice or estimate opened from an email without
signing in (SPEC section 11, issue 19).

Every URL starts with the link's token, and this blueprint's guard resolves it before any view
runs (:func:`portal.services.billing.document_links.resolve`), so a view cannot forget the
check: a forged, changed, revoked or expired link, or one whose document or recipient no longer
fits, answers 410 with a page that offers to sign in. The views then show that one document
(the page, its PDF, accepting or declining an estimate) and nothing else: no portal navigation,
and nobody is ever signed in. Pages are in the recipient's language; requests are limited per
client address (``PORTAL_DOCUMENT_LINK_LIMIT_ADDRESS``); answers are not indexed, cached or
given as a referrer (the token is in the address).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import refresh
from flask_limiter.util import get_remote_address
from werkzeug.wrappers import Response

from portal.extensions import limiter
from portal.models import DocumentLink, Estimate, Invoice
from portal.models.database import begin_write
from portal.services.billing import document_links

bp = Blueprint("documents", __name__, url_prefix="/d")

#: The views that count an opening (they write, so they take the write lock first).
COUNTED_ENDPOINTS = {"documents.view"}

limiter.shared_limit(
    lambda: str(current_app.config["DOCUMENT_LINK_LIMIT_ADDRESS"]),
    "document-link-address",
    key_func=get_remote_address,
)(bp)


def current_link() -> tuple[DocumentLink, Invoice | Estimate]:
    """The link of this request and its document (resolved by the guard)."""
    link = g.get("document_link")
    if link is None:
        abort(404)
    return link, g.link_document


def _use_locale(locale: str) -> None:
    g.locale = locale
    refresh()


def gone() -> ResponseReturnValue:
    """The 410 page: the link no longer works; signing in still does."""
    return render_template("documents/gone.html"), 410


@bp.before_request
def require_link() -> ResponseReturnValue | None:
    g.document_link = g.link_document = None
    token = (request.view_args or {}).get("token")
    if not isinstance(token, str):
        abort(404)
    if request.endpoint in COUNTED_ENDPOINTS and request.method == "GET":
        begin_write()
    try:
        link, document = document_links.resolve(token)
    except document_links.LinkGone as exc:
        if exc.link is not None:
            _use_locale(document_links.locale_for(exc.link))
        return gone()
    _use_locale(document_links.locale_for(link))
    g.document_link, g.link_document = link, document
    return None


@bp.after_request
def _private(response: Response) -> Response:
    """The token is in the address: never sent on as a referrer, never indexed or cached."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store, private"
    return response


@bp.context_processor
def _link_globals() -> dict[str, Any]:
    from portal.services.platform import settings

    values = settings.get_all()
    return {"company_name": values["company_name"], "has_logo": bool(values["logo_path"])}


from portal.documents import payments, views  # noqa: E402,F401
