"""Shared input checks: yes and no in every shipped language, so a CSV file exported in one
language (which writes the language's yes and no) imports again."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from portal.i18n import LANGUAGES
from portal.services.platform.validation import Errors, boolean, yes_no_words


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_the_yes_and_no_an_export_writes_read_back(app, locale):
    with app.test_request_context(), force_locale(locale):
        yes, no = gettext("yes"), gettext("no")
    with app.test_request_context():
        errors = Errors()
        assert boolean({"v": yes.upper()}, "v", errors, False) is True
        assert boolean({"v": f" {no} "}, "v", errors, True) is False
        assert not errors.fields


@pytest.mark.parametrize(
    ("word", "expected"),
    [("Ja", True), ("nein", False), ("oui", True), ("Kyllä", True), ("ei", False), ("nej", False)],
)
def test_words_of_other_languages(app, word, expected):
    with app.test_request_context():
        errors = Errors()
        assert boolean({"v": word}, "v", errors, not expected) is expected
        assert not errors.fields


def test_anything_else_is_a_field_error(app):
    with app.test_request_context():
        errors = Errors()
        assert boolean({"active": "maybe"}, "active", errors, True) is True
        assert "active" in errors.fields
        yes, no = yes_no_words()
        assert not yes & no
