"""Registry answers in the shape the services document, kept small (only the keys we read and
a few around them). Numbers are real-looking but the companies are made up.

Sources:
- VIES: the EU's REST API description ``swagger_publicVAT.yaml``
  (https://ec.europa.eu/assets/taxud/vow-information/swagger_publicVAT.yaml),
  ``POST /check-vat-number`` -> ``CheckVatResponse``; errors as ``{"actionSucceed": false,
  "errorWrappers": [{"error": "MS_UNAVAILABLE"}]}``.
- PRH: the YTJ open data API v3 schema (https://avoindata.prh.fi/opendata-ytj-api/v3/schema),
  ``GET /companies?businessId=`` -> ``{"totalResults", "companies": [Company]}``.
- Brønnøysund: Enhetsregisteret's open data API documentation
  (https://data.brreg.no/enhetsregisteret/api/dokumentasjon), ``GET /enheter/{orgnr}`` ->
  ``Enhet``; a deleted entity answers 410 with ``slettedato``.
"""

from __future__ import annotations

from typing import Any

VIES_VALID: dict[str, Any] = {
    "countryCode": "FI",
    "vatNumber": "20774740",
    "requestDate": "2026-11-24T09:12:44.120Z",
    "valid": True,
    "requestIdentifier": "",
    "name": "Revontuli Software Oy",
    "address": "Karakaari 7\n02610 ESPOO",
    "traderName": "---",
    "traderStreet": "---",
    "traderPostalCode": "---",
    "traderCity": "---",
    "traderCompanyType": "---",
    "traderNameMatch": "NOT_PROCESSED",
    "traderStreetMatch": "NOT_PROCESSED",
    "traderPostalCodeMatch": "NOT_PROCESSED",
    "traderCityMatch": "NOT_PROCESSED",
    "traderCompanyTypeMatch": "NOT_PROCESSED",
}

VIES_VALID_DE: dict[str, Any] = {  # Germany gives neither name nor address
    **VIES_VALID,
    "countryCode": "DE",
    "vatNumber": "136695976",
    "name": "---",
    "address": "---",
}

VIES_INVALID: dict[str, Any] = {
    **VIES_VALID,
    "countryCode": "DE",
    "vatNumber": "129273398",
    "valid": False,
    "name": "---",
    "address": "---",
}

VIES_MS_UNAVAILABLE: dict[str, Any] = {
    "actionSucceed": False,
    "errorWrappers": [{"error": "MS_UNAVAILABLE"}],
}

#: A Finnish company with two addresses: a street (visiting) address and a postal address.
PRH_TWO_ADDRESSES: dict[str, Any] = {
    "totalResults": 1,
    "companies": [
        {
            "businessId": {"value": "2077474-0", "registrationDate": "2007-01-22", "source": "3"},
            "euId": {"value": "FIFPRO.2077474-0", "source": "1"},
            "names": [
                {
                    "name": "Revontuli Software Oy",
                    "type": "1",
                    "registrationDate": "2012-05-02",
                    "version": 1,
                    "source": "1",
                },
                {
                    "name": "Revontuli Consulting Oy",
                    "type": "1",
                    "registrationDate": "2007-01-22",
                    "endDate": "2012-05-01",
                    "version": 2,
                    "source": "1",
                },
            ],
            "mainBusinessLine": {
                "type": "62010",
                "descriptions": [
                    {"languageCode": "1", "description": "Ohjelmistojen suunnittelu ja valmistus"},
                    {"languageCode": "3", "description": "Computer programming activities"},
                ],
                "typeCodeSet": "TOIMI4",
                "registrationDate": "2008-01-01",
                "source": "2",
            },
            "website": {"url": "www.revontuli.example", "registrationDate": "2015-03-01"},
            "companyForms": [
                {
                    "type": "16",
                    "descriptions": [{"languageCode": "3", "description": "Limited company"}],
                    "registrationDate": "2007-01-22",
                    "version": 1,
                    "source": "1",
                }
            ],
            "companySituations": [],
            "registeredEntries": [],
            "addresses": [
                {
                    "type": 1,
                    "street": "Karakaari",
                    "postCode": "02610",
                    "postOffices": [
                        {"city": "ESPOO", "languageCode": "1", "municipalityCode": "049"},
                        {"city": "ESBO", "languageCode": "2", "municipalityCode": "049"},
                    ],
                    "postOfficeBox": "",
                    "buildingNumber": "7",
                    "entrance": "",
                    "apartmentNumber": "",
                    "co": "",
                    "country": "FI",
                    "registrationDate": "2019-06-01",
                    "source": "0",
                },
                {
                    "type": 2,
                    "street": "",
                    "postCode": "02601",
                    "postOffices": [{"city": "ESPOO", "languageCode": "1"}],
                    "postOfficeBox": "226",
                    "buildingNumber": "",
                    "co": "",
                    "country": "FI",
                    "registrationDate": "2019-06-01",
                    "source": "0",
                },
            ],
            "tradeRegisterStatus": "1",
            "status": "2",
            "registrationDate": "2007-01-22",
            "endDate": None,
            "lastModified": "2026-10-01T08:00:00",
        }
    ],
}

PRH_NONE: dict[str, Any] = {"totalResults": 0, "companies": []}

BRREG_ACTIVE: dict[str, Any] = {
    "organisasjonsnummer": "988077917",
    "navn": "FJORDLYS AS",
    "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
    "hjemmeside": "www.fjordlys.example",
    "postadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "5808",
        "poststed": "BERGEN",
        "adresse": ["Postboks 123"],
        "kommune": "BERGEN",
        "kommunenummer": "4601",
    },
    "registreringsdatoEnhetsregisteret": "2005-06-01",
    "registrertIMvaregisteret": True,
    "naeringskode1": {"kode": "62.010", "beskrivelse": "Programmeringstjenester"},
    "antallAnsatte": 12,
    "forretningsadresse": {
        "land": "Norge",
        "landkode": "NO",
        "postnummer": "5003",
        "poststed": "BERGEN",
        "adresse": ["Bryggen 1"],
        "kommune": "BERGEN",
        "kommunenummer": "4601",
    },
    "registrertIForetaksregisteret": True,
    "konkurs": False,
    "underAvvikling": False,
    "underTvangsavviklingEllerTvangsopplosning": False,
    "maalform": "Bokmål",
    "_links": {"self": {"href": "https://data.brreg.no/enhetsregisteret/api/enheter/988077917"}},
}

#: A dissolved (deleted) Norwegian company: 410 Gone with its deletion date.
BRREG_DELETED: dict[str, Any] = {
    "organisasjonsnummer": "988077917",
    "navn": "FJORDLYS AS",
    "organisasjonsform": {"kode": "AS", "beskrivelse": "Aksjeselskap"},
    "slettedato": "2025-08-09",
    "_links": {"self": {"href": "https://data.brreg.no/enhetsregisteret/api/enheter/988077917"}},
}

BRREG_BANKRUPT: dict[str, Any] = {**BRREG_ACTIVE, "konkurs": True, "konkursdato": "2026-02-01"}
