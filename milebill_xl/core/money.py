"""Money: exact decimals rounded to a currency's minor unit.

The contract (WORKBOOK.md, "Rules") says money is exact decimal arithmetic
in the project's currency, rounded to that currency's minor unit, half away
from zero as Excel's ``ROUND``. The minor unit comes from Babel's CLDR data
(USD and EUR 2 digits, JPY 0, KWD 3), the same table the template writes to
``tblCurrencies`` so Excel formulas round to the same digits.

Intermediate products and quotients use a local Decimal context of precision
34 (IEEE decimal128), far beyond any invoice amount, so only the final
``round_money`` loses digits.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from functools import lru_cache

from babel.numbers import get_currency_precision, list_currencies

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


@lru_cache(maxsize=None)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def normalize_currency(currency: str) -> str:
    """The ISO 4217 code as written in upper case, spaces trimmed."""
    return (currency or "").strip().upper()


def is_known_currency(currency: str) -> bool:
    """True when ``currency`` (any case, spaces trimmed) is an ISO 4217
    code Babel knows."""
    return normalize_currency(currency) in _known_currencies()


def minor_units(currency: str) -> int:
    """Digits after the decimal point for ``currency``: USD 2, JPY 0, KWD 3.

    Raises ValueError for a code Babel does not know, because guessing two
    digits for a typo like ``USX`` would print invoices in a currency that
    does not exist."""
    code = normalize_currency(currency)
    if code not in _known_currencies():
        raise ValueError(f"unknown currency code {currency!r}: use an ISO 4217 code such as USD, EUR or JPY")
    return get_currency_precision(code)


# ISO 4217 "no currency" code, two digits in CLDR: what an unknown code is
# rounded with while the problem is reported (the template's fallback too).
FALLBACK_CURRENCY = "XXX"


def rounding_currency(currency: str) -> str:
    """``currency`` normalized when Babel knows it, else ``FALLBACK_CURRENCY``
    (two digits). For showing figures of a book whose Currency cell is
    wrong; issuing still refuses such a project."""
    code = normalize_currency(currency)
    return code if code in _known_currencies() else FALLBACK_CURRENCY


@lru_cache(maxsize=512)
def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for USD, 1 for JPY.
    Cached (a Decimal is immutable): every amount of a book is rounded."""
    return Decimal(1).scaleb(-minor_units(currency))


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
