"""Invoice and credit-note numbers from the Settings format text.

``Invoice Number Format`` (default ``INV-{year}-{seq:04d}``) is a Python
format string with exactly two allowed fields: ``{year}``, the issue year,
and ``{seq}``, the sequence number, each with an optional format spec
(``{seq:04d}``, ``{year:04d}``). ``{seq}`` is required, or every number
would be the same. Anything else (other names, positional ``{}``,
attribute or index access, ``!r`` conversions, nested fields, unbalanced
braces) is refused with ``NumberFormatError``, before a single number is
issued.
"""
from __future__ import annotations

import re
from functools import lru_cache
from string import Formatter

from .records import CREDIT_NOTE, RECEIVABLE_TYPES

ALLOWED_FIELDS = ("year", "seq")


def same_series(doc_type: str, kind: str) -> bool:
    """Does a document of ``doc_type`` take its number from ``kind``'s
    series? Credit notes have their own; a Retention Release takes the next
    invoice number."""
    if kind == CREDIT_NOTE:
        return doc_type == CREDIT_NOTE
    return doc_type in RECEIVABLE_TYPES


class NumberFormatError(ValueError):
    """A number format text that cannot make invoice numbers."""


def validate_number_format(fmt: str) -> None:
    """Raise ``NumberFormatError`` unless ``fmt`` uses only ``{year}`` and
    ``{seq}`` (with format specs), contains ``{seq}`` and formats a sample
    number to non-blank text."""
    if not isinstance(fmt, str) or not fmt.strip():
        raise NumberFormatError("the number format is blank; use for example INV-{year}-{seq:04d}")
    message = _format_problem(fmt)
    if message:
        raise NumberFormatError(message)


@lru_cache(maxsize=64)
def _format_problem(fmt: str) -> str | None:
    """What is wrong with the (non-blank) number format ``fmt``, or None.
    Cached: an issue run numbers every invoice with the same format."""
    try:
        parts = list(Formatter().parse(fmt))
    except ValueError as exc:
        return f"number format {fmt!r} is not valid ({exc}); write literal braces as {{{{ and }}}}"
    seen = set()
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in ALLOWED_FIELDS:
            shown = "{" + name + "}" if name else "{}"
            return f"number format {fmt!r} uses {shown}; only {{year}} and {{seq}} are allowed"
        if conversion is not None:
            return (f"number format {fmt!r} uses a conversion (!{conversion}) on {{{name}}}; "
                    "only a format spec such as {seq:04d} is allowed")
        if spec and ("{" in spec or "}" in spec):
            return f"number format {fmt!r} nests a field inside {{{name}}}"
        seen.add(name)
    if "seq" not in seen:
        return f"number format {fmt!r} has no {{seq}}, so every number would be the same"
    try:
        sample = fmt.format(year=2000, seq=1)
    except (ValueError, TypeError) as exc:
        return f"number format {fmt!r} cannot format a number ({exc})"
    if not sample.strip():
        return f"number format {fmt!r} makes blank numbers"
    probes = (1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 1001, 12345)
    if len({fmt.format(year=2000, seq=n) for n in probes}) != len(probes):
        return (f"number format {fmt!r} gives different sequence numbers the same text "
                "(check the spec after seq:)")
    return None


def format_number(fmt: str, year: int, seq: int) -> str:
    """The document number for sequence ``seq`` issued in ``year``:
    ``format_number("INV-{year}-{seq:04d}", 2025, 7) == "INV-2025-0007"``.
    Validates ``fmt`` first."""
    validate_number_format(fmt)
    return fmt.format(year=year, seq=seq)


def series_seq(fmt: str, year: int, number: str) -> int | None:
    """The sequence number ``number`` has in the series ``fmt`` gives for
    ``year``, or None when it is not one of that series' numbers (another
    year, another format). A series is what one format and one ``{year}``
    produce: a new year starts a new series."""
    m = _series_pattern(fmt, year).fullmatch(number)
    if m is None:
        return None
    seq = int(m.group(1))
    return seq if fmt.format(year=year, seq=seq) == number else None


@lru_cache(maxsize=64)
def _series_pattern(fmt: str, year: int) -> re.Pattern:
    """The numbers of one series as a regular expression ({seq} captured)."""
    validate_number_format(fmt)
    pattern = []
    for literal, name, spec, _conv in Formatter().parse(fmt):
        pattern.append(re.escape(literal))
        if name == "year":
            pattern.append(re.escape(format(year, spec or "")))
        elif name == "seq":
            pattern.append(r"(\d+)")
    return re.compile("".join(pattern))


def gap_message(label: str, fmt: str, year: int, next_seq: int, numbers) -> str | None:
    """Why ``next_seq`` (the Settings ``label``, e.g. Next Invoice Seq)
    would leave a gap in, or reuse a number of, the series of ``year``, or
    None when it follows the series' last number (or the series is new, and
    may start at any number). ``numbers`` are the series' documents."""
    used = [(s, n) for n in numbers if (s := series_seq(fmt, year, n)) is not None]
    if not used:
        return None
    last, last_no = max(used)
    if next_seq == last + 1:
        return None
    would = fmt.format(year=year, seq=next_seq)
    skipped = f"{last + 1}" if next_seq == last + 2 else f"{last + 1} to {next_seq - 1}"
    what = (f"reuse {would}" if next_seq <= last
            else f"leave a gap after {last_no} (skipping {skipped})")
    return (f"Setting {label}: {next_seq} would {what}; the last number of this series is "
            f"{last_no}, so set it to {last + 1} (numbers must follow without gaps)")
