"""Reconcile: compare two copies of one workbook (an emailed copy that came
back) and report every invoice-number conflict before anyone merges them.

Two copies that each issued invoices on their own both take numbers from
the same ``Next Invoice Seq``, so they can hand out the same number. Nothing
is merged or written here; the command says, cell by cell, what clashes:

* ``number_reused``: one number issued in both copies for different
  milestones (or projects) -- two different documents with one number;
* ``number_differs``: one number for the same milestone in both copies, but
  with different content (amount, date, type, client...);
* ``milestone_twice``: one milestone invoiced in both copies under two
  different numbers, neither voided -- the client would be billed twice.

Rows identical in both copies are their shared history and are fine. The
exit status is 1 when there is any conflict, so a script can stop a merge.
Two copies can avoid clashes altogether by giving each its own
``Invoice Number Format`` (``INV-A-{year}-{seq:04d}`` / ``INV-B-...``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..core.records import CREDIT_NOTE, INVOICE, BookData, Invoice
from ..workbook import contract as C
from ..workbook.book import BookError
from ..workbook.reader import Locator, read_book
from .common import problem

# Fields that make two rows "the same invoice".
_SAME = ("type", "issue_date", "due_date", "project_id", "milestone_id", "client", "currency",
         "net", "tax", "total", "related_invoice")


@dataclass(frozen=True)
class Side:
    path: Path
    data: BookData
    locator: Locator

    @property
    def name(self) -> str:
        return self.path.name

    def cell(self, inv: Invoice) -> str:
        return self.locator.cell(C.INVOICES.name, inv.row, "Invoice No")


@dataclass
class Reconciliation:
    a: Side
    b: Side
    conflicts: list[dict] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    only_a: list[str] = field(default_factory=list)
    only_b: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.conflicts

    def to_json(self) -> dict:
        return {"a": str(self.a.path), "b": str(self.b.path),
                "conflicts": self.conflicts,
                "errors": [problem(c["message"], c["a"]["cell"] if c["a"] else None)
                           for c in self.conflicts],
                "shared": self.shared, "only_in_a": self.only_a, "only_in_b": self.only_b,
                "next_invoice_seq": {"a": self.a.data.settings.next_invoice_seq,
                                     "b": self.b.data.settings.next_invoice_seq}}


def _load(path: Path) -> Side:
    path = Path(path)
    if not path.exists():
        raise BookError(f"{path}: no such workbook")
    data, locator = read_book(path)
    return Side(path, data, locator)


def _row(side: Side, inv: Invoice) -> dict:
    return {"cell": side.cell(inv), "milestone_id": inv.milestone_id, "project_id": inv.project_id,
            "type": inv.type, "issue_date": inv.issue_date.isoformat() if inv.issue_date else None,
            "total": str(inv.total), "currency": inv.currency}


def _differences(x: Invoice, y: Invoice) -> list[str]:
    return [f for f in _SAME if getattr(x, f) != getattr(y, f)]


def _live_invoices(data: BookData) -> dict[str, Invoice]:
    """milestone -> its invoice (Type Invoice, no credit note against it)."""
    credited = {i.related_invoice for i in data.invoices if i.type == CREDIT_NOTE}
    out = {}
    for i in data.invoices:
        if i.type == INVOICE and i.invoice_no not in credited and i.milestone_id:
            out.setdefault(i.milestone_id, i)
    return out


def run(path_a: Path, path_b: Path) -> Reconciliation:
    a, b = _load(path_a), _load(path_b)
    rec = Reconciliation(a, b)
    in_a = {i.invoice_no: i for i in a.data.invoices}
    in_b = {i.invoice_no: i for i in b.data.invoices}
    for no in sorted(in_a.keys() & in_b.keys()):
        x, y = in_a[no], in_b[no]
        diff = _differences(x, y)
        if not diff:
            rec.shared.append(no)
            continue
        if x.milestone_id != y.milestone_id or x.project_id != y.project_id or x.type != y.type:
            kind = "number_reused"
            message = (f"{no} was issued in both copies for different work: {a.name} "
                       f"{a.cell(x)} bills {x.milestone_id or x.project_id}, {b.name} {b.cell(y)} "
                       f"bills {y.milestone_id or y.project_id}; one of them must be voided and "
                       "reissued under a new number")
        else:
            kind = "number_differs"
            message = (f"{no} ({x.milestone_id}) differs between {a.name} {a.cell(x)} and "
                       f"{b.name} {b.cell(y)} in {', '.join(f.replace('_', ' ') for f in diff)}")
        rec.conflicts.append({"kind": kind, "invoice_no": no, "milestone_id": x.milestone_id,
                              "fields": diff, "a": _row(a, x), "b": _row(b, y), "message": message})
    rec.only_a = sorted(in_a.keys() - in_b.keys())
    rec.only_b = sorted(in_b.keys() - in_a.keys())
    live_a, live_b = _live_invoices(a.data), _live_invoices(b.data)
    shared = set(rec.shared)
    for mid in sorted(live_a.keys() & live_b.keys()):
        x, y = live_a[mid], live_b[mid]
        if x.invoice_no == y.invoice_no:
            continue
        # an invoice identical in both copies is shared history: the copy
        # that billed again had credited it (its credit note comes with the merge)
        if x.invoice_no in shared or y.invoice_no in shared:
            continue
        rec.conflicts.append({
            "kind": "milestone_twice", "invoice_no": x.invoice_no, "milestone_id": mid, "fields": [],
            "a": _row(a, x), "b": _row(b, y),
            "message": (f"milestone {mid} is invoiced twice: {x.invoice_no} in {a.name} {a.cell(x)} "
                        f"and {y.invoice_no} in {b.name} {b.cell(y)}; void one of them")})
    return rec
