"""The tables the demo data is made of (:mod:`portal.services.platform.demo`): the demo
companies with their primary contacts, reference data, invoice line items and the words the
bulk data set's names are built from."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple


class DemoCompany(NamedTuple):
    company: str
    country: str
    city: str
    language: str
    currency: str
    group: str
    first_name: str
    last_name: str
    email: str  # of the primary contact


#: The demo customers; the first one's primary contact is the demo contact login.
COMPANIES = [
    DemoCompany(
        "Schmidt & Partner GmbH",
        "DE",
        "Berlin",
        "de",
        "EUR",
        "Agencies",
        "Anna",
        "Schmidt",
        "anna.schmidt@example.com",
    ),
    DemoCompany(
        "Virtanen Consulting Oy",
        "FI",
        "Helsinki",
        "fi",
        "EUR",
        "Accounting",
        "Mikko",
        "Virtanen",
        "mikko.virtanen@example.com",
    ),
    DemoCompany(
        "Dupont Événements SARL",
        "FR",
        "Lyon",
        "fr",
        "EUR",
        "Events",
        "Claire",
        "Dupont",
        "claire.dupont@example.com",
    ),
    DemoCompany(
        "García Soluciones S.L.",
        "ES",
        "Madrid",
        "es",
        "EUR",
        "Agencies",
        "Lucía",
        "García",
        "lucia.garcia@example.com",
    ),
    DemoCompany(
        "De Vries IT B.V.",
        "NL",
        "Utrecht",
        "nl",
        "EUR",
        "Accounting",
        "Sanne",
        "de Vries",
        "sanne.devries@example.com",
    ),
    DemoCompany(
        "Nordlys Regnskap AS",
        "NO",
        "Bergen",
        "nb",
        "EUR",
        "Accounting",
        "Ingrid",
        "Hansen",
        "ingrid.hansen@example.com",
    ),
    DemoCompany(
        "Bright Events Ltd",
        "GB",
        "Manchester",
        "en",
        "GBP",
        "Events",
        "Oliver",
        "Smith",
        "oliver.smith@example.com",
    ),
    DemoCompany(
        "Acme Analytics Inc.",
        "US",
        "Boston",
        "en",
        "USD",
        "Agencies",
        "Emma",
        "Johnson",
        "emma.johnson@example.com",
    ),
]

#: (code, symbol, decimal places); the first is the default currency.
CURRENCIES = (("EUR", "€", 2), ("USD", "$", 2), ("GBP", "£", 2))
GROUPS = ("Accounting", "Events", "Agencies")

ACCOUNT_MANAGER_PERMISSIONS = frozenset(
    {
        "customers.view_own",
        "customers.edit",
        "invoices.view_own",
        "invoices.create",
        "estimates.view_own",
        "estimates.create",
        "tickets.view_own",
        "tickets.edit",
    }
)

#: (description, unit price) of the demo documents' lines.
LINE_ITEMS = [
    ("Consulting, senior (hours)", Decimal("120.00")),
    ("Project management (hours)", Decimal("95.00")),
    ("Hosting, monthly", Decimal("49.90")),
    ("Event venue booking", Decimal("1250.00")),
    ("Design workshop", Decimal("800.00")),
]

# -- the bulk data set ------------------------------------------------------------------------

BULK_CITIES = [
    ("Berlin", "DE"),
    ("Helsinki", "FI"),
    ("Paris", "FR"),
    ("Madrid", "ES"),
    ("Amsterdam", "NL"),
    ("Oslo", "NO"),
    ("London", "GB"),
    ("Boston", "US"),
    ("Munich", "DE"),
    ("Tampere", "FI"),
]
#: Company names are two of these words (16), a number and a legal form.
BULK_WORDS = [
    "Alpha",
    "Nordic",
    "Blue",
    "Summit",
    "Harbor",
    "Pixel",
    "Quantum",
    "Granite",
    "Maple",
    "Aurora",
    "Cobalt",
    "Vertex",
    "Lumen",
    "Atlas",
    "Orbit",
    "Cedar",
]
BULK_KINDS = ["GmbH", "Oy", "SARL", "S.L.", "B.V.", "AS", "Ltd", "Inc."]
BULK_LANGUAGES = ["en", "de", "fr", "es", "nl", "fi", "nb", "sv", "da"]
BULK_FIRST_NAMES = [  # 16
    "Anna",
    "Mikko",
    "Claire",
    "Lucía",
    "Sanne",
    "Ingrid",
    "Oliver",
    "Emma",
    "Jonas",
    "Aino",
    "Louis",
    "Pablo",
    "Daan",
    "Nora",
    "Jack",
    "Mia",
]
BULK_LAST_NAMES = [  # 14
    "Schmidt",
    "Virtanen",
    "Dupont",
    "García",
    "de Vries",
    "Hansen",
    "Smith",
    "Johnson",
    "Müller",
    "Korhonen",
    "Martin",
    "López",
    "Jansen",
    "Berg",
]
