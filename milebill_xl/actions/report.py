"""Report: overdue invoices, aging per currency, approved-but-unbilled
milestones, the billing forecast and each client's unapplied credit.
Writes nothing. A problem in some rows does not stop it: it prints what it
can and lists the problems (exit 3); a workbook-wide one does (exit 1)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..core.dashboard import ClientCredit, Dashboard, build_dashboard, unapplied_credit
from ..core.flags import APPROVED_UNBILLED
from ..core.metrics import Metrics, cash_metrics
from ..core.records import RECEIVABLE_TYPES, VOID
from ..workbook.book import Book
from .common import Loaded, load, milestone_rows

UNBILLED_FLAGS = APPROVED_UNBILLED


@dataclass(frozen=True)
class Report:
    loaded: Loaded
    dashboard: Dashboard
    metrics: Metrics

    @property
    def as_of(self) -> date:
        return self.loaded.as_of

    @property
    def done(self) -> bool:
        return not self.loaded.wide_errors

    def credits(self) -> tuple[ClientCredit, ...]:
        """Money received on voided invoices that no new invoice took, per
        client and currency."""
        return unapplied_credit(self.loaded.computation)

    def overdue(self) -> list[dict]:
        """Open invoices past their due date, most overdue first."""
        inv = {i.invoice_no: i for i in self.loaded.data.invoices}
        out = []
        for r in self.loaded.computation.invoices:
            if r.type not in RECEIVABLE_TYPES or r.status == VOID or r.balance <= 0 or r.due_date is None:
                continue
            days = (self.as_of - r.due_date).days
            if days > 0:
                src = inv.get(r.invoice_no)
                out.append({"invoice_no": r.invoice_no, "project_id": r.project_id,
                            "milestone_id": r.milestone_id, "client": src.client if src else "",
                            "currency": r.currency, "due_date": r.due_date,
                            "days_overdue": days, "balance": r.balance})
        return sorted(out, key=lambda d: -d["days_overdue"])

    def unbilled(self) -> list[dict]:
        """Complete and approved milestones not yet invoiced."""
        out = []
        for r in self.loaded.computation.milestones:
            if r.flag in UNBILLED_FLAGS:
                out.append({"milestone_id": r.milestone_id, "project_id": r.project_id,
                            "currency": r.currency, "amount": r.amount, "flag": r.flag})
        return out


def run(book: Book, as_of: date | None = None) -> Report:
    loaded = load(book, as_of)
    return Report(loaded, build_dashboard(loaded.data, loaded.as_of, loaded.computation),
                  cash_metrics(loaded.data, loaded.computation))


def _jsonable(d: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, date) else str(v) if not isinstance(v, (int, str, type(None))) else v)
            for k, v in d.items()}


def to_json(rep: Report) -> dict:
    dash = rep.dashboard
    return {
        "as_of": rep.as_of.isoformat(),
        "errors": list(rep.loaded.errors),
        "milestones": milestone_rows(rep.loaded),
        "aging": {cur: {b: str(v) for b, v in buckets.items()} for cur, buckets in dash.aging.items()},
        "overdue": [_jsonable(d) for d in rep.overdue()],
        "unbilled": [_jsonable(d) for d in rep.unbilled()],
        "forecast": [{"month": f.label, "currency": f.currency, "amount": str(f.amount),
                      "milestones": list(f.milestone_ids)} for f in dash.forecast],
        "totals": [{"currency": t.currency, "contract": str(t.contract), "billed": str(t.billed),
                    "unbilled": str(t.unbilled), "collected": str(t.collected),
                    "outstanding": str(t.outstanding), "overdue": str(t.overdue),
                    "unapplied_credit": str(t.credit)}
                   for t in dash.totals],
        "unapplied_credit": [{"client": c.client, "currency": c.currency, "amount": str(c.amount),
                              "invoices": list(c.invoices)} for c in rep.credits()],
        "metrics": metrics_json(rep.metrics),
    }


def metrics_json(m: Metrics) -> dict:
    def days(x):
        return None if x is None else str(x)
    return {
        "dso": {d.currency: {"days": days(d.days), "beyond_90_days": d.beyond,
                             "receivables": str(d.receivables),
                             "sales_by_30_days": [str(s) for s in d.sales]} for d in m.dso},
        "approved_unbilled": {w.currency: {"amount": str(w.amount), "milestones": w.milestones,
                                           "longest_wait_days": w.longest_wait_days}
                              for w in m.approved_unbilled},
        "days_completion_to_approval": days(m.days_to_approval),
        "days_issue_to_payment": days(m.days_to_payment),
    }
