"""The portfolio roll-up as a workbook (``milebill portfolio --xlsx OUT``).

A new file, not a team's book, so it is written whole with openpyxl:

- ``Dashboard``: totals, aging and expected billing per currency, and one
  chart per currency of its open balances by age (each on its own scale,
  as currencies do not add up);
- ``Workbooks``: table ``tblPortfolio``, one row per workbook and currency;
- ``Issued Twice``: table ``tblIssuedTwice``, every invoice number found in
  more than one workbook for different work, with its cells;
- ``Not Read``: table ``tblNotRead``, files skipped or not readable, why.

Cells hold values, not formulas: the roll-up is a snapshot as of one date
(in the title), so it reads the same in every client without recalculation.
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo

from ..core.aging import BUCKETS
from ..core.money import minor_units
from .builder import save_workbook

_LABELS = {"contract": "Contract", "billed": "Billed", "unbilled": "Unbilled",
           "collected": "Collected", "outstanding": "Outstanding", "overdue": "Overdue",
           "approved_unbilled": "Approved Unbilled"}
_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)


def _money_format(currency: str) -> str:
    try:
        digits = minor_units(currency)
    except ValueError:
        digits = 2
    return "#,##0" + ("." + "0" * digits if digits else "")


def _table(ws, name: str, header: list[str], rows: list[list]) -> None:
    ws.append(header)
    for row in rows:
        ws.append(row)
    if not rows:
        ws.append([None] * len(header))   # a table needs one data row
    last = get_column_letter(len(header))
    table = Table(displayName=name, ref=f"A1:{last}{ws.max_row}", tableStyleInfo=_STYLE)
    ws.add_table(table)
    ws.freeze_panes = "A2"
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(12, len(h) + 4)


def _block(ws, top: int, title: str, header: list[str], rows: list[tuple[str, list]]) -> int:
    """A titled block of rows (currency, amounts) at row ``top``; returns the
    next free row."""
    ws.cell(top, 1, title).font = Font(bold=True, size=12)
    for c, h in enumerate(header, start=1):
        cell = ws.cell(top + 1, c, h)
        cell.font = Font(bold=True)
        if c > 1:
            cell.alignment = Alignment(horizontal="right")
    r = top + 2
    for currency, values in rows:
        ws.cell(r, 1, currency)
        for c, v in enumerate(values, start=2):
            cell = ws.cell(r, c, v)
            cell.number_format = _money_format(currency)
        r += 1
    return r + 1


def write_portfolio(portfolio, out: Path) -> Path:
    """Write the roll-up of ``portfolio`` (an ``actions.portfolio.Portfolio``)
    to ``out`` atomically; returns the path."""
    out = Path(out)
    totals = portfolio.by_currency()
    wb = Workbook()
    ws = wb.active
    ws.title = "Dashboard"
    ws["A1"] = f"Portfolio of {len(portfolio.books)} workbook(s) as of {portfolio.as_of.isoformat()}"
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = str(portfolio.folder)
    currencies = list(totals.index)
    money = list(_LABELS)
    r = _block(ws, 4, "Totals", ["Currency", *_LABELS.values()],
               [(c, [float(totals.loc[c, k]) for k in money]) for c in currencies])
    aging_top = r
    r = _block(ws, r, "Aging of open balances", ["Currency", *BUCKETS],
               [(c, [float(totals.loc[c, b]) for b in BUCKETS]) for c in currencies])
    r = _block(ws, r, "Expected billing", ["Currency", *portfolio.months],
               [(c, [float(totals.loc[c, m]) for m in portfolio.months]) for c in currencies])
    for c in range(1, 2 + max(len(_LABELS), len(portfolio.months), len(BUCKETS))):
        ws.column_dimensions[get_column_letter(c)].width = 18
    charted = [c for c in currencies if totals.loc[c, "outstanding"] > 0]
    for k, cur in enumerate(charted):   # no empty frames: only currencies with open balances
        chart = BarChart()
        chart.title = f"Open balances by age, {cur}"
        chart.legend = None
        row = aging_top + 2 + currencies.index(cur)
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(BUCKETS), min_row=row), from_rows=True)
        chart.set_categories(Reference(ws, min_col=2, max_col=1 + len(BUCKETS), min_row=aging_top + 1))
        chart.height, chart.width = 6, 10.5
        ws.add_chart(chart, f"{'ADG'[k % 3]}{r + 1 + 13 * (k // 3)}")   # three a row
    for sheet in (ws,):
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True

    frame = portfolio.by_book()
    columns = ["workbook", "currency", *money, *BUCKETS, *portfolio.months]
    header = ["Workbook", "Currency", *_LABELS.values(), *BUCKETS, *portfolio.months]
    rows = [[row["workbook"], row["currency"], *[float(row[c]) for c in columns[2:]]]
            for _, row in frame.iterrows()]
    ws_books = wb.create_sheet("Workbooks")
    _table(ws_books, "tblPortfolio", header, rows)
    for i, row in enumerate(rows, start=2):
        fmt = _money_format(row[1])
        for c in range(3, len(header) + 1):
            ws_books.cell(i, c).number_format = fmt

    twice = [[d["invoice_no"], p["workbook"], p["cell"], p["milestone_id"], float(p["total"]) if p["total"] else None,
              p["currency"]] for d in portfolio.issued_twice() for p in d["places"]]
    _table(wb.create_sheet("Issued Twice"), "tblIssuedTwice",
           ["Invoice No", "Workbook", "Cell", "Milestone ID", "Total", "Currency"], twice)
    unread = [[u.path, "skipped", u.reason] for u in portfolio.skipped] + \
             [[u.path, "not readable", u.reason] for u in portfolio.failed]
    _table(wb.create_sheet("Not Read"), "tblNotRead", ["File", "Status", "Reason"], unread)
    out.parent.mkdir(parents=True, exist_ok=True)
    save_workbook(wb, out)
    return out
