import copy
import pickle
from decimal import ROUND_DOWN, Decimal, localcontext

import pytest

from milebill_xl.core.currency import Currency
from milebill_xl.core.money import (format_amount, is_known_currency, minor_units,
                                    normalize_currency, quantum, round_money, zero)

D = Decimal


@pytest.mark.parametrize("currency, digits", [("USD", 2), ("EUR", 2), ("GBP", 2), ("JPY", 0),
                                              ("KWD", 3), ("BHD", 3), ("usd", 2), (" jpy ", 0),
                                              # ISO 4217, where CLDR (Babel) says 0
                                              ("COP", 2), ("HUF", 2), ("IDR", 2), ("CLF", 4)])
def test_minor_units_of_a_plain_code_are_iso_4217(currency, digits):
    assert minor_units(currency) == digits


def test_a_currency_read_from_a_workbook_rounds_with_that_workbook_digits():
    cop0 = Currency("COP", 0)
    assert cop0 == "COP" and hash(cop0) == hash("COP") and str(cop0) == "COP"
    assert minor_units(cop0) == 0
    assert round_money(D("3333333.67"), cop0) == D("3333334")
    assert round_money(D("3333333.67"), "COP") == D("3333333.67")
    assert normalize_currency(cop0) is cop0
    assert copy.deepcopy(cop0).digits == 0 and pickle.loads(pickle.dumps(cop0)).digits == 0


@pytest.mark.parametrize("code", ["ZZZ", "USX", "EUD", "", "dollars", "US"])
def test_unknown_currency_is_a_clear_value_error(code):
    assert not is_known_currency(code)
    with pytest.raises(ValueError, match="unknown currency code"):
        minor_units(code)
    with pytest.raises(ValueError):
        round_money(D("1"), code)


@pytest.mark.parametrize("amount, currency, expected", [
    # Half away from zero, as Excel ROUND; banker's rounding would give 2.67 / 0.12 / 2.
    ("2.675", "USD", "2.68"),
    ("-2.675", "USD", "-2.68"),
    ("0.125", "USD", "0.13"),
    ("2.5", "JPY", "3"),
    ("-2.5", "JPY", "-3"),
    ("3.5", "JPY", "4"),
    ("1.0005", "KWD", "1.001"),
    ("1.00049", "KWD", "1.000"),
    ("2.674999", "USD", "2.67"),
    ("1000", "USD", "1000.00"),
])
def test_round_money_half_away_from_zero(amount, currency, expected):
    result = round_money(D(amount), currency)
    assert result == D(expected)
    assert str(result) == expected  # written with exactly the currency's digits


def test_float_input_means_what_the_cell_showed():
    # The binary double nearest 2.675 is 2.67499999..., which would round down.
    assert round_money(2.675, "USD") == D("2.68")


def test_rounding_ignores_callers_decimal_context():
    with localcontext() as ctx:
        ctx.prec = 3
        ctx.rounding = ROUND_DOWN
        assert round_money(D("123456.785"), "USD") == D("123456.79")


def test_quantum_zero_and_format():
    assert quantum("USD") == D("0.01") and quantum("JPY") == D("1") and quantum("KWD") == D("0.001")
    assert str(zero("USD")) == "0.00" and str(zero("JPY")) == "0" and str(zero("KWD")) == "0.000"
    assert format_amount(D("9000"), "USD") == "9,000.00"
    assert format_amount(D("1234567.5"), "JPY") == "1,234,568"
