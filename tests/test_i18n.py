"""Seven complete languages: every message extracted from the code is in every catalogue,
translated, not fuzzy, with the same placeholders; and the locale is chosen per SPEC 8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = sorted(set(LANGUAGES) - {"en"})


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
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_catalogue_has_every_message_of_the_code(locale, extracted):
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(locale) if m.id}
    missing = sorted(extracted - ids)
    assert not missing, f"{locale}: run `make i18n` and translate: {missing[:20]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_catalogue_is_complete_and_not_fuzzy(locale):
    catalog = _catalog(locale)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not all(s.strip() for s in strings):
            problems.append(f"untranslated: {message.id!r}")
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
