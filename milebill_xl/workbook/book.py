"""The book interface: what every action needs from a workbook.

Actions are written once against :class:`Book`; :mod:`.filebook` implements
it over an .xlsx file (no Excel needed) and :mod:`milebill_xl.excel.livebook`
over a workbook open in Excel (xlwings). An action reads a
:class:`~milebill_xl.core.records.BookData` with a locator, computes, and
hands back one :class:`Changes` which the book applies all at once, or not at
all.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..xlsx.errors import BookError  # noqa: F401  (re-exported: actions catch it)
from ..xlsx.ooxml import Formula  # noqa: F401  (re-exported: actions write formulas)


@dataclass
class Changes:
    """Everything one action writes, applied in one go.

    ``cells``: table -> column header -> {data row (0-based): value}.
    ``appends``: table -> new rows (header -> value), added at the table end.
    ``settings``: setting key -> new Value.
    ``sheet_cells``: sheet -> {"A1": value} outside tables (the dashboard).
    ``print_areas``: sheet -> "A1:T95", the range it prints (a sheet that
    has no print area keeps none).
    """

    cells: dict[str, dict[str, dict[int, Any]]] = field(default_factory=dict)
    appends: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    sheet_cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    print_areas: dict[str, str] = field(default_factory=dict)

    def set(self, table: str, column: str, row: int, value: Any) -> None:
        self.cells.setdefault(table, {}).setdefault(column, {})[row] = value

    def append(self, table: str, row: dict[str, Any]) -> None:
        self.appends.setdefault(table, []).append(row)

    def __bool__(self) -> bool:
        return bool(self.cells or self.appends or self.settings or self.sheet_cells
                    or self.print_areas)


class Book(Protocol):
    """A workbook the actions can read and change."""

    #: shown to the user and used for relative paths (the invoice folder)
    name: str

    def load(self):
        """Return ``(BookData, Locator)``; raise BookError if unusable."""

    def apply(self, changes: Changes) -> None:
        """Write all changes, or nothing (raise) if any part fails."""
