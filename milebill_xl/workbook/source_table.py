"""A schedule someone exported: the header and rows of a CSV file or of a
workbook sheet (MS Project, Smartsheet, an Excel list), for ``import``.

CSV as spreadsheets and planners write it: the encoding is UTF-8 (with or
without a byte-order mark), UTF-16 with its mark (Excel's "Unicode text"),
else Windows-1252 (Excel's "CSV" on Windows); the delimiter is whichever of
comma, semicolon, tab or bar the file's first lines use consistently
(``csv.Sniffer``). A workbook is read through the same guard and calamine
path as our own books: the first sheet whose first non-blank row has text
headers, and its rows below.
"""
from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .book import BookError

_DELIMITERS = ",;\t|"
_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SourceTable:
    """``rows[k][i]`` is under ``header[i]``; ``row_numbers[k]`` is the line
    (CSV) or sheet row (workbook) a person finds it on; ``where`` names the
    file (and sheet) in messages."""

    where: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]
    row_numbers: tuple[int, ...]
    column_letters: bool          # a workbook: columns are named A, B, ...

    def column_name(self, i: int) -> str:
        """How a person finds column ``i``: its letter in a workbook, its
        header in a CSV."""
        if self.column_letters:
            from ..xlsx.ooxml import col_letters
            return f"column {col_letters(i + 1)} ({self.header[i]})"
        return f"column '{self.header[i]}'"


def _decode(data: bytes) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_csv(path: Path) -> SourceTable:
    data = path.read_bytes()
    if len(data) > _MAX_BYTES:
        raise BookError(f"{path.name} is larger than 64 MB; split it")
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    lines = [(n, row) for n, row in enumerate(reader, start=1) if any(c.strip() for c in row)]
    if not lines:
        raise BookError(f"{path.name} is empty: no header row")
    (_, header), body = lines[0], lines[1:]
    width = len(header)
    rows = tuple(tuple(c.strip() for c in (row + [""] * width)[:width]) for _, row in body)
    return SourceTable(path.name, tuple(h.strip() for h in header), rows,
                       tuple(n for n, _ in body), False)


def read_sheet(path: Path) -> SourceTable:
    from python_calamine import CalamineError, CalamineWorkbook

    from ..xlsx.guard import check_package
    check_package(path)
    try:
        with CalamineWorkbook.from_path(str(path)) as wb:
            for name in wb.sheet_names:
                values = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
                table = _header_and_rows(values)
                if table is not None:
                    top, header, body = table
                    return SourceTable(f"{path.name}, sheet {name}", header,
                                       tuple(r for _, r in body), tuple(n for n, _ in body), True)
    except CalamineError as exc:
        raise BookError(f"{path.name} cannot be read: {exc}") from None
    raise BookError(f"{path.name} has no sheet with a header row")


def _header_and_rows(values: list[list]):
    for top, row in enumerate(values):
        if any(v not in (None, "") for v in row):
            if not any(isinstance(v, str) and v.strip() for v in row):
                return None
            header = tuple((v.strip() if isinstance(v, str) else "" if v is None else str(v))
                           for v in row)
            body = [(top + 2 + k, tuple(r) + (None,) * (len(header) - len(r)))
                    for k, r in enumerate(values[top + 1:])
                    if any(v not in (None, "") for v in r)]
            return top, header, body
    return None


def read_source(path: Path) -> SourceTable:
    """The table in ``path``: a workbook by its zip signature, else CSV."""
    path = Path(path)
    if not path.is_file():
        raise BookError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(4)
    return read_sheet(path) if head == b"PK\x03\x04" else read_csv(path)
