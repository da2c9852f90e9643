"""What is wrong with a command-line value, and what to type instead.

Each function returns the text of a usage error (click prefixes it with the
argument: ``Invalid value for '--as-of': 2026-11-31: November has 30
days ...``); the command then exits 2 with nothing read or written."""
from __future__ import annotations

import calendar
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def date_mistake(text: str) -> str:
    """Why ``text`` is not a YYYY-MM-DD date: ``2026-11-31: November has 30 days``."""
    m = _DATE.match(str(text))
    if not m:
        return f"{text}: type the date as YYYY-MM-DD, for example 2026-11-30"
    year, month, day = (int(g) for g in m.groups())
    if not 1 <= month <= 12:
        return f"{text}: there is no month {month}; the month comes second, 01 to 12 (YYYY-MM-DD)"
    days = calendar.monthrange(year, month)[1]
    name = calendar.month_name[month]
    if day > days or day < 1:
        return (f"{text}: {name} has {days} days"
                + (f" in {year}" if month == 2 else "")
                + f"; for its last day type {year:04d}-{month:02d}-{days:02d}")
    return f"{text}: type the date as YYYY-MM-DD with two-digit month and day, " \
           f"{year:04d}-{month:02d}-{day:02d}"


def amount_mistake(text: str) -> str | None:
    """None when ``text`` is an amount such as ``1000.00``; else what to type."""
    raw = str(text).strip()
    try:
        value = Decimal(raw)
        if value.is_finite() and re.fullmatch(r"[+-]?\d*\.?\d*", raw):
            return None
    except InvalidOperation:
        pass
    spaced = re.sub(r"[\s\u00a0']", "", raw)
    if re.fullmatch(r"\d+([.,]\d{3})*([.,]\d+)?", spaced):
        marks = [c for c in spaced if c in ".,"]
        decimal_mark = None
        if marks and (len(set(marks)) == 2 or not re.search(r"[.,]\d{3}$", spaced)
                      or marks.count(marks[-1]) == 1 and marks[-1] == "."):
            decimal_mark = marks[-1]
        whole, _, decimals = spaced.rpartition(decimal_mark) if decimal_mark else (spaced, "", "")
        digits = re.sub(r"[.,]", "", whole) + ("." + decimals if decimal_mark else "")
        return (f"{raw}: type the amount as digits with a point before the decimals "
                f"and no thousands separators: {digits}")
    return f"{raw}: type the amount as digits with a point before the decimals, for example 1000.00"


def missing_file(path: Path) -> str:
    """No such file: say where we looked and how to make a workbook."""
    path = Path(path)
    here = "" if path.is_absolute() else f" (looked in {Path.cwd()})"
    return (f"{path}: no such file{here}; check the name, or create a workbook with "
            f"`milebill new {path}`")
