"""Money: half-up rounding per currency, Decimal only, document totals, Babel formatting."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.i18n import LANGUAGES
from portal.models import Invoice
from portal.services.billing.money import format_money, parse_decimal, quantum, round_money
from portal.services.billing.totals import compute_totals, line_net
from portal.services.errors import ValidationError

D = Decimal
NBSP = "\xa0"
NNBSP = "\u202f"
ZERO = Decimal("0")


@dataclass
class Line:
    quantity: Decimal
    unit_price: Decimal
    tax_percent: Decimal
    discount_percent: Decimal = ZERO


def line(quantity: str, price: str, tax: str, discount: str = "0") -> Line:
    return Line(D(quantity), D(price), D(tax), D(discount))


def assert_exact(value: object, expected: str) -> None:
    """Same value, same number of decimals, and a Decimal (never a float)."""
    assert type(value) is Decimal
    assert str(value) == expected


# -- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "places", "expected"),
    [
        ("1.005", 2, "1.01"),  # half up, where banker's rounding would give 1.00
        ("2.675", 2, "2.68"),  # a float would make this 2.67
        ("1.004", 2, "1.00"),
        ("-1.005", 2, "-1.01"),  # halves round away from zero
        ("0.125", 2, "0.13"),
        ("10", 2, "10.00"),
        ("0.5", 0, "1"),
        ("1.5", 0, "2"),
        ("2.5", 0, "3"),  # banker's rounding would give 2
        ("1234.4999", 0, "1234"),
        ("1.2345", 3, "1.235"),
        ("1.2344", 3, "1.234"),
        ("0.0005", 3, "0.001"),
        ("7", 3, "7.000"),
        ("1.23456", 4, "1.2346"),
    ],
)
def test_round_money_rounds_half_up_per_currency(amount, places, expected):
    assert_exact(round_money(D(amount), places), expected)


def test_round_money_accepts_int_str_and_float_without_binary_artefacts():
    assert_exact(round_money(7, 2), "7.00")
    assert_exact(round_money("2.675", 2), "2.68")
    # 2.675 as a binary float is 2.67499999...; the float goes through repr, not binary.
    assert_exact(round_money(2.675, 2), "2.68")
    assert_exact(round_money(0.1 + 0.2, 2), "0.30")


def test_quantum():
    assert quantum(2) == D("0.01")
    assert quantum(0) == D("1")
    assert quantum(3) == D("0.001")


def test_parse_decimal():
    assert_exact(parse_decimal(" 12.50 ", "price", "Bad"), "12.50")
    assert_exact(parse_decimal(3, "qty", "Bad"), "3")
    assert_exact(parse_decimal(D("1.1"), "qty", "Bad"), "1.1")


@pytest.mark.parametrize("value", [None, True, "", "abc", "1,5", "NaN", "Infinity", "-inf"])
def test_parse_decimal_refuses_what_is_not_a_finite_number(value):
    with pytest.raises(ValidationError) as caught:
        parse_decimal(value, "unit_price", "Enter a number.")

    assert caught.value.fields == {"unit_price": "Enter a number."}
    assert caught.value.message == "Enter a number."


# -- document totals --------------------------------------------------------------------------


def test_line_net_applies_the_discount_and_rounds():
    # 3 x 19.99 = 59.97; less 10% (5.997) = 53.973
    assert_exact(line_net(line("3", "19.99", "24", "10"), 2), "53.97")
    # 2.5 x 12.345 = 30.8625
    assert_exact(line_net(line("2.5", "12.345", "24"), 2), "30.86")
    assert_exact(line_net(line("1", "1.005", "0"), 2), "1.01")
    assert_exact(line_net(Line(D("2"), D("5"), D("0"), None), 2), "10.00")  # type: ignore[arg-type]


def test_totals_with_several_tax_rates_and_a_discount_in_eur():
    totals = compute_totals(
        [
            line("3", "19.99", "24", "10"),  # net 53.97 (53.973)
            line("1", "100.00", "24"),  # net 100.00
            line("1", "10.25", "10"),  # net 10.25
            line("1", "1.005", "0"),  # net 1.01 (half up)
        ],
        2,
    )

    assert [str(n) for n in totals.line_nets] == ["53.97", "100.00", "10.25", "1.01"]
    # Tax is computed once per rate on the sum of the nets at that rate:
    # 24%: 153.97 * 0.24 = 36.9528 -> 36.95; 10%: 10.25 * 0.10 = 1.025 -> 1.03 (half up);
    # 0%: 0.00.
    assert {str(rate): (str(base), str(tax)) for rate, (base, tax) in totals.taxes.items()} == {
        "0": ("1.01", "0.00"),
        "10": ("10.25", "1.03"),
        "24": ("153.97", "36.95"),
    }
    assert list(totals.taxes) == [D("0"), D("10"), D("24")]
    assert_exact(totals.subtotal, "165.23")
    assert_exact(totals.tax_total, "37.98")
    assert_exact(totals.total, "203.21")


def test_equal_rates_written_differently_share_one_tax_line():
    totals = compute_totals([line("1", "10.00", "20"), line("1", "5.00", "20.0000")], 2)

    assert {str(rate): (str(base), str(tax)) for rate, (base, tax) in totals.taxes.items()} == {
        "20": ("15.00", "3.00")
    }
    assert_exact(totals.total, "18.00")


def test_fractional_tax_rates_keep_their_decimals():
    totals = compute_totals([line("1", "100.00", "25.5"), line("1", "100.00", "5.50")], 2)

    assert [str(rate) for rate in totals.taxes] == ["5.5", "25.5"]
    assert_exact(totals.tax_total, "31.00")


def test_totals_in_jpy_have_no_decimals():
    totals = compute_totals(
        [
            line("1", "1234.5", "10"),  # 1235; tax 123.5 -> 124
            line("3", "99", "8"),  # 297; tax 23.76 -> 24
        ],
        0,
    )

    assert [str(n) for n in totals.line_nets] == ["1235", "297"]
    assert_exact(totals.subtotal, "1532")
    assert_exact(totals.tax_total, "148")
    assert_exact(totals.total, "1680")


def test_totals_in_a_three_decimal_currency():
    totals = compute_totals(
        [
            line("1", "1.2345", "5"),  # 1.235 (half up)
            line("2", "0.5005", "5", "50"),  # 1.001 less 50% = 0.5005 -> 0.501
        ],
        3,
    )

    assert [str(n) for n in totals.line_nets] == ["1.235", "0.501"]
    # 5% of 1.736 = 0.0868 -> 0.087
    assert_exact(totals.subtotal, "1.736")
    assert_exact(totals.tax_total, "0.087")
    assert_exact(totals.total, "1.823")


def test_totals_of_no_lines_are_zero_decimals():
    totals = compute_totals([], 2)

    assert_exact(totals.subtotal, "0.00")
    assert_exact(totals.tax_total, "0.00")
    assert_exact(totals.total, "0.00")
    assert totals.taxes == {}


def test_a_credit_line_gives_negative_totals():
    totals = compute_totals([line("-1", "100.00", "24"), line("1", "40.00", "24")], 2)

    assert_exact(totals.subtotal, "-60.00")
    assert_exact(totals.tax_total, "-14.40")
    assert_exact(totals.total, "-74.40")


def test_everything_in_the_totals_is_a_decimal():
    totals = compute_totals([line("3", "19.99", "24", "10"), line("1", "10.25", "10")], 2)

    values = [totals.subtotal, totals.tax_total, totals.total, *totals.line_nets]
    for rate, (base, tax) in totals.taxes.items():
        values += [rate, base, tax]
    assert values
    assert all(type(v) is Decimal for v in values)


def test_stored_invoice_totals_come_back_as_decimals(make_invoice):
    invoice = make_invoice(
        lines=[("Consulting", "3", "19.99", "24"), ("Hosting", "1", "10.25", "10")]
    )
    db.session.expire_all()

    stored = db.session.get(Invoice, invoice.id)
    assert (stored.subtotal, stored.tax_total, stored.total) == (
        D("70.22"),
        D("15.42"),  # 59.97 * 0.24 = 14.3928 -> 14.39; 1.025 -> 1.03
        D("85.64"),
    )
    assert [line.net_amount for line in stored.lines] == [D("59.97"), D("10.25")]
    amounts = [stored.subtotal, stored.tax_total, stored.total, stored.amount_due]
    amounts += [line.net_amount for line in stored.lines]
    assert all(type(v) is Decimal for v in amounts)


# -- formatting -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "€1,234.50"),
        ("de", f"1.234,50{NBSP}€"),
        ("fi", f"1{NBSP}234,50{NBSP}€"),
        ("fr", f"1{NNBSP}234,50{NBSP}€"),
    ],
)
def test_format_money_in_the_viewers_locale(locale, expected):
    assert format_money(D("1234.5"), "EUR", locale, 2) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "¥1,235"),
        ("de", f"1.235{NBSP}¥"),
        ("fi", f"1{NBSP}235{NBSP}¥"),
        ("fr", f"1{NNBSP}235{NBSP}JPY"),
    ],
)
def test_jpy_is_formatted_without_decimals(locale, expected):
    assert format_money(D("1234.5"), "JPY", locale, 0) == expected


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("en", "KWD1,234.568"), ("de", f"1.234,568{NBSP}KWD")],
)
def test_three_decimal_currency_formatting(locale, expected):
    assert format_money(D("1234.5675"), "KWD", locale, 3) == expected


def test_format_money_rounds_half_up_and_handles_negatives():
    assert format_money(D("0.005"), "EUR", "en", 2) == "€0.01"
    assert format_money(D("2.675"), "EUR", "de", 2) == f"2,68{NBSP}€"
    assert format_money(D("-1234.5"), "EUR", "en", 2) == "-€1,234.50"
    assert format_money(D("-1234.5"), "EUR", "de", 2) == f"-1.234,50{NBSP}€"
    assert format_money(D("1234567.891"), "USD", "en", 2) == "$1,234,567.89"


def test_our_decimal_places_win_over_babels():
    # Babel knows JPY has no decimals and EUR two; the currency table is the authority.
    assert format_money(D("1234.5"), "JPY", "en", 2) == "¥1,234.50"
    assert format_money(D("1234.5"), "EUR", "en", 0) == "€1,235"


AMOUNTS = [
    "0",
    "-0.001",
    "0.004",
    "0.5",
    "7",
    "-7.25",
    "999.995",
    "1000",
    "-1000",
    "12345.675",
    "-987654.321",
    "1234567890.125",
    "100000000000000000.5",
]


SHIPPED = sorted(LANGUAGES)


@pytest.mark.parametrize("locale", SHIPPED)
@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "JPY", "KWD", "NOK", "CHF"])
def test_format_money_agrees_with_babels_format_currency(locale, code):
    """With the currency's ISO decimals, ``format_money`` gives what Babel's public
    ``format_currency`` gives, for every shipped locale, the demo currencies and more."""
    from babel.numbers import format_currency, get_currency_precision

    places = get_currency_precision(code)
    for raw in AMOUNTS:
        rounded = round_money(D(raw), places)
        expected = format_currency(rounded, code, locale=locale)
        assert format_money(D(raw), code, locale, places) == expected, (raw, locale, code)
