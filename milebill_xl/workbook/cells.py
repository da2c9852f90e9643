"""A1 addressing and cell value coercion, shared by every workbook reader.

Values arrive as the Python types calamine or xlwings hand out: ``str``,
``float``, ``int``, ``bool``, ``date``/``datetime``, ``None`` or ``""`` for a
blank cell, and an Excel error code string such as ``"#N/A"`` for an error
cell. Each ``to_*`` function turns one value into what the records hold, or
raises :class:`CellProblem` with a message a finance user understands.
Blank cells become ``None`` (``""`` for text) so callers apply defaults.
"""
from __future__ import annotations

import re
import string
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable, Mapping

from ..core.currency import ISO_4217, Currency

# Every error value Excel can show in a cell.
ERROR_CODES = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
    "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!",
    "#CONNECT!", "#BUSY!", "#UNKNOWN!", "#PYTHON!",
})


class CellProblem(ValueError):
    """One cell's value cannot be used; ``str(exc)`` is the user message."""


# --------------------------------------------------------------- addressing

# One implementation of A1 addressing, shared with the writer (ooxml.py).
from ..xlsx.ooxml import cell_ref as a1  # noqa: E402,F401  (3, 3) -> 'C3'
from ..xlsx.ooxml import col_letters as column_letter  # noqa: E402,F401  27 -> 'AA'
from ..xlsx.ooxml import col_number as column_number  # noqa: E402,F401  'aa' -> 27
from ..xlsx.ooxml import parse_range as split_range  # noqa: E402,F401  'A1:V101' -> (1, 1, 101, 22)
from ..xlsx.ooxml import parse_ref as split_a1  # noqa: E402,F401  'C3' -> (3, 3)


_PLAIN_SHEET = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_LOOKS_LIKE_REF = re.compile(r"([A-Za-z]{1,3}[0-9]+|[Rr][0-9]*[Cc][0-9]*)\Z")


def quote_sheet(name: str) -> str:
    """A sheet name as Excel writes it in a reference: 'My Sheet' quoted."""
    if _PLAIN_SHEET.match(name) and not _LOOKS_LIKE_REF.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


# ---------------------------------------------------------------- coercion

def is_blank(value: object) -> bool:
    return value is None or (type(value) is str and not value.strip())


def _shown(value: object) -> str:
    """A cell value as the user would recognise it in a message."""
    if type(value) is str:
        return f"'{value.strip()}'"
    if type(value) is bool:
        return "TRUE" if value else "FALSE"
    if type(value) is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return f"the date {value.date().isoformat()}" if value.time() == time() \
            else f"the date-time {value.isoformat(sep=' ')}"
    if isinstance(value, date):
        return f"the date {value.isoformat()}"
    if isinstance(value, (time, timedelta)):
        return f"the time {value}"
    return str(value)


def _error(label: str, code: str) -> CellProblem:
    return CellProblem(f"{label} holds the Excel error {code}; enter a value instead")


def to_text(value: object, label: str) -> str:
    """Any cell as text: numbers without a spurious '.0' (101 -> '101'),
    dates as ISO, stripped; blank -> ''."""
    t = type(value)
    if t is str:
        if value in ERROR_CODES:
            raise _error(label, value)
        return value.strip()
    if value is None:
        return ""
    if t is float:
        return str(int(value)) if value.is_integer() else repr(value)
    if t is int:
        return str(value)
    if t is bool:
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


_FLOAT_DECIMALS: dict[float, Decimal] = {}


def to_decimal(value: object, label: str) -> Decimal | None:
    """A number cell as an exact Decimal (0.1 stays 0.1); blank -> None.

    Text is accepted only when it is a plain decimal such as ``1000.50``:
    text with thousands separators, currency signs or words is a problem,
    because reading it would be a guess."""
    t = type(value)
    if t is float:
        # A column repeats few distinct amounts: one Decimal per distinct
        # float (Decimals are immutable; only 0.0 and -0.0 are equal floats
        # of different repr, and both give Decimal(0)). NaN never hits.
        d = _FLOAT_DECIMALS.get(value)
        if d is not None:
            return d
        if value.is_integer():
            d = Decimal(int(value))
        elif value != value or value in (float("inf"), float("-inf")):
            raise CellProblem(f"{label} must be a number, got {value}")
        else:
            d = Decimal(repr(value))
        if len(_FLOAT_DECIMALS) < 65_536:
            _FLOAT_DECIMALS[value] = d
        return d
    if t is int:
        return Decimal(value)
    if value is None:
        return None
    if t is str:
        s = value.strip()
        if not s:
            return None
        if s in ERROR_CODES:
            raise _error(label, s)
        if _PLAIN_NUMBER.match(s):
            return Decimal(s)
        raise CellProblem(f"{label} must be a number, got '{s}'")
    if isinstance(value, Decimal):
        return value
    raise CellProblem(f"{label} must be a number, got {_shown(value)}")


# Excel keeps 15 significant digits: from ten trillion up, an amount can no
# longer be held to the cent (and 1e300 would overflow every total).
MAX_AMOUNT = Decimal(10) ** 13


def to_money(value: object, label: str, allow_negative: bool = False) -> Decimal | None:
    d = to_decimal(value, label)
    if d is not None and d < 0 and not allow_negative:
        raise CellProblem(f"{label} must not be negative, got {_shown(value)}")
    if d is not None and abs(d) >= MAX_AMOUNT:
        raise CellProblem(f"{label} {d:,.6g} is too large; amounts must be below "
                          "10,000,000,000,000 (Excel keeps only 15 significant digits)")
    return d


def to_percent(value: object, label: str) -> Decimal | None:
    """A fraction between 0 and 1 inclusive (a cell showing 25 % holds 0.25).

    Text such as '25%' is read as 0.25. A number like 25 is a problem that
    tells the user to enter 0.25 or 25 %, never silently divided by 100."""
    if type(value) is str:
        s = value.strip()
        if s.endswith("%"):
            number = s[:-1].strip()
            if _PLAIN_NUMBER.match(number):
                d = Decimal(number) / 100
                if 0 <= d <= 1:
                    return d
                raise CellProblem(f"{label} must be between 0% and 100%, got '{s}'")
            raise CellProblem(f"{label} must be a percentage such as 25% or 0.25, got '{s}'")
    d = to_decimal(value, label)
    if d is None or 0 <= d <= 1:
        return d
    shown = _shown(value)
    if 1 < d <= 100:
        raise CellProblem(
            f"{label} must be a fraction between 0 and 1, got {shown}: "
            f"for {d.normalize():f} percent enter {(d / 100).normalize():f} or {d.normalize():f}%")
    raise CellProblem(f"{label} must be between 0 and 1 (0% to 100%), got {shown}")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def to_date(value: object, label: str) -> date | None:
    """An Excel date (calamine/xlwings give date or datetime) or ISO text
    'YYYY-MM-DD'; blank -> None."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return None
    t = type(value)
    if t is str:
        s = value.strip()
        if not s:
            return None
        if s in ERROR_CODES:
            raise _error(label, s)
        if _ISO_DATE.match(s):
            try:
                return date.fromisoformat(s)
            except ValueError:
                raise CellProblem(f"{label} '{s}' is not a real calendar date") from None
        raise CellProblem(f"{label} is text '{s}', not a date; enter a date such as 2024-03-31")
    if t in (float, int):
        raise CellProblem(
            f"{label} is the number {_shown(value)}, not a date; "
            "enter a date, or format the cell as a date")
    raise CellProblem(f"{label} must be a date, got {_shown(value)}")


def to_int(value: object, label: str, minimum: int | None = None) -> int | None:
    """A whole number (3.0 is fine, 3.5 is not); blank -> None."""
    d = to_decimal(value, label)
    if d is None:
        return None
    try:
        whole = d == d.to_integral_value()
    except InvalidOperation:  # pragma: no cover - huge exponents
        whole = False
    if not whole:
        raise CellProblem(f"{label} must be a whole number, got {_shown(value)}")
    n = int(d)
    if minimum is not None and n < minimum:
        raise CellProblem(f"{label} must be {minimum} or more, got {n}")
    return n


def to_day_list(value: object, label: str) -> tuple[int, ...] | None:
    """Day counts such as ``7, 30, 60`` (commas, semicolons or spaces
    between them; a single number is one count): whole numbers of 1 or
    more, each larger than the one before; blank -> None."""
    if value is None or (type(value) is str and not value.strip()):
        return None
    if type(value) is not str:
        return (to_int(value, label, minimum=1),)
    parts = [p for p in re.split(r"[\s,;]+", to_text(value, label)) if p]
    hint = "; enter whole days in increasing order, such as 7, 30, 60"
    days = []
    for part in parts:
        try:
            days.append(to_int(part, label, minimum=1))
        except CellProblem:
            raise CellProblem(f"{label} must list days overdue, got '{value.strip()}'{hint}") from None
    if any(b <= a for a, b in zip(days, days[1:])):
        raise CellProblem(f"{label} must increase from one count to the next, got "
                          f"'{value.strip()}'{hint}")
    return tuple(days)


def choice_map(words: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Lower-cased, space-collapsed spelling -> canonical contract word."""
    return {" ".join(w.lower().split()): w for w in words}


def to_choice(value: object, label: str, choices: dict[str, str]) -> str | None:
    """One of the contract words, matched ignoring case and extra spaces
    ('in progress' -> 'In Progress'); blank -> None."""
    s = to_text(value, label)
    if not s:
        return None
    word = choices.get(" ".join(s.lower().split()))
    if word is None:
        allowed = ", ".join(dict.fromkeys(choices.values()))
        raise CellProblem(f"{label} must be one of {allowed}; got '{s}'")
    return word


def to_currency(value: object, label: str,
                currencies: Mapping[str, Currency] | None = None) -> str | None:
    """A currency code, upper-cased; blank -> None. With ``currencies``
    (the workbook's own table) the code must be in it and comes back as the
    table's :class:`Currency`, digits and all; without, any ISO 4217 code."""
    s = to_text(value, label)
    if not s:
        return None
    code = s.upper()
    if currencies is not None and code in currencies:
        return currencies[code]
    if code not in ISO_4217:
        raise CellProblem(
            f"{label} '{s}' is not an ISO 4217 currency code (such as USD, EUR, GBP, JPY)")
    if currencies is not None:
        raise CellProblem(
            f"{label} '{s}' is not in the workbook's currency list (sheet Lists, columns "
            "Currency and Digits); add it there with its minor-unit digits")
    return code


def to_country(value: object, label: str) -> str | None:
    """An ISO 3166-1 alpha-2 country code, upper-cased; blank -> None."""
    from ..core.tax import COUNTRY_CODES
    s = to_text(value, label)
    if not s:
        return None
    code = s.upper()
    if code not in COUNTRY_CODES:
        raise CellProblem(f"{label} '{s}' is not an ISO 3166 country code (two letters such "
                          "as FR, DE, ES, CH, GB, US)")
    return code


def to_iban(value: object, label: str) -> str | None:
    """An IBAN as typed (spaces allowed), checked by core.tax; blank -> None."""
    from ..core.tax import iban_problem
    return _checked(value, label, iban_problem)


def to_bic(value: object, label: str) -> str | None:
    """A BIC (SWIFT code) as typed, checked by core.tax; blank -> None."""
    from ..core.tax import bic_problem
    return _checked(value, label, bic_problem)


def _checked(value: object, label: str, problem: Callable[[str], str | None]) -> str | None:
    """The cell's text when ``problem`` finds nothing wrong with it; blank -> None."""
    s = to_text(value, label)
    why = problem(s)
    if why:
        raise CellProblem(f"{label}: {why}")
    return s or None


NUMBER_FIELDS = ("year", "seq")


def check_number_format(fmt: str, label: str) -> str:
    """An invoice/credit note number format: only {year} and {seq} (with an
    optional format spec such as {seq:04d}); {seq} is required so numbers
    differ."""
    try:
        parts = list(string.Formatter().parse(fmt))
    except ValueError as exc:
        raise CellProblem(f"{label} '{fmt}' is not a valid number format ({exc}); "
                          "use braces only around {year} and {seq}") from None
    fields = [name for _, name, _, _ in parts if name is not None]
    bad = [f for f in fields if f not in NUMBER_FIELDS]
    if bad:
        shown = ", ".join("{" + f + "}" for f in dict.fromkeys(bad))
        raise CellProblem(f"{label} '{fmt}' may only use {{year}} and {{seq}}, not {shown}")
    if "seq" not in fields:
        raise CellProblem(f"{label} '{fmt}' must contain {{seq}} so every number is different")
    try:
        fmt.format(year=2024, seq=1)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise CellProblem(f"{label} '{fmt}' is not a valid number format ({exc})") from None
    return fmt
