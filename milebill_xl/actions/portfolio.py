"""Portfolio: one roll-up over every milestone workbook under a folder.

A team that keeps one workbook per client, region or year wants the whole
picture: what is contracted, billed, collected and overdue, per currency
and per workbook, the next months' expected billing, work approved but not
yet invoiced, and invoice numbers that two workbooks both handed out (an
emailed copy that issued on its own). Nothing is written to the workbooks.

Rules chosen (README "Portfolio"):

- Every ``.xlsx`` under the folder is looked at, recursively, in path
  order; Excel's ``~$`` owner files are passed over. A workbook with
  neither ``tblProjects`` nor ``tblMilestones`` is not a milestone
  workbook: it is listed as skipped. One that cannot be read (damaged,
  password-protected, hostile) is listed with its message; the rest are
  still reported, and the command exits 3 (done in part).
- Every workbook is computed as of one date (``--as-of``, else today), not
  its own ``As Of Date``, so the figures add up.
- A workbook with cell problems is still counted (the engine computes what
  it can) and its problem count is shown: ``milebill check`` names them.
- Figures are the Dashboard's (``core.dashboard``): contract, billed and
  unbilled net of tax; collected, outstanding and overdue gross.
  Approved-but-unbilled counts milestones flagged ``Ready to Invoice`` or
  ``Blocked`` at their Amount.
- A number is *issued twice* when two workbooks hold it for different
  content (type, dates, project, milestone, client, currency, amounts); an
  identical row in both is the shared history of a copied workbook.

Workbooks are read in parallel worker processes (one per core) when there
are several; the roll-up is pandas group-bys over plain rows.
"""
from __future__ import annotations

import concurrent.futures
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import pandas as pd

from ..core.aging import BUCKETS
from ..core.dashboard import build_dashboard, forecast_months
from ..core.engine import compute
from ..core.metrics import cash_metrics
from ..core.money import round_money
from ..workbook import contract as C
from ..workbook.book import BookError
from ..workbook.reader import read_book
from .common import problem

#: money columns of one (workbook, currency) row, in the order shown
TOTALS = ("contract", "billed", "unbilled", "collected", "outstanding", "overdue",
          "approved_unbilled")
#: invoice fields that make two workbooks' rows "the same invoice"
_SAME = ("type", "issue_date", "due_date", "project_id", "milestone_id", "client", "currency",
         "net", "tax", "total")
_NOT_MILESTONE_BOOK = "not a milestone workbook (it has no tblProjects or tblMilestones table)"


@dataclass(frozen=True)
class BookSummary:
    """What one workbook contributes: plain data, so a worker process can
    send it back."""

    path: str                      # relative to the portfolio folder
    problems: int
    next_invoice_seq: int
    rows: tuple[dict, ...]         # one per currency: TOTALS, aging buckets, forecast months
    invoices: tuple[dict, ...]     # invoice_no, cell, and the _SAME fields


@dataclass(frozen=True)
class Unread:
    path: str
    reason: str


@dataclass
class Portfolio:
    folder: Path
    as_of: date
    books: list[BookSummary] = field(default_factory=list)
    skipped: list[Unread] = field(default_factory=list)    # other .xlsx files
    failed: list[Unread] = field(default_factory=list)     # milestone books that could not be read
    months: tuple[str, ...] = ()

    # ---- roll-ups (pandas) -------------------------------------------------

    def by_book(self) -> pd.DataFrame:
        """One row per (workbook, currency)."""
        rows = [{"workbook": b.path, **r} for b in self.books for r in b.rows]
        columns = ["workbook", "currency", *TOTALS, *BUCKETS, *self.months]
        return pd.DataFrame(rows, columns=columns)

    def by_currency(self) -> pd.DataFrame:
        """Every money column summed per currency (sorted by code)."""
        frame = self.by_book()
        if frame.empty:
            return frame.drop(columns=["workbook"]).set_index("currency")
        return frame.drop(columns=["workbook"]).groupby("currency", sort=True).sum()

    def issued_twice(self) -> list[dict]:
        """Invoice numbers two or more workbooks hold for different content."""
        rows = [{"workbook": b.path, **i} for b in self.books for i in b.invoices]
        if not rows:
            return []
        frame = pd.DataFrame(rows)
        frame["content"] = frame[list(_SAME)].astype(str).agg("|".join, axis=1)
        spread = frame.groupby("invoice_no").agg(books=("workbook", "nunique"),
                                                 versions=("content", "nunique"))
        numbers = spread[(spread.books > 1) & (spread.versions > 1)].index
        out = []
        for no in sorted(numbers):
            where = frame[frame.invoice_no == no]
            places = [{"workbook": r.workbook, "cell": r.cell, "milestone_id": r.milestone_id,
                       "total": r.total, "currency": r.currency} for r in where.itertuples()]
            shown = "; ".join(f"{p['workbook']} {p['cell']} ({p['milestone_id'] or 'no milestone'}, "
                              f"{p['total']} {p['currency']})" for p in places)
            out.append({"invoice_no": no, "places": places,
                        "message": f"{no} was issued in {len(set(where.workbook))} workbooks for "
                                   f"different work: {shown}; void one and reissue it under a "
                                   "new number"})
        return out

    @property
    def partial(self) -> bool:
        return bool(self.failed)

    def to_json(self) -> dict:
        def money(frame: pd.DataFrame, columns) -> dict:
            return {cur: {c: str(row[c]) for c in columns} for cur, row in frame.iterrows()}

        totals = self.by_currency()
        per_book = self.by_book()
        return {
            "as_of": self.as_of.isoformat(),
            "folder": str(self.folder),
            "errors": [problem(f"{f.path}: {f.reason}") for f in self.failed],
            "totals": money(totals, TOTALS),
            "aging": money(totals, BUCKETS),
            "forecast": money(totals, self.months),
            "workbooks": [{"workbook": b.path, "problems": b.problems,
                           "next_invoice_seq": b.next_invoice_seq,
                           "currencies": money(per_book[per_book.workbook == b.path]
                                               .set_index("currency"),
                                               (*TOTALS, *BUCKETS, *self.months))}
                          for b in self.books],
            "issued_twice": self.issued_twice(),
            "skipped": [{"workbook": s.path, "reason": s.reason} for s in self.skipped],
            "failed": [{"workbook": f.path, "reason": f.reason} for f in self.failed],
        }


def workbook_files(folder: Path) -> list[Path]:
    """Every .xlsx under ``folder`` (any depth, any case of the suffix), in
    path order; owner files (``~$``) left out."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".xlsx"
                  and p.is_file() and not p.name.startswith("~$"))


def summarize(path: Path, name: str, as_of: date) -> BookSummary | Unread:
    """Read and compute one workbook (runs in a worker process)."""
    try:
        data, locator = read_book(path)
    except BookError as exc:
        return Unread(name, str(exc))
    if not any(locator.geometry(t) for t in (C.PROJECTS.name, C.MILESTONES.name)):
        return Unread(name, _NOT_MILESTONE_BOOK)
    comp = compute(data, as_of)
    dash = build_dashboard(data, as_of, comp)
    unbilled = {w.currency: w.amount for w in cash_metrics(data, comp).approved_unbilled}
    forecast = {(f.currency, f.label): f.amount for f in dash.forecast}
    rows = []
    for t in dash.totals:
        aging = dash.aging.get(t.currency, {})
        rows.append({
            "currency": str(t.currency), "contract": t.contract, "billed": t.billed,
            "unbilled": t.unbilled, "collected": t.collected, "outstanding": t.outstanding,
            "overdue": t.overdue,
            "approved_unbilled": round_money(unbilled.get(t.currency, 0), t.currency),
            **{b: aging.get(b, round_money(0, t.currency)) for b in BUCKETS},
            **{label: amount for (cur, label), amount in forecast.items() if cur == t.currency},
        })
    invoices = tuple({"invoice_no": i.invoice_no,
                      "cell": locator.cell(C.INVOICES.name, i.row, "Invoice No"),
                      **{f: str(getattr(i, f)) for f in _SAME}} for i in data.invoices)
    return BookSummary(name, len(data.problems) + len(comp.problems),
                       data.settings.next_invoice_seq, tuple(rows), invoices)


def run(folder: Path, as_of: date | None = None,
        progress: Callable[[int, int], None] | None = None,
        workers: int | None = None) -> Portfolio:
    """Summarize every workbook under ``folder``. Raises BookError when the
    folder does not exist."""
    folder = Path(folder)
    if not folder.is_dir():
        raise BookError(f"{folder}: no such folder")
    when = as_of or date.today()
    paths = workbook_files(folder)
    names = [p.relative_to(folder).as_posix() for p in paths]
    workers = workers or min(os.cpu_count() or 1, len(paths))
    if workers > 1:
        with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(summarize, p, n, when) for p, n in zip(paths, names)]
            results = []
            for k, f in enumerate(futures):
                results.append(f.result())
                if progress:
                    progress(k + 1, len(paths))
    else:
        results = []
        for k, (p, n) in enumerate(zip(paths, names)):
            results.append(summarize(p, n, when))
            if progress:
                progress(k + 1, len(paths))
    out = Portfolio(folder, when)
    for r in results:
        if isinstance(r, BookSummary):
            out.books.append(r)
        elif r.reason == _NOT_MILESTONE_BOOK:
            out.skipped.append(r)
        else:
            out.failed.append(r)
    out.months = tuple(m.strftime("%Y-%m") for m in forecast_months(when))
    return out
