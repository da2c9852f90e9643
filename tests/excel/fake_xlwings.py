"""A small, faithful fake of the xlwings objects milebill touches, for tests
without Excel (xlwings' own objects need a running Excel).

Objects and members mirror ``xlwings/main.py`` (0.37): ``App.books``,
``App.status_bar``, ``App.alert(prompt, title=None, buttons="ok",
mode=None, callback=None)``, ``App.selection``, ``App.properties(**kw)``,
``App.calculation``, ``App.screen_updating``, ``App.calculate()``,
``App.api``; ``Book.name``, ``Book.fullname``, ``Book.sheets``,
``Book.app``, ``Book.save(path=None)``, ``Book.selection``;
``Sheet.name``, ``Sheet.book``, ``Sheet.tables``, ``Sheet.range(cell1,
cell2=None)``, ``Sheet[...]``, ``Sheet.activate()``; ``Range.value``,
``Range.options(convert=None, **options)``, ``Range.resize(row_size=None,
column_size=None)``, ``Range.offset(row_offset=0, column_offset=0)``,
``Range.address``, ``Range.get_address(...)``, ``Range.row``,
``Range.column``, ``Range.shape``, ``Range.size``, ``Range.count``,
``Range.last_cell``, ``Range.sheet``, ``Range.select()``,
``Range.formula`` (read), ``Range(i, j)`` (1-based cell within);
``Table.name``, ``Table.range``, ``Table.data_body_range``,
``Table.header_row_range``, ``Table.totals_row_range``,
``Table.show_headers``, ``Table.show_totals``, ``Table.parent``,
``Table.resize(range)``.

What Excel does and the fake copies:

* reading ``.value``: empty cells are None, every number is a float,
  dates are ``datetime`` (midnight for a date), error cells are None unless
  ``options(err_to_str=True)`` gives them as text ('#N/A'); without
  ``ndim=2`` one cell is a scalar and one row or column a flat list;
* writing ``.value``: the data is written from the range's top-left cell
  with the data's own shape (a scalar is one cell, a flat list one row);
  text starting with '=' is a formula; text starting with an apostrophe is
  stored without it and never converted; other text that looks like a
  number or an ISO date is converted, as Excel converts typed text;
  values pywin32 would not carry as cell values (Decimal, custom objects)
  raise TypeError.

Simplifications (say so when a test relies on them):

* no calculation engine: a cell given a formula keeps the value it held
  before (Excel would compute it); ``Sheet.formulas`` holds the formula text;
* ``options`` honours ``ndim``, ``err_to_str`` and ``empty``; converters
  (``convert=``), ``dates``, ``numbers``, ``expand``, ``transpose`` and
  ``chunksize`` are accepted and ignored;
* tables have a header row; ``resize`` keeps the top-left header cell, as
  Excel requires; tables do not grow by themselves when cells below are
  written (neither do they in Excel for programmatic writes);
* Excel's own coercion of typed text is reduced to plain numbers and ISO
  dates (Excel also reads '1/2', 'Mar 5', '12%' ...).

Every ``.value`` read and write, every ``.formula`` read, every
``select()`` and every ``Table.resize`` is counted on ``app.counter``
(``reads``, ``writes``, ``selects``, ``resizes``) and logged in ``app.counter.log``.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PureWindowsPath
from typing import Any

from milebill_xl.xlsx.ooxml import col_letters, col_number as _col_number

_A1 = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")
_ISO = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?$")


class XlError(str):
    """An error cell's value (e.g. XlError('#N/A'))."""


def _parse_cell(ref: str) -> tuple[int, int]:
    m = _A1.match(ref.strip())
    if not m:
        raise ValueError(f"bad cell reference {ref!r}")
    return int(m.group(2)), _col_number(m.group(1))


@dataclass
class Counter:
    reads: int = 0
    writes: int = 0
    selects: int = 0
    resizes: int = 0
    log: list = field(default_factory=list)

    def snapshot(self) -> dict:
        return {"reads": self.reads, "writes": self.writes, "selects": self.selects,
                "resizes": self.resizes}

    def reset(self) -> None:
        self.reads = self.writes = self.selects = self.resizes = 0
        self.log.clear()


# ----------------------------------------------------------------- app

class FakeAppApi:
    """``app.api``: only ``InputBox`` (Excel's Application.InputBox), which
    answers from ``answers`` in order and records each prompt. An answer of
    False is what Excel returns for Cancel."""

    def __init__(self) -> None:
        self.answers: list = []
        self.prompts: list[dict] = []

    def InputBox(self, Prompt, Title=None, Default=None, Left=None, Top=None,  # noqa: N802,N803
                 HelpFile=None, HelpContextID=None, Type=None):
        self.prompts.append({"prompt": Prompt, "title": Title, "default": Default, "type": Type})
        if not self.answers:
            raise AssertionError(f"unexpected InputBox: {Prompt!r}")
        return self.answers.pop(0)


class FakeBooks:
    def __init__(self, app: "FakeApp") -> None:
        self._app = app
        self._books: list[FakeBook] = []
        self._active: FakeBook | None = None

    @property
    def active(self) -> "FakeBook | None":
        return self._active

    def _add(self, book: "FakeBook") -> "FakeBook":
        self._books.append(book)
        self._active = book
        return book

    def __iter__(self):
        return iter(self._books)

    def __len__(self) -> int:
        return len(self._books)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._books[key]
        for b in self._books:
            if b.name.lower() == str(key).lower():
                return b
        raise KeyError(key)


class FakeApp:
    def __init__(self) -> None:
        self.counter = Counter()
        self.books = FakeBooks(self)
        self.api = FakeAppApi()
        self.alerts: list[dict] = []
        self.alert_answers: list[str] = []
        self.status_history: list = []
        self._status_bar: str | bool = False
        self.calculation = "automatic"
        self.screen_updating = True
        self.calculations = 0
        self._selection: FakeRange | None = None

    @property
    def status_bar(self) -> str | bool:
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        self._status_bar = value
        self.status_history.append(value)

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok",
              mode: str | None = None, callback: str | None = None) -> str | None:
        if buttons not in ("ok", "ok_cancel", "yes_no", "yes_no_cancel"):
            raise ValueError(f"buttons {buttons!r}")
        if mode not in (None, "info", "critical"):
            raise ValueError(f"mode {mode!r}")
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode})
        if buttons == "ok":
            return "ok"
        if not self.alert_answers:
            raise AssertionError(f"unexpected question: {prompt!r}")
        return self.alert_answers.pop(0)

    @property
    def selection(self) -> "FakeRange | None":
        return self._selection

    def calculate(self) -> None:
        self.calculations += 1

    @contextlib.contextmanager
    def properties(self, **kwargs: Any):
        before = {k: getattr(self, k) for k in kwargs}
        for k, v in kwargs.items():
            setattr(self, k, v)
        try:
            yield self
        finally:
            for k, v in before.items():
                setattr(self, k, v)


# ---------------------------------------------------------------- book

class FakeSheets:
    def __init__(self, book: "FakeBook") -> None:
        self._book = book
        self._sheets: list[FakeSheet] = []

    def add(self, name: str) -> "FakeSheet":
        sheet = FakeSheet(self._book, name)
        self._sheets.append(sheet)
        if self._book._active_sheet is None:
            self._book._active_sheet = sheet
        return sheet

    @property
    def active(self) -> "FakeSheet":
        return self._book._active_sheet

    def __iter__(self):
        return iter(list(self._sheets))

    def __len__(self) -> int:
        return len(self._sheets)

    def __contains__(self, name: str) -> bool:
        return any(s.name.lower() == name.lower() for s in self._sheets)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._sheets[key]
        for s in self._sheets:
            if s.name.lower() == str(key).lower():
                return s
        raise KeyError(f"no sheet {key!r}")


class FakeBook:
    def __init__(self, app: FakeApp, fullname: str) -> None:
        self.app = app
        self.fullname = fullname
        self._active_sheet: FakeSheet | None = None
        self.sheets = FakeSheets(self)
        self.saves: list = []
        app.books._add(self)

    @property
    def name(self) -> str:
        text = self.fullname
        if "\\" in text:
            return PureWindowsPath(text).name
        return text.rsplit("/", 1)[-1]

    @property
    def selection(self):
        return self.app.selection

    def save(self, path: str | None = None, password: str | None = None) -> None:
        if path:
            self.fullname = str(path)
        self.saves.append(self.fullname)

    def activate(self, steal_focus: bool = False) -> None:
        self.app.books._active = self

    # -- test helpers
    def table(self, name: str) -> "FakeTable":
        for sheet in self.sheets:
            for t in sheet.tables:
                if t.name.lower() == name.lower():
                    return t
        raise KeyError(name)

    @classmethod
    def from_xlsx(cls, app: FakeApp, path: str | Path, fullname: str | None = None) -> "FakeBook":
        """A fake holding what Excel would show for the .xlsx at ``path``:
        cached cell values (python-calamine), formulas and tables
        (openpyxl)."""
        import openpyxl
        from python_calamine import CalamineWorkbook

        path = Path(path)
        book = cls(app, fullname if fullname is not None else str(path))
        wb = openpyxl.load_workbook(path, data_only=False)
        cal = CalamineWorkbook.from_path(str(path))
        for ws in wb.worksheets:
            sheet = book.sheets.add(ws.title)
            rows = cal.get_sheet_by_name(ws.title).to_python(skip_empty_area=False)
            for r, row in enumerate(rows, start=1):
                for c, v in enumerate(row, start=1):
                    if v is None or v == "":
                        continue
                    sheet.cells[(r, c)] = _excel_value(v)
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    if isinstance(v, str) and v.startswith("="):
                        sheet.formulas[(cell.row, cell.column)] = v
                    elif v is not None and not hasattr(v, "text") and (cell.row, cell.column) not in sheet.cells:
                        sheet.cells[(cell.row, cell.column)] = _excel_value(v)
            if ws.print_area:
                sheet.page_setup.print_area = ws.print_area.rpartition("!")[2]
            for name, ref in ws.tables.items():
                a, _, b = ref.partition(":")
                r1, c1 = _parse_cell(a)
                r2, c2 = _parse_cell(b or a)
                sheet.tables._add(FakeTable(sheet, name, r1, c1, r2, c2))
        cal.close() if hasattr(cal, "close") else None
        book._active_sheet = book.sheets[0]
        return book


def _excel_value(v: Any) -> Any:
    """A Python value as Excel holds it: numbers float, dates datetime."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime.combine(v, time())
    if isinstance(v, time):
        return v.hour / 24 + v.minute / 1440 + v.second / 86400
    if hasattr(v, "as_tuple"):  # Decimal from openpyxl? (not expected)
        return float(v)
    return v


# --------------------------------------------------------------- sheet

class FakeTables:
    def __init__(self, sheet: "FakeSheet") -> None:
        self._sheet = sheet
        self._tables: list[FakeTable] = []

    def _add(self, table: "FakeTable") -> "FakeTable":
        self._tables.append(table)
        return table

    def add(self, source=None, name: str | None = None, **_ignored) -> "FakeTable":
        rng = source
        t = FakeTable(self._sheet, name or f"Table{len(self._tables) + 1}",
                      rng._r1, rng._c1, rng._r2, rng._c2)
        return self._add(t)

    def __iter__(self):
        return iter(list(self._tables))

    def __len__(self) -> int:
        return len(self._tables)

    def __contains__(self, name: str) -> bool:
        return any(t.name.lower() == name.lower() for t in self._tables)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._tables[key]
        for t in self._tables:
            if t.name.lower() == str(key).lower():
                return t
        raise KeyError(f"no table {key!r} on {self._sheet.name}")

    def __call__(self, key):
        return self[key - 1 if isinstance(key, int) else key]


class FakeRows:
    """``range.rows``: autofit() sizes the rows to their contents."""

    def __init__(self, rng: "FakeRange") -> None:
        self.rng = rng

    def autofit(self) -> None:
        self.rng.sheet.autofitted.append((self.rng._r1, self.rng._r2))


class FakePageSetup:
    """``sheet.page_setup``: the print area, as xlwings gives it ('$A$1:$T$95')."""

    def __init__(self) -> None:
        self.print_area: str | None = None


class FakeSheet:
    def __init__(self, book: FakeBook, name: str) -> None:
        self.book = book
        self.name = name
        self.cells: dict[tuple[int, int], Any] = {}
        self.formulas: dict[tuple[int, int], str] = {}
        self.tables = FakeTables(self)
        self.page_setup = FakePageSetup()
        #: (first row, last row) of every rows.autofit() call
        self.autofitted: list[tuple[int, int]] = []

    def range(self, cell1, cell2=None) -> "FakeRange":
        if isinstance(cell1, FakeRange):
            r1, c1, r2, c2 = cell1._r1, cell1._c1, cell1._r2, cell1._c2
        elif isinstance(cell1, tuple):
            r1, c1 = cell1
            r2, c2 = r1, c1
        else:
            a, _, b = str(cell1).partition(":")
            r1, c1 = _parse_cell(a)
            r2, c2 = _parse_cell(b) if b else (r1, c1)
        if cell2 is not None:
            if isinstance(cell2, FakeRange):
                r2, c2 = cell2._r2, cell2._c2
            elif isinstance(cell2, tuple):
                r2, c2 = cell2
            else:
                r2, c2 = _parse_cell(str(cell2))
        return FakeRange(self, min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2))

    def __getitem__(self, item) -> "FakeRange":
        if isinstance(item, str):
            return self.range(item)
        r, c = item
        return self.range((r + 1, c + 1))

    def activate(self) -> None:
        self.book._active_sheet = self
        self.book.app.books._active = self.book

    # -- test helpers (not counted)
    def get(self, ref: str):
        return self.cells.get(_parse_cell(ref))

    def formula_at(self, ref: str) -> str | None:
        return self.formulas.get(_parse_cell(ref))


# --------------------------------------------------------------- range

_TEXT_OK = (str, bool, int, float, datetime, date, type(None))


class FakeRange:
    def __init__(self, sheet: FakeSheet, r1: int, c1: int, r2: int, c2: int,
                 options: dict | None = None) -> None:
        if r1 < 1 or c1 < 1:
            raise ValueError("range outside the sheet")
        self._sheet = sheet
        self._r1, self._c1, self._r2, self._c2 = r1, c1, r2, c2
        self._options = dict(options or {})

    # -- geometry
    @property
    def sheet(self) -> FakeSheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._r1

    @property
    def column(self) -> int:
        return self._c1

    @property
    def shape(self) -> tuple[int, int]:
        return (self._r2 - self._r1 + 1, self._c2 - self._c1 + 1)

    @property
    def size(self) -> int:
        a, b = self.shape
        return a * b

    @property
    def count(self) -> int:
        return self.size

    def __len__(self) -> int:
        return self.size

    def get_address(self, row_absolute: bool = True, column_absolute: bool = True,
                    include_sheetname: bool = False, external: bool = False) -> str:
        def one(r, c):
            return (("$" if column_absolute else "") + col_letters(c)
                    + ("$" if row_absolute else "") + str(r))
        text = one(self._r1, self._c1)
        if (self._r1, self._c1) != (self._r2, self._c2):
            text += ":" + one(self._r2, self._c2)
        if external:
            return f"[{self._sheet.book.name}]{self._sheet.name}!{text}"
        if include_sheetname:
            return f"{self._sheet.name}!{text}"
        return text

    @property
    def address(self) -> str:
        return self.get_address()

    def __call__(self, *args: int) -> "FakeRange":
        if len(args) != 2:
            raise TypeError("Range(row, column), 1-based")
        r, c = args
        return FakeRange(self._sheet, self._r1 + r - 1, self._c1 + c - 1,
                         self._r1 + r - 1, self._c1 + c - 1)

    def options(self, convert=None, **options: Any) -> "FakeRange":
        options["convert"] = convert
        return FakeRange(self._sheet, self._r1, self._c1, self._r2, self._c2, options)

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> "FakeRange":
        if row_size is not None:
            assert row_size > 0
        else:
            row_size = self.shape[0]
        if column_size is not None:
            assert column_size > 0
        else:
            column_size = self.shape[1]
        return FakeRange(self._sheet, self._r1, self._c1, self._r1 + row_size - 1,
                         self._c1 + column_size - 1, self._options)

    def offset(self, row_offset: int = 0, column_offset: int = 0) -> "FakeRange":
        return FakeRange(self._sheet, self._r1 + row_offset, self._c1 + column_offset,
                         self._r2 + row_offset, self._c2 + column_offset, self._options)

    @property
    def last_cell(self) -> "FakeRange":
        return FakeRange(self._sheet, self._r2, self._c2, self._r2, self._c2, self._options)

    def select(self) -> None:
        app = self._sheet.book.app
        if self._sheet.book._active_sheet is not self._sheet:
            # Excel: Range.Select fails unless its sheet is the active one
            raise RuntimeError("Select method of Range class failed (sheet not active)")
        app.counter.selects += 1
        app.counter.log.append(("select", self._sheet.name, self.address, self.shape))
        app._selection = FakeRange(self._sheet, self._r1, self._c1, self._r2, self._c2)

    # -- values
    @property
    def value(self) -> Any:
        app = self._sheet.book.app
        app.counter.reads += 1
        app.counter.log.append(("read", self._sheet.name, self.address, self.shape))
        err_to_str = self._options.get("err_to_str", False)
        empty = self._options.get("empty", None)
        rows = []
        for r in range(self._r1, self._r2 + 1):
            row = []
            for c in range(self._c1, self._c2 + 1):
                v = self._sheet.cells.get((r, c))
                if isinstance(v, XlError):
                    v = str(v) if err_to_str else None
                elif v is None or v == "":
                    v = empty
                row.append(v)
            rows.append(row)
        if self._options.get("ndim") == 2:
            return rows
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        if len(rows) == 1:
            return rows[0]
        if all(len(r) == 1 for r in rows):
            return [r[0] for r in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        app = self._sheet.book.app
        if isinstance(data, (list, tuple)):
            rows = [list(r) for r in data] if data and isinstance(data[0], (list, tuple)) \
                else [list(data)]
        else:
            rows = [[data]]
        width = max((len(r) for r in rows), default=0)
        if any(len(r) != width for r in rows):
            raise ValueError("ragged list of lists")
        for row in rows:
            for v in row:
                if not isinstance(v, _TEXT_OK) or (hasattr(v, "as_tuple")):
                    raise TypeError(f"pywin32 cannot write a {type(v).__name__} to a cell: {v!r}")
        app.counter.writes += 1
        app.counter.log.append(("write", self._sheet.name, self.address, (len(rows), width)))
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                key = (self._r1 + i, self._c1 + j)
                self._store(key, v)

    def _store(self, key: tuple[int, int], v: Any) -> None:
        cells, formulas = self._sheet.cells, self._sheet.formulas
        if isinstance(v, str) and v.startswith("="):
            formulas[key] = v
            return  # no calculation engine: the old value stays
        formulas.pop(key, None)
        if isinstance(v, str):
            if v.startswith("'"):
                v = v[1:]
            elif _NUMBER.match(v.strip()):
                v = float(v)
            elif (m := _ISO.match(v.strip())):
                y, mo, d, hh, mm, ss = m.groups()
                try:
                    v = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
                except ValueError:
                    pass
        elif isinstance(v, bool):
            pass
        elif isinstance(v, int):
            v = float(v)
        elif isinstance(v, date) and not isinstance(v, datetime):
            v = datetime.combine(v, time())
        if v is None or v == "":
            cells.pop(key, None)
        else:
            cells[key] = v

    @property
    def rows(self) -> "FakeRows":
        return FakeRows(self)

    @property
    def formula(self):
        app = self._sheet.book.app
        app.counter.reads += 1
        app.counter.log.append(("formula", self._sheet.name, self.address, self.shape))
        out = []
        for r in range(self._r1, self._r2 + 1):
            row = []
            for c in range(self._c1, self._c2 + 1):
                f = self._sheet.formulas.get((r, c))
                v = self._sheet.cells.get((r, c))
                row.append(f if f is not None else ("" if v is None else str(v)))
            out.append(row)
        if len(out) == 1 and len(out[0]) == 1:
            return out[0][0]
        return out

    def __repr__(self) -> str:
        return f"<FakeRange [{self._sheet.book.name}]{self._sheet.name}!{self.address}>"


# --------------------------------------------------------------- table

class FakeTable:
    def __init__(self, sheet: FakeSheet, name: str, r1: int, c1: int, r2: int, c2: int,
                 show_totals: bool = False) -> None:
        self._sheet = sheet
        self.name = name
        self._r1, self._c1, self._r2, self._c2 = r1, c1, r2, c2
        self.show_headers = True
        self.show_totals = show_totals

    @property
    def parent(self) -> FakeSheet:
        return self._sheet

    @property
    def display_name(self) -> str:
        return self.name

    @property
    def range(self) -> FakeRange:
        return FakeRange(self._sheet, self._r1, self._c1, self._r2, self._c2)

    @property
    def header_row_range(self) -> FakeRange | None:
        if not self.show_headers:
            return None
        return FakeRange(self._sheet, self._r1, self._c1, self._r1, self._c2)

    @property
    def data_body_range(self) -> FakeRange | None:
        first = self._r1 + (1 if self.show_headers else 0)
        last = self._r2 - (1 if self.show_totals else 0)
        if last < first:
            return None
        return FakeRange(self._sheet, first, self._c1, last, self._c2)

    @property
    def totals_row_range(self) -> FakeRange | None:
        if not self.show_totals:
            return None
        return FakeRange(self._sheet, self._r2, self._c1, self._r2, self._c2)

    def resize(self, range: FakeRange) -> None:  # noqa: A002 (xlwings' name)
        if range.sheet is not self._sheet:
            raise ValueError("a table cannot move to another sheet")
        if (range.row, range.column) != (self._r1, self._c1):
            raise ValueError("Excel: the header row must stay in the same place")
        for other in self._sheet.tables:
            if other is self:
                continue
            if (other._c1 <= range._c2 and range._c1 <= other._c2
                    and other._r1 <= range._r2 and range._r1 <= other._r2):
                raise ValueError(f"Excel: a table cannot overlap table {other.name}")
        self._r2, self._c2 = range._r2, range._c2
        self._sheet.book.app.counter.resizes += 1
        self._sheet.book.app.counter.log.append(("resize", self._sheet.name, self.name,
                                                 range.address))

    def __repr__(self) -> str:
        return f"<FakeTable {self.name!r} in {self._sheet.name}>"
