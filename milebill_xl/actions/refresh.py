"""Refresh: write every computed column (formula plus the value we computed,
so readers that do not recalculate see it) and the dashboard figures.

The same :func:`computed_changes` closes every writing action (issue, pay,
void), so the file never holds stale cached values after milebill wrote it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..core.dashboard import build_dashboard
from ..core.engine import Computation
from ..core.records import BookData
from ..workbook import contract as C
from ..workbook import dashboard_layout as D
from ..workbook.book import Book, Changes, Formula
from ..workbook.formulas import formula_columns
from .common import Loaded, first_new_row, load, session as _session

# Cached value of each contract column from its result record.
_MILESTONE_VALUES = {
    "Amount": "amount", "Paid Amount": "paid_amount", "Balance": "balance",
    "Days Overdue": "days_overdue", "Flag": "flag",
}
_INVOICE_VALUES = {"Paid": "paid", "Balance": "balance", "Status": "status"}
_PROJECT_VALUES = {
    "Allocated": "allocated", "Billed": "billed", "Unbilled": "unbilled",
    "Collected": "collected", "Outstanding": "outstanding",
}


@dataclass(frozen=True)
class RefreshResult:
    as_of: date
    errors: tuple[dict, ...]
    #: computed cells refreshed (the writer skips those already up to date)
    cells_written: int = 0
    written: bool = False

    @property
    def done(self) -> bool:
        return self.written

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "refreshed": self.written, "cells_written": self.cells_written}


def absent_inputs(loaded: Loaded) -> set[tuple[str, str]]:
    """Optional input columns (``Kind``, ``Approval Requested``) that this
    workbook's tables lack: its formulas read them as blank."""
    out = set()
    for spec in (C.PAYMENTS, C.MILESTONES):
        geo = loaded.locator.geometry(spec.name)
        out |= {(spec.name, h) for h in spec.optional if geo is None or geo.index(h) is None}
    return out


def _table_formulas(changes: Changes, table: str, n_rows: int, results, values: dict,
                    absent: set) -> None:
    by_row = {r.row: r for r in results}
    for column, text in formula_columns(table, absent).items():
        attr = values.get(column)
        cells = changes.cells.setdefault(table, {}).setdefault(column, {})
        for row in range(n_rows):
            res = by_row.get(row)
            cached = getattr(res, attr) if (attr and res is not None) else None
            if attr and res is None:
                cached = ""  # a blank row: the formulas show nothing
            cells[row] = Formula(text, cached)


def _dashboard(changes: Changes, data: BookData, comp: Computation, as_of: date) -> None:
    dash = build_dashboard(data, as_of, comp)
    cells: dict[str, object] = {}
    cell = D.DASHBOARD_CELLS
    formulas = D.DASHBOARD_FORMULAS
    currencies = [t.currency for t in dash.totals][: D.CURRENCY_SLOTS]
    totals = {t.currency: t for t in dash.totals}
    forecast = {(f.currency, f.month): f.amount for f in dash.forecast}
    months = sorted({f.month for f in dash.forecast})

    def put(key, value):
        addr = cell[key]
        text = formulas.get(addr)
        cells[addr] = Formula(text, value) if text is not None else value

    put(("as_of", 0), as_of)
    for s in range(D.CURRENCY_SLOTS):
        cur = currencies[s] if s < len(currencies) else ""
        cells[cell[("currency", s)]] = cur or None
        for echo in ("aging_currency", "forecast_currency", "chart_currency"):
            if (echo, s) in cell:  # cells that repeat the slot's currency
                put((echo, s), cur)
        for name in D.TOTALS:
            put((f"total_{name}", s), getattr(totals[cur], name) if cur else "")
        for bucket in D.AGING_BUCKETS:
            put(("aging", s, bucket), dash.aging.get(cur, {}).get(bucket, 0) if cur else "")
        for m in range(D.FORECAST_MONTHS):
            put(("forecast", s, m), forecast.get((cur, months[m]), 0) if cur and m < len(months) else "")
    for m, month in enumerate(months[: D.FORECAST_MONTHS]):
        put(("forecast_month", m), month)
    changes.sheet_cells[C.DASHBOARD_SHEET] = cells


def computed_changes(loaded: Loaded, data: BookData | None = None,
                     comp: Computation | None = None, changes: Changes | None = None,
                     appended: dict[str, int] | None = None) -> Changes:
    """Changes writing every computed column and the dashboard.

    ``data``/``comp`` default to the loaded book; an action that appends
    rows passes its new data and how many rows it appends to each table."""
    data = data or loaded.data
    comp = comp or loaded.computation
    changes = changes if changes is not None else Changes()
    appended = appended or {}
    absent = absent_inputs(loaded)
    for table, results, values in (
        (C.PROJECTS.name, comp.projects, _PROJECT_VALUES),
        (C.MILESTONES.name, comp.milestones, _MILESTONE_VALUES),
        (C.INVOICES.name, comp.invoices, _INVOICE_VALUES),
    ):
        if loaded.locator.geometry(table) is None:
            continue
        n_rows = first_new_row(loaded, table) + appended.get(table, 0)
        _table_formulas(changes, table, n_rows, results, values, absent)
    _dashboard(changes, data, comp, comp.as_of)
    return changes


def count_cells(changes: Changes) -> int:
    return (sum(len(v) for cols in changes.cells.values() for v in cols.values())
            + sum(len(c) for c in changes.sheet_cells.values())
            + sum(len(r) for rows in changes.appends.values() for r in rows)
            + len(changes.settings))


def run(book: Book, as_of: date | None = None) -> RefreshResult:
    with _session(book):
        loaded = load(book, as_of)
        if loaded.wide_errors:
            return RefreshResult(loaded.as_of, loaded.errors)
        # a problem in some rows: everything is still written (those rows'
        # formulas too), and the problems are listed
        changes = computed_changes(loaded)
        book.apply(changes)
        return RefreshResult(loaded.as_of, loaded.errors, count_cells(changes), True)
