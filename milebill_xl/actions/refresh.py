"""Refresh: write every computed column (formula plus the value we computed,
so readers that do not recalculate see it) and the dashboard figures.

The same :func:`computed_changes` closes every writing action (issue, pay,
void), so the file never holds stale cached values after milebill wrote it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from ..core.dashboard import build_dashboard, forecast_months
from ..core.metrics import cash_metrics
from ..core.engine import Computation
from ..core.records import BookData
from ..workbook import contract as C
from ..template import dashboard as D
from ..workbook.book import Book, BookError, Changes, Formula
from ..xlsx.ooxml import cell_ref
from ..template.formulas import PROJECT_DEFAULTS, formula_columns
from ..template.helper_values import digits_for, helper_values
from .common import Loaded, first_new_row, load, session as _session

@dataclass(frozen=True)
class RefreshResult:
    as_of: date
    errors: tuple[dict, ...]
    #: computed cells refreshed (the writer skips those already up to date)
    cells_written: int = 0
    #: currencies in use beyond the Dashboard's charts (their figures are shown)
    uncharted: tuple[str, ...] = ()
    written: bool = False

    @property
    def done(self) -> bool:
        return self.written

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "refreshed": self.written, "cells_written": self.cells_written,
                "currencies_without_chart": list(self.uncharted)}


def absent_inputs(loaded: Loaded) -> set[tuple[str, str]]:
    """Optional columns (``Kind``, ``Approval Requested``, ``Retention``,
    ``Deposit Applied``, ``Retention Held``, ...) that this workbook's
    tables lack: its formulas read them as blank (a missing computed one is
    not written)."""
    out = set()
    for spec in (C.PAYMENTS, C.MILESTONES, C.INVOICES, C.PROJECTS):
        geo = loaded.locator.geometry(spec.name)
        out |= {(spec.name, h) for h in spec.optional if geo is None or geo.index(h) is None}
    return out


def _table_formulas(changes: Changes, table: str, n_rows: int, results, values: dict,
                    helpers: dict[str, dict[int, object]], absent: set) -> None:
    """Every formula cell of ``table`` with its cached value: contract
    columns from the engine's results, helper columns from helper_values;
    a blank row's formulas show nothing (""). ``absent``: optional input
    columns the workbook lacks, which the formulas read as blank."""
    by_row = {r.row: r for r in results}
    for column, text in formula_columns(table, absent).items():
        attr = values.get(column)
        own = helpers.get(column, {})
        cells = changes.cells.setdefault(table, {}).setdefault(column, {})
        for row in range(n_rows):
            res = by_row.get(row)
            if attr:
                cached = getattr(res, attr) if res is not None else ""
            else:
                cached = own.get(row, "")
            cells[row] = Formula(text, cached)


def _dashboard(changes: Changes, data: BookData, comp: Computation, as_of: date) -> None:
    """Every Dashboard figure, one column per currency in use (template/
    dashboard.py's formulas with their cached values); columns no longer in
    use are emptied."""
    dash = build_dashboard(data, as_of, comp)
    currencies = [t.currency for t in dash.totals]
    n = len(currencies)
    formulas = D.dashboard_formulas(n)
    cells: dict[str, object] = {}
    totals = {t.currency: t for t in dash.totals}
    forecast = {(f.currency, f.month): f.amount for f in dash.forecast}
    months = forecast_months(as_of)

    def put(key, value):
        addr = D.cell_of(key)
        text = formulas.get(addr)
        cells[addr] = Formula(text, value) if text is not None else value

    # columns a previous refresh may have filled, emptied first
    for s in range(n, max(n, D.FORMAT_SLOTS)):
        for key in D.slot_keys(s):
            cells[D.cell_of(key)] = None
    put(("as_of", 0), as_of)
    for m, month in enumerate(months[: D.FORECAST_MONTHS]):
        put(("forecast_month", m), month)
    for s, cur in enumerate(currencies):
        cells[D.cell_of(("currency", s))] = cur
        put(("aging_currency", s), cur)
        put(("forecast_currency", s), cur)
        put(("digits", s), digits_for(cur, data.currencies))
        for name in D.TOTALS:
            put((f"total_{name}", s), getattr(totals[cur], name))
        for bucket in D.AGING_BUCKETS:
            put(("aging", s, bucket), dash.aging.get(cur, {}).get(bucket, 0))
        for m in range(D.FORECAST_MONTHS):
            put(("forecast", s, m), forecast.get((cur, months[m]), 0))
    put(("chart_title", 0), D.CHART_TITLE if n else "")
    for s in range(D.CHART_SLOTS):
        cur = currencies[s] if s < n else ""
        put(("chart_currency", s), cur)
        for m in range(D.FORECAST_MONTHS):
            put(("chart_month", s, m), months[m] if cur else "")
    cells[D.cell_of(("chart_note", 0))] = uncharted_note(currencies[D.CHART_SLOTS:]) or None
    _cash_metrics(put, cash_metrics(data, comp), currencies)
    _timeline(put, data, as_of, {r.milestone_id: r.flag for r in comp.milestones})
    changes.sheet_cells[C.DASHBOARD_SHEET] = cells
    last_row, last_col = D.dashboard_print_area(n)
    changes.print_areas[C.DASHBOARD_SHEET] = f"A1:{cell_ref(last_row, last_col)}"


def uncharted_note(currencies: list[str]) -> str:
    """What the Dashboard says under its charts when more currencies are in
    use than it has charts for (their figures are all in the tables)."""
    if not currencies:
        return ""
    return (f"Charts for the first {D.CHART_SLOTS} currencies; the tables show every "
            f"currency, also {', '.join(currencies)}.")


def uncharted_currencies(data: BookData, comp: Computation) -> list[str]:
    """The currencies in use beyond the Dashboard's CHART_SLOTS charts."""
    return [t.currency for t in build_dashboard(data, comp.as_of, comp).totals][D.CHART_SLOTS:]


def _cash_metrics(put, metrics, currencies: list[str]) -> None:
    """Cached values of the Dashboard's cash metrics (core/metrics.py, the
    same rules as dashboard_layout's formulas)."""
    dso = {d.currency: d for d in metrics.dso}
    waiting = {w.currency: w for w in metrics.approved_unbilled}
    for s, cur in enumerate(currencies):
        d, w = dso.get(cur), waiting.get(cur)
        put(("dso", s), "more than 90" if d is not None and d.beyond
            else (d.days if d is not None else 0))
        put(("approved_unbilled", s), w.amount if w else 0)
        put(("longest_wait", s), "" if w is None else (w.longest_wait_days or 0))
    put(("days_to_approval", 0), "" if metrics.days_to_approval is None else metrics.days_to_approval)
    put(("days_to_payment", 0), "" if metrics.days_to_payment is None else metrics.days_to_payment)


def _timeline(put, data: BookData, as_of: date, flags: dict[str, str]) -> None:
    """Cached values of the timeline block (dashboard_layout's formulas): the
    first rows of tblMilestones by position, and per month ● planned,
    ◆ due, $ paid."""
    first = as_of.replace(day=1) - relativedelta(months=D.TIMELINE_LEAD)
    months = [first + relativedelta(months=j) for j in range(D.TIMELINE_MONTHS)]
    for j, month in enumerate(months):
        put(("timeline_month", j), month)
    by_row = {m.row: m for m in data.milestones}
    paid_on: dict[str, list[date]] = {}
    for p in data.payments:
        if p.payment_date:
            paid_on.setdefault(p.invoice_no, []).append(p.payment_date)
    for i in range(D.TIMELINE_ROWS):
        m = by_row.get(i)
        fields = {h: "" for h in D.TL_COLUMNS}
        if m is not None:
            fields.update({"Milestone ID": m.milestone_id, "Project ID": m.project_id,
                           "Milestone": m.name, "Planned Date": m.planned_date or "",
                           "Invoice No": m.invoice_no, "Due Date": m.due_date or "",
                           "Flag": flags.get(m.milestone_id, "")})
        for h, value in fields.items():
            put(("timeline", i, h), value)
        for j, month in enumerate(months):
            mark = ""
            if m is not None:
                end = month + relativedelta(day=31)
                if m.planned_date and month <= m.planned_date <= end:
                    mark += "●"
                if m.due_date and month <= m.due_date <= end:
                    mark += "◆"
                if m.invoice_no and any(month <= d <= end for d in paid_on.get(m.invoice_no, ())):
                    mark += "$"
            put(("timeline_cell", i, j), mark)


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
    helpers = helper_values(data, comp)
    absent = absent_inputs(loaded)
    for table, results, values in (
        (C.PROJECTS.name, comp.projects, C.PROJECTS.results),
        (C.MILESTONES.name, comp.milestones, C.MILESTONES.results),
        (C.INVOICES.name, comp.invoices, C.INVOICES.results),
    ):
        geometry = loaded.locator.geometry(table)
        if geometry is None:
            continue
        _require_formula_columns(geometry, absent)
        n_rows = first_new_row(loaded, table) + appended.get(table, 0)
        _table_formulas(changes, table, n_rows, results, values, helpers.get(table, {}), absent)
    _default_displays(changes, loaded, data)
    _dashboard(changes, data, comp, comp.as_of)
    return changes


def _default_displays(changes: Changes, loaded: Loaded, data: BookData) -> None:
    """A project's blank Currency, Tax Rate or Payment Terms gets a formula
    showing the Settings default (=DefaultCurrency ...), greyed by the
    sheet's conditional format; a value typed over it overrides it, and the
    rules read it as the default it is."""
    geometry = loaded.locator.geometry(C.PROJECTS.name)
    if geometry is None:
        return
    for p in data.projects:
        for header, (field, name) in PROJECT_DEFAULTS.items():
            if field in p.defaulted and geometry.index(header) is not None:
                changes.set(C.PROJECTS.name, header, p.row, Formula(name, getattr(p, field)))


def _require_formula_columns(geometry, absent=frozenset()) -> None:
    """Refuse (nothing written) a table that lacks one of this version's
    formula columns, such as a workbook made by an older template before
    the helper columns Plan Amount and Drift (rule 10): our formulas would
    refer to a column that is not there."""
    have = {h.strip().lower() for h in geometry.headers}
    missing = [h for h in formula_columns(geometry.name, absent) if h.lower() not in have]
    if missing:
        raise BookError(f"{geometry.sheet}: table {geometry.name} has no column "
                        f"{', '.join(repr(h) for h in missing)}: the workbook was made by an "
                        "older milebill template; `milebill upgrade` rebuilds it on the "
                        "current one, every row carried and a backup kept; nothing written")


def count_cells(changes: Changes) -> int:
    return (sum(len(v) for cols in changes.cells.values() for v in cols.values())
            + sum(v is not None for c in changes.sheet_cells.values() for v in c.values())
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
        return RefreshResult(loaded.as_of, loaded.errors, count_cells(changes),
                             tuple(uncharted_currencies(loaded.data, loaded.computation)), True)
