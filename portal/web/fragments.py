"""Page fragments rendered once per process and reused: the navigation links, which depend only
on the viewer's permissions, the language and the page (translations and URLs change only with a
deploy)."""

from __future__ import annotations

from collections.abc import Hashable

from flask import render_template, request
from markupsafe import Markup

from portal.i18n import current_locale_code

_CACHE: dict[tuple[Hashable, ...], Markup] = {}
_LIMIT = 5000


def navigation(template: str, permissions: Hashable) -> Markup:
    """``template`` rendered for this page, language and set of ``permissions``, once."""
    key = (template, permissions, current_locale_code(), request.endpoint, request.script_root)
    html = _CACHE.get(key)
    if html is None:
        if len(_CACHE) > _LIMIT:
            _CACHE.clear()
        # Markup is safe here: render_template escaped every value (autoescaped .html).
        html = _CACHE[key] = Markup(render_template(template))  # noqa: S704
    return html
