"""Nine complete languages: every message extracted from the code (with its context) is in
every catalogue, translated, not fuzzy, with the same placeholders; and the locale is chosen
per SPEC 8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("en", "de", "fr", "es", "nl", "fi", "nb", "sv", "da")


def _key(message) -> tuple[str | None, str]:
    """A message's identity: its context and its (singular) id."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _catalog(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> set[str]:
    """The message ids in the code and templates now (pybabel extract, as `make i18n` does)."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        return {_key(m) for m in read_po(fh) if m.id}


def test_nine_languages_ship():
    assert tuple(LANGUAGES) == SHIPPED
    for locale in SHIPPED:
        assert (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").is_file(), locale


def test_the_code_has_contexts_where_one_word_needs_two_translations(extracted):
    """pgettext is extracted: "Open" is a ticket's and an estimate's, each its own message."""
    assert {("ticket", "Open"), ("estimate", "Open"), ("invoice", "Cancelled")} <= extracted


@pytest.mark.parametrize("locale", SHIPPED)
def test_catalogue_has_every_message_of_the_code(locale, extracted):
    ids = {_key(m) for m in _catalog(locale) if m.id}
    missing = sorted(extracted - ids, key=lambda k: (k[0] or "", k[1]))
    assert not missing, f"{locale}: run `make i18n` and translate: {missing[:20]}"


@pytest.mark.parametrize("locale", SHIPPED)
def test_catalogue_header_has_no_template_placeholders(locale):
    """``FULL NAME <EMAIL@ADDRESS>`` and ``ORGANIZATION`` are pybabel's placeholders."""
    text = (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").read_text()
    header = text.split('msgid ""', 1)[0] + text.split('msgid ""', 1)[1].split("\n\n", 1)[0]
    for placeholder in ("FULL NAME", "EMAIL@ADDRESS", "ORGANIZATION", "LL@li.org", "VERSION"):
        assert placeholder not in header, f"{locale}: {placeholder} in the header"


@pytest.mark.parametrize("locale", [code for code in SHIPPED if code != "en"])
def test_catalogue_is_complete_and_not_fuzzy(locale):
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {_key(message)!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {_key(message)!r}")
    for message, errors in catalog.check():
        problems.extend(f"{message.id!r}: {e}" for e in errors)
    assert not problems, f"{locale}: " + "; ".join(problems[:20])


def test_login_page_follows_accept_language(client):
    page = client.get("/clients/login", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert 'lang="de"' in page.get_data(as_text=True)
    page = client.get("/clients/login", headers={"Accept-Language": "xx"})
    assert 'lang="en"' in page.get_data(as_text=True)


def test_contact_language_then_customer_language(
    client, make_customer, make_contact, login_contact
):
    customer = make_customer(language="nl")
    own = make_contact(customer, language="fi")
    login_contact(own)
    assert 'lang="fi"' in client.get("/clients/", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )
    client.post("/clients/logout")
    other = make_contact(customer)
    login_contact(other)
    assert 'lang="nl"' in client.get("/clients/", headers={"Accept-Language": "de"}).get_data(
        as_text=True
    )


def test_default_locale_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "DEFAULT_LOCALE", "fr")
    page = client.get("/clients/login")
    assert 'lang="fr"' in page.get_data(as_text=True)
