"""The book interface over a workbook open in Excel, through xlwings.

    live = LiveBook(xw.Book.caller())
    refresh.run(live)            # the same action code as the CLI

Reading: every contract table (an Excel ListObject, found by name on any
sheet through ``sheet.tables``) is read with ONE ``.value`` call over its
whole range (header row and data body), turned into a
:class:`~milebill_xl.workbook.geometry.RawTable` and handed to the shared
:func:`~milebill_xl.workbook.parse.parse_book`, exactly as the file reader
does. Error cells come back as their code ('#N/A') so they are reported
like in a file.

Writing (:meth:`LiveBook.apply`), one Excel call per block, never per row:

* appended rows: the ListObject is resized (``Table.resize``) and the new
  block written in one call, after one read proving the rows below are
  empty; the blank placeholder row of an empty table is filled first, as
  the file writer does;
* cell updates: one write per touched column, over the span from the first
  to the last touched row; rows in that span that are not updated are
  written back with the value read at load (so input columns written
  sparsely, like a milestone's Invoice No, must hold values, not formulas,
  in the rows between: they do in the contract's workbook);
* settings: one write over the span of the touched rows of the Value column;
* sheet cells (the Dashboard): one write per rectangular block of cells.

So the number of Excel calls depends on the tables and columns touched,
never on the number of rows. Values cross the boundary as Excel wants
them: ``Formula`` as its text with '=' (Excel computes it; cached values are
for files only), ``Decimal`` as float, dates as dates, and text that Excel
would otherwise convert when it is assigned (leading '=', numbers such as
'0001', ISO dates, TRUE) with a leading apostrophe, which keeps it text.

Excel cannot write "all or nothing": everything is converted and checked
(columns exist, rows are in range, room below a growing table) before the
first write, and Excel is blocked while RunPython runs, so between
:meth:`load` and :meth:`apply` nobody else edits the workbook. During the
writes screen updating is off and calculation manual; both are restored
(Excel then recalculates once).

A LiveBook lives for one button press: :meth:`load` reads once and returns
the same result until :meth:`apply` writes.
"""
from __future__ import annotations

import contextlib
import math
import ntpath
import posixpath
import re
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable

from ..workbook import contract
from ..workbook.book import BookError, Changes, Formula
from ..workbook.cells import ERROR_CODES, a1, column_letter as _col, split_a1, split_range, to_text
from ..template.formulas import formula_columns
from ..workbook.geometry import RawTable, TableGeometry, header_key
from ..workbook.parse import parse_book

CONTRACT_TABLES = tuple(t.name for t in contract.TABLES) + (contract.CURRENCIES.name,)

__all__ = ["LiveBook", "CONTRACT_TABLES", "to_excel", "unsaved_message"]


def unsaved_message(name: str) -> str:
    return (f"{name} has never been saved, so it has no folder for the invoice documents; "
            "save it (File > Save As) and try again")


# ------------------------------------------------------- value conversion

_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_NUMBERISH = re.compile(r"[\s\d.,:/\-+()%$€£¥eE]*\d[\s\d.,:/\-+()%$€£¥eE]*(?:\s*[AaPp][Mm]?)?")
_DATEISH = re.compile(rf"\s*\d{{0,4}}[\s\-/.,]*(?:{_MONTHS})[a-z]*\.?[\s\-/.,]*\d{{0,4}}\s*", re.I)


def _needs_guard(text: str) -> bool:
    """True when Excel would not keep ``text`` as typed on assignment."""
    if not text:
        return False
    if text[0] in "=+-@'":
        return True
    if text.strip().upper() in ("TRUE", "FALSE"):
        return True
    if any(ch.isdigit() for ch in text):
        return bool(_NUMBERISH.fullmatch(text) or _DATEISH.fullmatch(text))
    return False


def to_excel(value: Any) -> Any:
    """One Python value as xlwings should write it to live Excel."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Formula):
        text = value.text[1:] if value.text.startswith("=") else value.text
        if not text:
            raise BookError("cannot write an empty formula")
        return "=" + text
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise BookError(f"cannot write {value} to a cell")
        return float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise BookError(f"cannot write {value} to a cell")
        return value
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        if value in ERROR_CODES:
            return value  # Excel turns the code back into the error
        return "'" + value if _needs_guard(value) else value
    if isinstance(value, time):
        return (value.hour * 3600 + value.minute * 60 + value.second) / 86400
    raise BookError(f"cannot write a {type(value).__name__} to a cell: {value!r}")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# ------------------------------------------------------------------ model

@dataclass
class _Live:
    """One contract table as found at load."""

    table: Any           # xlwings Table (ListObject)
    sheet: Any           # xlwings Sheet
    geometry: TableGeometry
    rows: list[list]     # data rows as read (values as Excel gave them)
    totals: bool

    def sheet_row(self, row: int) -> int:
        return self.geometry.sheet_row(row)


@dataclass
class _Write:
    sheet: Any
    r1: int
    c1: int
    values: list[list]

    def run(self) -> None:
        r2 = self.r1 + len(self.values) - 1
        c2 = self.c1 + len(self.values[0]) - 1
        self.sheet.range((self.r1, self.c1), (r2, c2)).value = self.values


@dataclass
class _Resize:
    live: _Live
    last_row: int

    def run(self) -> None:
        g = self.live.geometry
        sheet = self.live.sheet
        self.live.table.resize(sheet.range((g.header_row, g.first_col), (self.last_row, g.last_col)))


@dataclass
class _FitRows:
    """Rows Excel sizes to their wrapped texts (the rows milebill appends),
    as the file writer gives them the height of their lines."""
    sheet: Any
    r1: int
    r2: int
    c1: int
    c2: int

    def run(self) -> None:
        self.sheet.range((self.r1, self.c1), (self.r2, self.c2)).rows.autofit()


@dataclass
class _PrintArea:
    sheet: Any
    ref: str

    def run(self) -> None:
        """Only a sheet that has a print area gets the new one."""
        setup = self.sheet.page_setup
        if setup.print_area:
            r1, c1, r2, c2 = split_range(self.ref)
            setup.print_area = f"${_col(c1)}${r1}:${_col(c2)}${r2}"


def _rectangles(cells: dict[tuple[int, int], Any]) -> list[tuple[int, int, int, int]]:
    """Cover the cells exactly with rectangles: runs of adjacent cells in a
    row, merged downwards while the next row has the same run."""
    runs: dict[int, list[tuple[int, int]]] = {}
    for r in sorted({r for r, _ in cells}):
        cols = sorted(c for rr, c in cells if rr == r)
        start = prev = cols[0]
        out = []
        for c in cols[1:]:
            if c != prev + 1:
                out.append((start, prev))
                start = c
            prev = c
        out.append((start, prev))
        runs[r] = out
    rects: list[list[int]] = []
    open_: dict[tuple[int, int], list[int]] = {}
    for r in sorted(runs):
        nxt: dict[tuple[int, int], list[int]] = {}
        for span in runs[r]:
            rect = open_.get(span)
            if rect is not None and rect[2] == r - 1:
                rect[2] = r
            else:
                rect = [r, span[0], r, span[1]]
                rects.append(rect)
            nxt[span] = rect
        open_ = nxt
    return [tuple(x) for x in rects]  # (r1, c1, r2, c2)


def _sheet_and_cell(ref: str) -> tuple[str | None, str]:
    if "!" in ref:
        sheet, _, cell = ref.rpartition("!")
        if sheet.startswith("'") and sheet.endswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
        return sheet, cell
    return None, ref


@contextlib.contextmanager
def _quiet(app):
    """Screen updating off and calculation manual while writing."""
    saved: list[tuple[str, Any]] = []
    for name, value in (("screen_updating", False), ("calculation", "manual")):
        try:
            saved.append((name, getattr(app, name)))
            setattr(app, name, value)
        except Exception:  # noqa: BLE001 - a host without the setting
            pass
    try:
        yield
    finally:
        for name, value in reversed(saved):
            with contextlib.suppress(Exception):
                setattr(app, name, value)


# ------------------------------------------------------------------- book

class LiveBook:
    """A workbook open in Excel (an ``xlwings.Book``) as a milebill Book."""

    def __init__(self, xw_book, names: Iterable[str] = CONTRACT_TABLES) -> None:
        self.xw_book = xw_book
        self.name: str = xw_book.name
        self.fullname: str = xw_book.fullname
        self._names = tuple(names)
        self._tables: dict[str, _Live] = {}
        self._result = None

    # -------------------------------------------------------- where it is
    @property
    def saved_path(self) -> Path | None:
        """The workbook's file, or None when it was never saved (Excel then
        reports a bare name such as 'Book1') or lives only online."""
        full = self.fullname or ""
        if re.match(r"^[a-z][a-z0-9+.-]*://", full, re.I):
            return None
        if not (ntpath.dirname(full) or posixpath.dirname(full)):
            return None
        return Path(full)

    @property
    def folder(self) -> Path:
        """The workbook's folder; BookError when it was never saved."""
        path = self.saved_path
        if path is None:
            if re.match(r"^[a-z][a-z0-9+.-]*://", self.fullname or "", re.I):
                raise BookError(f"{self.name} is stored online ({self.fullname}); milebill needs "
                                "a local or synced folder for the invoice documents")
            raise BookError(unsaved_message(self.name))
        return path.parent

    # --------------------------------------------------------------- read
    def _find_tables(self) -> dict[str, tuple[Any, Any]]:
        wanted = {n.lower(): n for n in self._names}
        found: dict[str, tuple[Any, Any]] = {}
        for sheet in self.xw_book.sheets:
            for table in sheet.tables:
                key = wanted.get(str(table.name).lower())
                if key is not None and key not in found:
                    found[key] = (sheet, table)
        return found

    def _read(self, sheet, table) -> _Live:
        rng = table.range
        values = rng.options(ndim=2, err_to_str=True).value
        r1, c1 = rng.row, rng.column
        if not table.show_headers:
            raise BookError(f"{sheet.name}: table {table.name} has its header row switched off; "
                            "turn it on (Table Design > Header Row) so columns can be found")
        totals = bool(table.show_totals)
        values = [list(r) for r in (values or [])]
        headers = [to_text(v, "header") if v is not None and v not in ERROR_CODES else ""
                   for v in (values[0] if values else [])]
        data = values[1:len(values) - (1 if totals else 0)]
        geometry = TableGeometry(name=str(table.name), sheet=str(sheet.name), header_row=r1,
                                 first_col=c1, headers=tuple(headers), n_rows=len(data))
        return _Live(table, sheet, geometry, data, totals)

    def load(self):
        """Read the contract tables (one ``.value`` call each) and parse them."""
        if self._result is not None:
            return self._result
        self._tables = {}
        for key, (sheet, table) in self._find_tables().items():
            self._tables[key] = self._read(sheet, table)
        raws = {k: RawTable(t.geometry, t.rows) for k, t in self._tables.items()}
        self._result = parse_book(raws)
        return self._result

    # ----------------------------------------------- helpers for buttons
    def locate(self, sheet_name: str, row: int, column: int) -> tuple[str, int] | None:
        """(contract table, 0-based data row) of a sheet cell inside a
        table's data body, else None. Uses what :meth:`load` read."""
        self.load()
        for key, live in self._tables.items():
            g = live.geometry
            if (g.sheet.lower() == str(sheet_name).lower() and g.first_col <= column <= g.last_col
                    and g.first_data_row <= row < g.first_data_row + g.n_rows):
                return key, row - g.first_data_row
        return None

    def value(self, table: str, row: int, header: str) -> Any:
        """A cell's value as read at load (no Excel call)."""
        self.load()
        live = self._live(table)
        i = live.geometry.index(header)
        if i is None or not 0 <= row < len(live.rows):
            return None
        return live.rows[row][i]

    def range_of(self, ref: str):
        """The xlwings Range of 'Sheet!A1' (or the sheet's A1 for 'Sheet')."""
        sheet_name, cell = _sheet_and_cell(ref)
        if sheet_name is None:
            sheet_name, cell = cell, "A1"
        sheet = self.xw_book.sheets[sheet_name]
        return sheet, sheet.range(cell)

    def _live(self, table: str) -> _Live:
        live = self._tables.get(table)
        if live is None:
            live = next((t for k, t in self._tables.items() if k.lower() == table.lower()), None)
        if live is None:
            spec = contract.TABLES_BY_NAME.get(table)
            where = f" (expected on sheet {spec.sheet})" if spec else ""
            raise BookError(f"{self.name} has no table {table}{where}")
        return live

    # -------------------------------------------------------------- write
    def apply(self, changes: Changes) -> None:
        """Write ``changes``: a fixed number of Excel calls per table and
        column touched, whatever the number of rows."""
        if not changes:
            return
        if self._result is None:
            self.load()
        ops = self._plan(changes)
        with _quiet(self.xw_book.app):
            for op in ops:
                op.run()
        self._result = None  # the next load reads again

    def _plan(self, changes: Changes) -> list:
        ops: list = []
        n_rows = {k: t.geometry.n_rows for k, t in self._tables.items()}
        rows = {k: [list(r) for r in t.rows] for k, t in self._tables.items()}
        for table, new_rows in changes.appends.items():
            if new_rows:
                self._plan_append(table, new_rows, n_rows, rows, ops)
        for table, columns in changes.cells.items():
            live = self._live(table)
            key = self._key(live)
            for column, values in columns.items():
                if values:
                    ops.append(self._plan_column(live, column, values, n_rows[key], rows[key]))
        if changes.settings:
            ops.append(self._plan_settings(changes.settings, rows))
        for sheet_name, cells in changes.sheet_cells.items():
            ops.extend(self._plan_sheet_cells(sheet_name, cells))
        for sheet_name, ref in changes.print_areas.items():
            ops.append(_PrintArea(self._sheet(sheet_name), ref))
        return ops

    def _key(self, live: _Live) -> str:
        return next(k for k, t in self._tables.items() if t is live)

    def _plan_append(self, table: str, new_rows: list[dict], n_rows: dict, rows: dict,
                     ops: list) -> None:
        live = self._live(table)
        key = self._key(live)
        g = live.geometry
        if live.totals:
            raise BookError(f"{g.sheet}: table {g.name} has a totals row; switch it off "
                            "(Table Design > Total Row) so rows can be added")
        calculated = {header_key(h): f for h, f in formula_columns(g.name).items()}
        for name in formula_columns(key):
            calculated.setdefault(header_key(name), formula_columns(key)[name])
        n = n_rows[key]
        start = n
        if n == 1 and all(_blank(v) for h, v in zip(g.headers, rows[key][0])
                          if header_key(h) not in calculated):
            start = 0  # Excel's blank placeholder row of an empty table
        block = []
        for row in new_rows:
            given = {header_key(h): v for h, v in row.items()}
            unknown = set(given) - {header_key(h) for h in g.headers}
            if unknown:
                raise BookError(f"{g.sheet}: table {g.name} has no column "
                                f"{sorted(unknown)[0]!r}")
            out = []
            for h in g.headers:
                k = header_key(h)
                if k in given:
                    out.append(to_excel(given[k]))
                elif k in calculated:
                    out.append(to_excel(Formula(calculated[k])))
                else:
                    out.append(None)
            block.append(out)
        new_n = start + len(block)
        if new_n > n:
            first_new = g.sheet_row(n)
            last_new = g.sheet_row(new_n - 1)
            below = live.sheet.range((first_new, g.first_col), (last_new, g.last_col))
            values = below.options(ndim=2).value
            for r, line in enumerate(values or []):
                for c, v in enumerate(line):
                    if not _blank(v):
                        raise BookError(
                            f"{g.sheet}: table {g.name} cannot grow to row {last_new}: "
                            f"{g.sheet}!{a1(first_new + r, g.first_col + c)} is not empty")
            ops.append(_Resize(live, last_new))
        ops.append(_Write(live.sheet, g.sheet_row(start), g.first_col, block))
        ops.append(_FitRows(live.sheet, g.sheet_row(start), g.sheet_row(new_n - 1),
                            g.first_col, g.last_col))
        cache = rows[key]
        while len(cache) < new_n:
            cache.append([None] * len(g.headers))
        for i, line in enumerate(block):
            cache[start + i] = [None if isinstance(v, str) and v.startswith("=") else v
                                for v in line]
        n_rows[key] = max(n, new_n)

    def _plan_column(self, live: _Live, column: str, values: dict[int, Any], n: int,
                     cache: list[list]) -> _Write:
        g = live.geometry
        ci = g.index(column)
        if ci is None:
            raise BookError(f"{g.sheet}: table {g.name} has no column {column!r}")
        lo, hi = min(values), max(values)
        if lo < 0 or hi >= n:
            raise BookError(f"{g.sheet}: table {g.name} has no data row {hi if hi >= n else lo} "
                            f"({n} rows)")
        out = []
        for r in range(lo, hi + 1):
            if r in values:
                out.append([to_excel(values[r])])
            else:
                out.append([to_excel(cache[r][ci]) if isinstance(cache[r][ci], str)
                            else cache[r][ci]])
        return _Write(live.sheet, g.sheet_row(lo), g.first_col + ci, out)

    def _plan_settings(self, settings: dict[str, Any], rows: dict) -> _Write:
        _, locator = self._result
        live = self._live(contract.SETTINGS.name)
        values: dict[int, Any] = {}
        for key, value in settings.items():
            row = locator.setting_row(key)
            if row is None:
                raise BookError(f"Settings: no '{key}' row in {contract.SETTINGS.name}")
            values[row] = value
        key = self._key(live)
        return self._plan_column(live, "Value", values, len(rows[key]), rows[key])

    def _sheet(self, sheet_name: str):
        try:
            return self.xw_book.sheets[sheet_name]
        except Exception as exc:  # noqa: BLE001 - xlwings raises per platform
            raise BookError(f"{self.name} has no sheet {sheet_name!r}") from exc

    def _plan_sheet_cells(self, sheet_name: str, cells: dict[str, Any]) -> list[_Write]:
        sheet = self._sheet(sheet_name)
        grid = {}
        for ref, value in cells.items():
            grid[split_a1(ref) if isinstance(ref, str) else tuple(ref)] = to_excel(value)
        ops = []
        for r1, c1, r2, c2 in _rectangles(grid):
            block = [[grid[(r, c)] for c in range(c1, c2 + 1)] for r in range(r1, r2 + 1)]
            ops.append(_Write(sheet, r1, c1, block))
        return ops
