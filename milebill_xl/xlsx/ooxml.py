"""Small SpreadsheetML helpers for the surgical writer (xlsxpatch).

Cell references, attribute scanning on raw bytes, XML escaping, safe XML
parsing and the rendering of one Python value as one ``<c>`` element.
Nothing here reserializes a part: callers splice the bytes these helpers
produce into the original XML.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from defusedxml import ElementTree as SafeET

MAX_ROW = 1_048_576
MAX_COL = 16_384
MAX_TEXT = 32_767
_MAX_DOUBLE = Decimal("1.7976931348623157E+308")

# --------------------------------------------------------------- references

_REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def col_letters(col: int) -> str:
    """1 -> 'A', 28 -> 'AB'."""
    if not 1 <= col <= MAX_COL:
        raise ValueError(f"column {col} out of range 1..{MAX_COL}")
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    """'A' -> 1, 'ab' -> 28."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"bad column letters {letters!r}")
        n = n * 26 + (ord(ch) - 64)
    if not 1 <= n <= MAX_COL:
        raise ValueError(f"column {letters!r} out of range")
    return n


def parse_ref(ref: str) -> tuple[int, int]:
    """'B7' -> (7, 2) as (row, col), 1-based."""
    m = _REF_RE.match(ref.strip())
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    row = int(m.group(2))
    if not 1 <= row <= MAX_ROW:
        raise ValueError(f"row out of range in {ref!r}")
    return row, col_number(m.group(1))


def cell_ref(row: int, col: int) -> str:
    if not 1 <= row <= MAX_ROW:
        raise ValueError(f"row {row} out of range 1..{MAX_ROW}")
    return f"{col_letters(col)}{row}"


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:D5' -> (first_row, first_col, last_row, last_col); 'B2' is B2:B2."""
    a, _, b = ref.strip().partition(":")
    r1, c1 = parse_ref(a)
    r2, c2 = parse_ref(b) if b else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"


# ------------------------------------------------------- raw byte scanning

# An attribute in a start tag: name="value" or name='value' (values may hold '>').
ATTR_RE = re.compile(rb"""([A-Za-z_][\w.\-]*(?::[\w.\-]+)?)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# The inside of a start tag (attributes only), safe against '>' inside values.
TAG_BODY = rb"""(?:\s+[A-Za-z_][\w.\-]*(?::[\w.\-]+)?\s*=\s*(?:"[^"]*"|'[^']*'))*\s*"""


def start_tag_re(local: bytes, prefix: bytes = rb"(?:[A-Za-z_][\w.\-]*:)?") -> re.Pattern:
    """Regex for a start (or empty) tag of ``local``; group 'empty' is b'/' if empty."""
    return re.compile(rb"<(?P<prefix>" + prefix + rb")" + local + rb"(?P<body>" + TAG_BODY
                      + rb")(?P<empty>/?)>")


def attrs(tag_body: bytes) -> dict[bytes, bytes]:
    """Attributes of a raw start tag body (values still XML-escaped)."""
    return {m.group(1): (m.group(2) if m.group(2) is not None else m.group(3))
            for m in ATTR_RE.finditer(tag_body)}


def set_attr(tag: bytes, name: bytes, value: bytes) -> bytes:
    """Return raw start tag ``tag`` with attribute ``name`` set to ``value``.

    Only that attribute's bytes change (or it is added before the tag's end).
    """
    pat = re.compile(rb"(\s" + re.escape(name) + rb"\s*=\s*)(\"[^\"]*\"|'[^']*')")
    m = pat.search(tag)
    if m:
        q = m.group(2)[:1]
        return tag[:m.start(2)] + q + value + q + tag[m.end(2):]
    end = len(tag) - (2 if tag.endswith(b"/>") else 1)
    while end > 0 and tag[end - 1:end].isspace():
        end -= 1
    return tag[:end] + b" " + name + b'="' + value + b'"' + tag[end:]


def remove_attr(tag: bytes, name: bytes) -> bytes:
    pat = re.compile(rb"\s+" + re.escape(name) + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*')")
    return pat.sub(b"", tag, count=1)


def reject_dtd(data: bytes, part: str) -> None:
    """Refuse parts with a DOCTYPE (entity definitions): never valid in OOXML."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError(f"{part}: DOCTYPE/ENTITY declarations are not allowed")


def parse_xml(data: bytes, part: str):
    """Parse a small part safely (defusedxml: no entity expansion, no DTD, no network)."""
    reject_dtd(data, part)
    return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                             forbid_external=True)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# ----------------------------------------------------------------- escaping

_CTRL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XESC_RE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def escape_text(s: str) -> str:
    """Escape a Python string as SpreadsheetML text content (ST_Xstring).

    '&', '<', '>' become entities; '\\r' becomes '&#13;' (else XML readers fold
    it); control characters XML cannot carry become Excel's '_xHHHH_'; a
    literal '_xHHHH_' in the text is protected as '_x005F_xHHHH_'.
    """
    if _SURROGATE_RE.search(s):
        raise ValueError("text holds a lone surrogate; cannot be written")
    s = _XESC_RE.sub(r"_x005F_\1", s)
    s = _CTRL_RE.sub(lambda m: f"_x{ord(m.group()):04X}_", s)
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


@functools.lru_cache(maxsize=512)
def escape_xml(s: str) -> str:
    """Plain XML escaping (formula text is xsd:string, not ST_Xstring).
    Cached: a refresh writes the same column formula on every row."""
    if _CTRL_RE.search(s) or _SURROGATE_RE.search(s):
        raise ValueError("formula holds characters XML cannot carry")
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def escape_attr(s: str) -> str:
    return escape_text(s).replace('"', "&quot;")


# -------------------------------------------------------------- date serials

_EPOCH_1900 = date(1899, 12, 30)
_EPOCH_1904 = date(1904, 1, 1)
_LEAP_BUG_END = date(1900, 3, 1)


def date_serial(value: date | datetime | time | timedelta, date1904: bool) -> Decimal | int:
    """Excel serial number for a date/datetime/time/timedelta.

    1900 system: 1900-01-01 is 1 and dates before 1900-03-01 keep Excel's
    (Lotus) phantom 1900-02-29, so 1900-02-28 is 59 and 1900-03-01 is 61.
    1904 system: 1904-01-01 is 0. Dates before the epoch raise ValueError.
    """
    if isinstance(value, timedelta):
        return _fraction(value.days, value.seconds, value.microseconds)
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("time with tzinfo cannot be written")
        return _fraction(0, value.hour * 3600 + value.minute * 60 + value.second,
                         value.microsecond)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            raise ValueError("aware datetime cannot be written; convert to local naive time")
        day = value.date()
        secs, micro = value.hour * 3600 + value.minute * 60 + value.second, value.microsecond
    else:
        day, secs, micro = value, 0, 0
    if date1904:
        days = (day - _EPOCH_1904).days
        if days < 0:
            raise ValueError(f"{value} is before 1904-01-01 (1904 date system)")
    else:
        if day < date(1900, 1, 1):
            raise ValueError(f"{value} is before 1900-01-01 (1900 date system)")
        days = (day - _EPOCH_1900).days
        if day < _LEAP_BUG_END:
            days -= 1
    return _fraction(days, secs, micro)


def _fraction(days: int, secs: int, micro: int) -> Decimal | int:
    if not secs and not micro:
        return days
    return Decimal(days) + (Decimal(secs) * 1_000_000 + micro) / Decimal(86_400_000_000)


# ------------------------------------------------------------ value -> <c>

@dataclass(frozen=True)
class Formula:
    """A formula to write into a cell, with the value it evaluates to.

    ``text`` is the formula as Excel stores it in the file (English function
    names, comma separators, A1 references); a leading '=' is dropped.
    ``cached`` (number, Decimal, str, bool, date or None) is written as the
    cell's cached result so readers that do not recalculate (calamine,
    previews) see the right value; None writes no cached value.
    """
    text: str
    cached: object = None


def number_text(value: int | float | Decimal) -> str:
    """Exact decimal text for a number: no float noise, no exponent."""
    if type(value) is Decimal and value.is_finite() and abs(value) <= _MAX_DOUBLE:
        if not value:                  # the usual case first: money
            return "0"
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bool):
        raise TypeError("bool is not a number here")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} to a cell")
        value = Decimal(repr(value))   # shortest text that round-trips
    if isinstance(value, Decimal):
        if not value.is_finite() or abs(value) > _MAX_DOUBLE:
            raise ValueError(f"cannot write {value!r} to a cell")
        if value == 0:
            return "0"
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text
    raise TypeError(f"not a number: {value!r}")


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, Decimal)) and not isinstance(v, bool)


def _text_elem(p: str, s: str) -> str:
    if len(s) > MAX_TEXT:
        raise ValueError(f"text of {len(s)} characters exceeds Excel's {MAX_TEXT}")
    space = ' xml:space="preserve"' if s != s.strip() or "\n" in s or "\t" in s else ""
    return f"<{p}is><{p}t{space}>{escape_text(s)}</{p}t></{p}is>"


def render_cell(p: str, ref: str, style: bytes | None, value: object, date1904: bool) -> bytes:
    """One ``<c>`` element for ``value`` (already validated types only).

    ``p`` is the element prefix in use in the sheet ('' or 'x:').
    Text is an inline string and never a formula, whatever it starts with.
    """
    s_attr = f' s="{style.decode("ascii")}"' if style is not None else ""
    return f'<{p}c r="{ref}"{s_attr}'.encode() + cell_tail(p, value, date1904)


@functools.lru_cache(maxsize=512)
def formula_elem(p: str, text: str) -> bytes:
    """The ``<f>`` element of a formula (leading '=' dropped); cached per
    text, and checked well-formed once here, so a writer that checks the
    bytes it splices in may leave this element out of that check."""
    text = text[1:] if text.startswith("=") else text
    if not text:
        raise ValueError("empty formula")
    escaped = escape_xml(text)
    try:                                         # a bug guard
        SafeET.fromstring(f"<f>{escaped}</f>")
    except SafeET.ParseError as exc:
        raise ValueError(f"formula would not be well-formed XML: {exc}") from None
    return f"<{p}f>{escaped}</{p}f>".encode()


@functools.lru_cache(maxsize=512)
def _formula_parts(p: str, text: str) -> tuple[bytes, bytes, bytes]:
    """The ``<f>`` element, ``<v>`` and ``</v></c>``: built once per formula
    (a refresh writes each column's formula on every row)."""
    return formula_elem(p, text), f"<{p}v>".encode(), f"</{p}v></{p}c>".encode()


@functools.lru_cache(maxsize=4096)
def _escaped_value(text: str) -> bytes:
    """A formula's cached text escaped: a few words (flags, statuses)
    repeated on every row."""
    return escape_text(text).encode()


def cell_tail(p: str, value: object, date1904: bool) -> bytes:
    """What follows ``<c r=".." s=".."`` in :func:`render_cell`'s output: the
    type attribute, the end of the start tag, the content and ``</c>``."""
    before, formula, after = cell_tail_parts(p, value, date1904)
    return before + formula + after


def cell_tail_parts(p: str, value: object, date1904: bool) -> tuple[bytes, bytes, bytes]:
    """:func:`cell_tail` in three pieces: what comes before the formula
    element, the element (``b""`` for a plain value; well-formed by itself,
    see :func:`formula_elem`) and what comes after it."""
    if value is None:
        return b"/>", b"", b""
    if isinstance(value, Formula):
        f, v_open, close = _formula_parts(p, value.text)
        c = value.cached
        if c is None:
            return b">", f, f"</{p}c>".encode()
        if type(c) is Decimal:          # the usual cached value: money
            return b">", f, v_open + number_text(c).encode() + close
        if isinstance(c, Formula):
            raise TypeError("a formula's cached value cannot be a formula")
        if isinstance(c, bool):
            return b' t="b">', f, v_open + (b"1" if c else b"0") + close
        if isinstance(c, str):
            if len(c) > MAX_TEXT:
                raise ValueError("cached text too long")
            return b' t="str">', f, v_open + _escaped_value(c) + close
        return b">", f, v_open + _numeric(c, date1904).encode() + close
    if isinstance(value, bool):
        return f' t="b"><{p}v>{int(value)}</{p}v></{p}c>'.encode(), b"", b""
    if isinstance(value, str):
        return f' t="inlineStr">{_text_elem(p, value)}</{p}c>'.encode(), b"", b""
    return f"><{p}v>{_numeric(value, date1904)}</{p}v></{p}c>".encode(), b"", b""


def _numeric(value: object, date1904: bool) -> str:
    if _is_number(value):
        return number_text(value)  # type: ignore[arg-type]
    if isinstance(value, (date, datetime, time, timedelta)):
        return number_text(date_serial(value, date1904))
    raise TypeError(f"cannot write a {type(value).__name__} to a cell: {value!r}")


def check_value(value: object, date1904: bool = False) -> None:
    """Raise TypeError/ValueError early for values render_cell cannot write."""
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValueError(f"text of {len(value)} characters exceeds Excel's {MAX_TEXT}")
        return
    if isinstance(value, Formula):
        if not isinstance(value.text, str) or not value.text.lstrip("="):
            raise ValueError("Formula.text must be a non-empty string")
        escape_xml(value.text)
        c = value.cached
        if type(c) is Decimal:         # the usual cached value: money
            if not c.is_finite() or abs(c) > _MAX_DOUBLE:
                raise ValueError(f"cannot write {c!r} to a cell")
        elif c is not None and type(c) is not int and not isinstance(c, (bool, str)):
            check_value(c, date1904)
        return
    _check_number_or_date(value, date1904)


def _check_number_or_date(value: object, date1904: bool) -> None:
    # the checks number_text makes, without building the text (cheaper)
    cls = type(value)
    if cls is Decimal:
        if not value.is_finite() or abs(value) > _MAX_DOUBLE:  # type: ignore[union-attr]
            raise ValueError(f"cannot write {value!r} to a cell")
        return
    if cls is int:
        return
    if cls is float:
        if not math.isfinite(value):  # type: ignore[arg-type]
            raise ValueError(f"cannot write {value!r} to a cell")
        return
    if _is_number(value):
        number_text(value)  # type: ignore[arg-type]
        return
    if isinstance(value, (date, datetime, time, timedelta)):
        date_serial(value, date1904)
        return
    raise TypeError(f"cannot write a {type(value).__name__} to a cell: {value!r}")


#: the order Excel writes a <font>'s children in (CT_Font as the Open XML
#: SDK validates it); openpyxl writes name, family, ... first, which the
#: validator reports as "Excel expected to repair"
FONT_CHILD_ORDER = (b"b", b"i", b"strike", b"condense", b"extend", b"outline", b"shadow",
                    b"u", b"vertAlign", b"sz", b"color", b"name", b"family", b"charset",
                    b"scheme")
_FONT = re.compile(rb"<font>(.*?)</font>", re.S)
_EMPTY_CHILD = re.compile(rb"<([A-Za-z]+)\b[^<>]*/>")


def excel_font_order(styles_xml: bytes) -> bytes:
    """``styles.xml`` with every ``<font>`` (cell and differential formats)
    holding its children in Excel's order. Only fonts made of empty child
    elements (what spreadsheet libraries write) are reordered."""
    rank = {name: i for i, name in enumerate(FONT_CHILD_ORDER)}

    def reorder(m: re.Match) -> bytes:
        body = m.group(1)
        children = _EMPTY_CHILD.findall(body)
        parts = [c.group(0) for c in _EMPTY_CHILD.finditer(body)]
        if b"".join(parts) != body.strip() or any(c not in rank for c in children):
            return m.group(0)
        ordered = sorted(zip(children, parts), key=lambda cp: rank[cp[0]])
        return b"<font>" + b"".join(p for _, p in ordered) + b"</font>"

    return _FONT.sub(reorder, styles_xml)
