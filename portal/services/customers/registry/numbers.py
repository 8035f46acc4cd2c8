"""VAT numbers and business ids: checked by their check digits (python-stdnum) and normalised.

A VAT number starts with its country prefix. EU numbers (``EL`` for Greece, ``XI`` for
Northern Ireland) are checked with ``stdnum.eu.vat``, Norway's ``NO...MVA``, Switzerland's
``CHE...MWST`` and the United Kingdom's ``GB...`` with their own modules; the stored form is
stdnum's compact one with the prefix (no spaces, dots or dashes: ``FI20774740``,
``NO988077917MVA``). A number with a prefix we have no rules for is stored compact and upper
case, unchecked.

A business id is checked by the rules of its country (the customer's billing country, else
the VAT number's): FI y-tunnus and SE organisationsnummer keep their dash (``2077474-0``,
``556188-8404``, the form their registers use), NO organisasjonsnummer, DK CVR, EE
registrikood, FR SIREN/SIRET, ES CIF and BE enterprise numbers are stored compact. Business ids
of other countries are stored as typed (trimmed, single spaces, upper case).

Everything here is pure: no database, no network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import ModuleType

from babel import Locale
from flask_babel import get_locale
from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.be import vat as be_vat
from stdnum.ch import vat as ch_vat
from stdnum.de import vat as de_vat
from stdnum.dk import cvr
from stdnum.ee import registrikood
from stdnum.es import cif
from stdnum.es import nif as es_nif
from stdnum.eu import vat as eu_vat
from stdnum.fi import alv as fi_alv
from stdnum.fi import ytunnus
from stdnum.fr import siren, siret
from stdnum.gb import vat as gb_vat
from stdnum.nl import btw as nl_btw
from stdnum.no import mva, orgnr
from stdnum.se import orgnr as se_orgnr
from stdnum.se import vat as se_vat

#: VAT prefixes of the EU VIES service (ISO codes, except EL for Greece and XI for NI).
VIES_PREFIXES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
        "XI",
    ]
)
_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_STRIP = re.compile(r"[\s.\-/]")


class NumberError(ValueError):
    """A VAT number or business id that fails its country's rules; ``str()`` is the
    translated message for the field."""


def _country_name(code: str) -> str:
    try:
        locale = get_locale() or Locale("en")
    except RuntimeError:  # outside a request or app context
        locale = Locale("en")
    return str(locale.territories.get(code, code))


def _explain(error: stdnum_errors.ValidationError, country: str, kind: str) -> NumberError:
    if isinstance(error, stdnum_errors.InvalidChecksum):
        if kind == "vat":
            return NumberError(_("The check digit of this VAT number is wrong."))
        return NumberError(_("The check digit of this business id is wrong."))
    name = _country_name(country)
    if kind == "vat":
        return NumberError(_("This is not a valid VAT number of %(country)s.", country=name))
    return NumberError(_("This is not a valid business id of %(country)s.", country=name))


def loose(value: str | None) -> str:
    """A number without spaces, dots, dashes or slashes, in upper case: two spellings of one
    number are equal in this form."""
    return _STRIP.sub("", value or "").upper()


def vat_country(vat: str) -> str:
    """The ISO country of a normalised VAT number (``EL...`` is GR, ``CHE...`` is CH)."""
    prefix = vat[:2]
    return _PREFIX_COUNTRY.get(prefix, prefix)


def normalise_vat(value: str) -> str:
    """The stored form of a VAT number; raises :class:`NumberError` when its country's
    rules (length, format, check digits) refuse it."""
    compact = loose(value)
    prefix = compact[:2]
    if len(compact) < 3 or not prefix.isalpha() or not prefix.isascii():
        raise NumberError(_("Start the VAT number with its country code, such as FI or DE."))
    try:
        if prefix in VIES_PREFIXES:
            return str(eu_vat.validate(compact))
        if prefix == "NO":
            number = compact if compact.endswith("MVA") else compact + "MVA"
            return "NO" + str(mva.validate(number))
        if prefix == "CH":
            suffixes = ("MWST", "TVA", "IVA", "TPV")
            number = compact if compact.endswith(suffixes) else compact + "MWST"
            return str(ch_vat.validate(number))
        if prefix == "GB":
            return "GB" + str(gb_vat.validate(compact))
    except stdnum_errors.ValidationError as error:
        raise _explain(error, _PREFIX_COUNTRY.get(prefix, prefix), "vat") from None
    return compact


def vat_lookup_form(value: str) -> str:
    """The form a VAT number is stored in, for finding it: normalised when it passes its
    checks, else compact (an old stored value may predate the checks)."""
    try:
        return normalise_vat(value)
    except NumberError:
        return loose(value)


def _formatted(module: ModuleType) -> Callable[[str], str]:
    return lambda value: str(module.format(module.validate(value)))


def _french(value: str) -> str:
    compact = _STRIP.sub("", value)
    return str((siret if len(compact) == 14 else siren).validate(compact))


#: Business id rules per country: each returns the stored form or raises stdnum's errors.
BUSINESS_IDS: dict[str, Callable[[str], str]] = {
    "FI": _formatted(ytunnus),
    "SE": _formatted(se_orgnr),
    "NO": lambda value: str(orgnr.validate(value)),
    "DK": lambda value: str(cvr.validate(value)),
    "EE": lambda value: str(registrikood.validate(value)),
    "ES": lambda value: str(cif.validate(value)),
    "BE": lambda value: str(be_vat.validate(value)),
    "FR": _french,
}


def normalise_business_id(value: str, country: str | None) -> str:
    """The stored form of a business id under the rules of ``country`` (ISO code); raises
    :class:`NumberError` when they refuse it, or when no country is known."""
    cleaned = " ".join(value.split()).upper()
    if not country:
        raise NumberError(
            _("Give the billing country or a VAT number so that the business id can be checked.")
        )
    rule = BUSINESS_IDS.get(country)
    if rule is None:
        return cleaned
    try:
        return rule(cleaned)
    except stdnum_errors.ValidationError as error:
        raise _explain(error, country, "business_id") from None


# -- what each registry is asked for ------------------------------------------------------------


def finnish_business_id(vat: str) -> str:
    """``FI20774740`` -> ``2077474-0`` (a Finnish VAT number is the y-tunnus)."""
    return str(ytunnus.format(vat[2:]))


def norwegian_orgnr(vat: str) -> str:
    """``NO988077917MVA`` -> ``988077917``."""
    return vat[2:11]


# -- valid numbers for demo and benchmark data ----------------------------------------------------


def _first_valid(seed: int, make: Callable[[str, str], str], check: Callable[[str], bool]) -> str:
    """``make(base, check_digit)`` with a seven-digit base made of ``seed`` (below a million
    for unique numbers) and a last digit counted up until a check digit fits (some bases have
    none, e.g. mod 11 remainders of 10)."""
    for bump in range(10):
        base = f"{seed % 10**6:06d}{bump}"
        for digit in "0123456789":
            if check(number := make(base, digit)):
                return number
    raise ValueError("no valid number")  # pragma: no cover


def example_vat(country: str, seed: int) -> str:
    """A VAT number of ``country`` with valid check digits, different for each ``seed`` below
    a million (for demo and benchmark data; other countries get ``<country><seed>``)."""
    if country == "GB":  # two check digits: the weighted sum plus them is 0 mod 97
        base = f"{seed % 10**7:07d}"
        total = sum(int(d) * w for d, w in zip(base, range(8, 1, -1), strict=True))
        return f"GB{base}{-total % 97:02d}"
    if country == "FR":
        number = _first_valid(seed, lambda b, c: "1" + b + c, siren.is_valid)
        return "FR" + str(siren.to_tva(number))
    # The national modules themselves: about ten times faster than eu_vat for bulk data.
    builders: dict[str, tuple[Callable[[str, str], str], Callable[[str], bool]]] = {
        "FI": (lambda b, c: f"FI{b}{c}", lambda n: fi_alv.is_valid(n[2:])),
        "DE": (lambda b, c: f"DE1{b}{c}", lambda n: de_vat.is_valid(n[2:])),
        "NL": (lambda b, c: f"NL1{b}{c}B01", lambda n: nl_btw.is_valid(n[2:])),
        "ES": (lambda b, c: f"ESB{b}{c}", lambda n: es_nif.is_valid(n[2:])),
        "SE": (lambda b, c: f"SE55{b}{c}01", lambda n: se_vat.is_valid(n[2:])),
        "DK": (lambda b, c: f"DK2{b[1:]}{c}", lambda n: cvr.is_valid(n[2:])),
        "NO": (lambda b, c: f"NO9{b}{c}MVA", lambda n: mva.is_valid(n[2:])),
    }
    if country not in builders:
        return f"{country}{700000000 + seed}"
    make, check = builders[country]
    return _first_valid(seed, make, check)
