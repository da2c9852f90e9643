"""Currencies and their minor units: ISO 4217, overridable per workbook.

A currency's minor unit decides every rounding of money, so it must come
from one place for everything that reads a workbook: the engine, the
template's Excel formulas and the documents. That place is the workbook's
own currency table (``tblCurrencies`` on the Lists sheet): the formulas
look their digits up there, and the reader hands the same digits to the
engine inside each :class:`Currency` it parses.

The template fills that table from ISO 4217 (the ``iso4217`` package, a
copy of the SIX table, pinned like every dependency), because ISO 4217 is
what invoices, banks and e-invoicing standards (EN 16931) use. CLDR (Babel)
is a display library and differs on purpose in places (COP, HUF, IDR ...
show no decimals there): it is never asked how to round money.

Codes without a minor unit in ISO 4217 (funds, precious metals, XXX) are
left out: nothing is invoiced in them.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


def _iso_4217() -> Mapping[str, int]:
    from iso4217 import Currency as Iso
    digits = {c.code: int(c.exponent) for c in Iso if c.exponent is not None}
    return MappingProxyType(dict(sorted(digits.items())))


#: ISO 4217 code -> minor-unit digits (USD 2, JPY 0, KWD 3, CLF 4).
ISO_4217: Mapping[str, int] = _iso_4217()


class Currency(str):
    """An ISO 4217 code that carries its minor-unit digits as the workbook
    it was read from defines them. It is the code everywhere a string is
    (equality, hashing, printing, JSON), so records, dictionaries and
    messages need no change; :func:`milebill_xl.core.money.minor_units`
    reads ``digits`` from it. A plain ``str`` code gets ISO 4217's digits."""

    digits: int

    def __new__(cls, code: str, digits: int) -> "Currency":
        self = super().__new__(cls, code)
        self.digits = int(digits)
        return self

    def __getnewargs__(self):  # copy and pickle keep the digits
        return (str(self), self.digits)

    def __repr__(self) -> str:
        return f"Currency({str(self)!r}, {self.digits})"


def table_currencies(table: Mapping[str, int]) -> dict[str, Currency]:
    """One :class:`Currency` per code of a currency table, so a book of
    100,000 rows shares a handful of objects."""
    return {code: Currency(code, digits) for code, digits in table.items()}
