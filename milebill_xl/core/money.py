"""Money: exact decimals rounded to a currency's minor unit.

The contract (WORKBOOK.md, "Rules") says money is exact decimal arithmetic
in the project's currency, rounded to that currency's minor unit, half away
from zero as Excel's ``ROUND``. The minor unit is the workbook's own
(``tblCurrencies``, carried by each :class:`~.currency.Currency` the reader
makes), else ISO 4217's (USD and EUR 2 digits, JPY 0, KWD 3): see
:mod:`.currency`.

Intermediate products and quotients use a local Decimal context of precision
34 (IEEE decimal128), far beyond any invoice amount, so only the final
``round_money`` loses digits.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import lru_cache

from .currency import ISO_4217, Currency

# Precision for every intermediate money computation in core.
ARITHMETIC = Context(prec=34, rounding=ROUND_HALF_UP)


def arithmetic():
    """A ``with`` block in which Decimal arithmetic uses ``ARITHMETIC``.

    Rules wrap their products and quotients in it, so results never depend
    on the caller's (possibly changed) thread-local Decimal context."""
    return localcontext(ARITHMETIC)


def to_decimal(value: Decimal | int | str | float) -> Decimal:
    """``value`` as a Decimal. Floats go through their shortest repr, so
    0.1 becomes Decimal('0.1') (what the cell showed), not the binary
    expansion."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError(f"not an amount: {value!r}")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, str)):
        return Decimal(value)
    raise TypeError(f"not an amount: {value!r}")


def normalize_currency(currency: str) -> str:
    """The ISO 4217 code as written in upper case, spaces trimmed. A
    :class:`Currency` read from a workbook is already normalized and keeps
    its digits."""
    if type(currency) is Currency:
        return currency
    return (currency or "").strip().upper()


def is_known_currency(currency: str) -> bool:
    """True for a :class:`Currency` (the workbook's table knows it) and for
    an ISO 4217 code (any case, spaces trimmed)."""
    return type(currency) is Currency or normalize_currency(currency) in ISO_4217


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency``: the workbook's own
    for a :class:`Currency`, else ISO 4217's (USD 2, JPY 0, KWD 3).

    Raises ValueError for an unknown code, because guessing two digits for
    a typo like ``USX`` would print invoices in a currency that does not
    exist."""
    if type(currency) is Currency:
        return currency.digits
    digits = ISO_4217.get(normalize_currency(currency))
    if digits is None:
        raise ValueError(f"unknown currency code {currency!r}: use an ISO 4217 code such as USD, EUR or JPY")
    return digits


# ISO 4217 "no currency" code, rounded with two digits: what an unknown
# code is rounded with while the problem is reported (the template's
# formulas fall back to two digits too).
FALLBACK_CURRENCY = Currency("XXX", 2)


def rounding_currency(currency: str) -> str:
    """``currency`` normalized when it is known, else ``FALLBACK_CURRENCY``
    (two digits). For showing figures of a book whose Currency cell is
    wrong; issuing still refuses such a project."""
    code = normalize_currency(currency)
    return code if is_known_currency(code) else FALLBACK_CURRENCY


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for USD, 1 for JPY."""
    return _quantum(minor_units(currency))


@lru_cache(maxsize=16)
def _quantum(digits: int) -> Decimal:
    # Cached per digits, not per code: two workbooks may give one code
    # different digits, and every amount of a book is rounded.
    return Decimal(1).scaleb(-digits)


def round_money(amount: Decimal | int | str | float, currency: str) -> Decimal:
    """``amount`` rounded to the minor unit of ``currency``, half away from
    zero, as Excel's ``ROUND(amount, digits)``: 2.675 USD -> 2.68,
    -2.675 USD -> -2.68, 2.5 JPY -> 3."""
    # The context passed to quantize is what ``with arithmetic():`` would
    # install (a private copy, so its flags stay private): the same result
    # without entering a context per amount (30,000 calls for 10,000 rows).
    if type(amount) is not Decimal:
        amount = to_decimal(amount)
    return amount.quantize(quantum(currency), ROUND_HALF_UP, _ROUNDING)


_ROUNDING = ARITHMETIC.copy()


def round_digits(amount: Decimal, digits: int) -> Decimal:
    """``amount`` rounded half away from zero to ``digits`` decimals, as
    Excel's ``ROUND(amount, digits)`` (for formula values that round to a
    digits cell rather than to a currency)."""
    return to_decimal(amount).quantize(_quantum(digits), ROUND_HALF_UP, _ROUNDING)


#: decimals beyond the minor unit to which a computed share is rounded
#: first (``round_share``); the template's formulas use the same number
SHARE_GUARD = 5


def round_share(amount: Decimal, digits: int) -> Decimal:
    """A computed share (``V x percent``, ``drift x weight / sum``) rounded
    to ``digits`` decimals in two steps, each half away from zero: first to
    ``digits + SHARE_GUARD`` decimals, then to ``digits``; the formulas
    write it ``ROUND(ROUND(x, d+5), d)``.

    A spreadsheet multiplies in binary floating point, so a share that is
    exactly half a minor unit in decimals can arrive a hair below it:
    1,005 JPY x (50 % - 40 %) is 100.49999999999997 there, and
    LibreOffice's ``ROUND(x, 0)`` gives 100 where the rule gives 101. And a
    percent cell holds a binary number, read here as its shortest decimal
    (``=1/6`` is 0.16666666666666666), so 6.03 USD x 1/6 is
    1.00499999999999996 here while the spreadsheet's ``ROUND`` sees 1.005
    and gives 1.01. Rounding to five more decimals first gives 100.5 and
    1.005 in Excel, LibreOffice and here alike (any error of the binary
    arithmetic is far below 10^-5 of a minor unit for amounts under
    10^8)."""
    return round_digits(round_digits(amount, digits + SHARE_GUARD), digits)


def round_share_formula(expr: str, digits: str) -> str:
    """``round_share`` as Excel formula text: ``ROUND(ROUND(x,d+5),d)``
    (``ROUND(1005*(0.5-0.4),0)`` is 100, this gives 101)."""
    return f"ROUND(ROUND({expr},{digits}+{SHARE_GUARD}),{digits})"


def zero(currency: str) -> Decimal:
    """Zero written with the currency's digits (``0.00`` for USD), so a
    total with nothing in it still prints like money."""
    return round_money(0, currency)


def format_amount(amount: Decimal, currency: str | None = None) -> str:
    """``amount`` with thousands separators for messages: ``9,000.00``.

    Uses the currency's digits when ``currency`` is known, else the digits
    the amount has."""
    if currency is not None and is_known_currency(currency):
        amount = round_money(amount, currency)
    return f"{amount:,}"
