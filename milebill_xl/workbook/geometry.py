"""Where tables sit on their sheets, and turning Problems into cells.

A :class:`RawTable` is what any workbook source (calamine over a file,
xlwings over a live workbook) hands to :func:`.parse.parse_book`: the
table's geometry plus its data rows as lists of plain Python values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, NamedTuple, Sequence

from ..core.records import Problem
from . import contract
from .cells import a1, column_letter, quote_sheet


def header_key(header: object) -> str:
    """How headers are matched: ignoring case and runs of spaces."""
    return " ".join(str(header).lower().split())


@dataclass(frozen=True)
class TableGeometry:
    """One Excel table's position.

    ``header_row`` is the 1-based sheet row of the header (the row just
    above the first data row), ``first_col`` the 1-based sheet column of the
    table's first column, ``headers`` the column headers left to right and
    ``n_rows`` the number of data rows (no header, no totals row)."""

    name: str
    sheet: str
    header_row: int
    first_col: int
    headers: tuple[str, ...]
    n_rows: int
    _index: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, h in enumerate(self.headers):
            index.setdefault(header_key(h), i)
        object.__setattr__(self, "_index", index)

    @property
    def first_data_row(self) -> int:
        return self.header_row + 1

    @property
    def last_col(self) -> int:
        return self.first_col + max(len(self.headers), 1) - 1

    @property
    def ref(self) -> str:
        """The table range with its header, as in the table XML ('A1:V101');
        an Excel table always keeps at least one data row."""
        last_row = self.header_row + max(self.n_rows, 1)
        return f"{a1(self.header_row, self.first_col)}:{a1(last_row, self.last_col)}"

    def index(self, header: str) -> int | None:
        """0-based position of a column within the table, or None."""
        return self._index.get(header_key(header))

    def column(self, header: str) -> int | None:
        """1-based sheet column of a header, or None."""
        i = self.index(header)
        return None if i is None else self.first_col + i

    def column_letter(self, header: str) -> str | None:
        col = self.column(header)
        return None if col is None else column_letter(col)

    def sheet_row(self, row: int) -> int:
        """1-based sheet row of a 0-based data row."""
        return self.header_row + 1 + row

    def address(self, row: int | None, header: str | None) -> str:
        """'H7' for a data row and column; the header cell when ``row`` is
        None; the row's first cell when the column is unknown; the table's
        top-left cell when neither is known."""
        col = self.column(header) if header is not None else None
        sheet_row = self.header_row if row is None else self.sheet_row(row)
        return a1(sheet_row, col if col is not None else self.first_col)


class RawTable(NamedTuple):
    """A table as read from any source: geometry and data rows (each a
    sequence of values aligned with ``geometry.headers``; a blank cell is
    None or ''; an error cell is its code such as '#N/A')."""

    geometry: TableGeometry
    rows: Sequence[Sequence[object]]


class Locator:
    """Turns ``Problem(table, row, column)`` into ``Sheet!A1``.

    For ``tblSettings`` the column may also be a setting key (``"Next Invoice
    Seq"``): that points at the Value cell of the setting's row."""

    def __init__(self, geometries: Mapping[str, TableGeometry],
                 setting_rows: Mapping[str, int] | None = None) -> None:
        self._geometries = {name.lower(): g for name, g in geometries.items()}
        self._settings = {header_key(k): r for k, r in (setting_rows or {}).items()}

    def geometry(self, table: str) -> TableGeometry | None:
        return self._geometries.get(table.lower())

    @property
    def geometries(self) -> dict[str, TableGeometry]:
        return {g.name: g for g in self._geometries.values()}

    def sheet(self, table: str) -> str:
        """The sheet the table is on, or the contract's sheet if it is missing."""
        g = self.geometry(table)
        if g is not None:
            return g.sheet
        spec = contract.TABLES_BY_NAME.get(table)
        if spec is None:
            spec = next((t for t in contract.TABLES if t.name.lower() == table.lower()), None)
        return spec.sheet if spec is not None else table

    def setting_row(self, key: str) -> int | None:
        return self._settings.get(header_key(key))

    def cell(self, table: str, row: int | None, column: str | None) -> str:
        """'Milestones!H7'. ``row`` None -> the header row (the column's
        header cell, or the table's top-left). A table the workbook lacks
        gives just its expected sheet name."""
        g = self.geometry(table)
        if g is None:
            return quote_sheet(self.sheet(table))
        if (column is not None and g.name.lower() == contract.SETTINGS.name.lower()
                and g.index(column) is None):
            setting_row = self.setting_row(column)
            if setting_row is not None:
                row, column = setting_row, "Value"
        return f"{quote_sheet(g.sheet)}!{g.address(row, column)}"


def _setting_named(problem: Problem, locator: Locator) -> str | None:
    """A settings problem without a row whose message starts 'Setting <key>'
    (as the engine words them): the key, so it can point at its Value."""
    if (problem.row is not None or problem.column not in (None, "Value")
            or problem.table.lower() != contract.SETTINGS.name.lower()
            or not problem.message.startswith("Setting ")):
        return None
    text = problem.message[len("Setting "):]
    for key, _ in contract.SETTING_DEFAULTS:
        if text.startswith(key) and locator.setting_row(key) is not None \
                and text[len(key):len(key) + 1] in ("", ":", " ", ";", ","):
            return key
    return None


_LONG_QUOTE = re.compile(r"'([^'\n]{80,})'|\"([^\"\n]{80,})\"")


def _short_quotes(message: str) -> str:
    """A cell's text quoted in a message is cut to its start: a 32,767-
    character cell must not make a 32,767-character message."""
    def cut(m: re.Match) -> str:
        text = m.group(1) if m.group(1) is not None else m.group(2)
        return f"'{text[:40]}...' ({len(text):,} characters)"
    return _LONG_QUOTE.sub(cut, message) if len(message) > 200 else message


def format_problem(problem: Problem, locator: Locator) -> dict:
    """``{"sheet": "Milestones", "cell": "Milestones!H7", "message": ...}``."""
    column = _setting_named(problem, locator) or problem.column
    return {
        "sheet": locator.sheet(problem.table),
        "cell": locator.cell(problem.table, problem.row, column),
        "message": _short_quotes(problem.message),
    }
