"""What every action does first: load the book, pick the as-of date,
compute, and turn problems into cell-addressed messages."""
from __future__ import annotations

import contextlib
import gc
from dataclasses import dataclass
from datetime import date

from ..core.audit import GENESIS, entry_hash, with_document
from ..core.engine import Computation, compute
from ..core.numbering import NumberFormatError, gap_message, same_series
from ..core.records import CREDIT_NOTE, INVOICE, BookData, Problem
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from ..workbook.reader import Locator, format_problem


@dataclass(frozen=True)
class Loaded:
    """A book read and computed as of one date."""

    as_of: date
    data: BookData
    locator: Locator
    computation: Computation
    errors: tuple[dict, ...]   # {"sheet", "cell", "message"}
    #: the Problem behind each of ``errors``, in the same order
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def wide_errors(self) -> tuple[dict, ...]:
        """Workbook-wide problems: they stop every command."""
        return tuple(e for e, p in zip(self.errors, self.problems) if p.wide)

    def errors_touching(self, projects=(), invoices=()) -> tuple[dict, ...]:
        """What stops an action on ``projects`` (IDs) or ``invoices``
        (numbers): the problems in their rows, or every problem when one is
        workbook-wide (so the user sees them all at once)."""
        if self.wide_errors:
            return self.errors
        projects, invoices = set(projects), set(invoices)
        return tuple(e for e, p in zip(self.errors, self.problems)
                     if p.wide or (p.project_id and p.project_id in projects)
                     or (p.invoice_no and p.invoice_no in invoices))

    def project_errors(self, project_id: str) -> tuple[dict, ...]:
        """The problems in one project's own rows (not the wide ones)."""
        return tuple(e for e, p in zip(self.errors, self.problems)
                     if not p.wide and p.project_id == project_id)


def problem(message: str, cell: str | None = None) -> dict:
    """An error object of the contract's JSON (``sheet``, ``cell``,
    ``message``); the sheet is read from the cell address when there is one."""
    sheet = cell.split("!")[0].strip("'") if cell else None
    return {"sheet": sheet, "cell": cell, "message": message}


def session(book: Book):
    """Exclusive use of ``book`` for one read-compute-write (a no-op for
    books that need none, such as a live Excel workbook)."""
    opener = getattr(book, "session", None)
    return opener() if opener else contextlib.nullcontext()


def resolve_as_of(as_of: date | None, data: BookData) -> date:
    """CLI --as-of, else the Settings As Of Date, else today."""
    return as_of or data.settings.as_of_date or date.today()


@contextlib.contextmanager
def _bulk():
    """Python's cycle collector paused while a book's records are built:
    records hold no cycles, yet every 700 new objects would start a pass
    over all of them (about a tenth of ``check`` at 10,000 milestones)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def load(book: Book, as_of: date | None = None) -> Loaded:
    with _bulk():
        data, locator = book.load()
        when = resolve_as_of(as_of, data)
        computation = compute(data, when)
    problems = tuple(data.problems) + tuple(computation.problems) + numbering_problems(data, when)
    errors = tuple(format_problem(p, locator) for p in problems)
    return Loaded(when, data, locator, computation, errors, problems)


def numbering_problems(data: BookData, as_of: date) -> tuple[Problem, ...]:
    """A Next Invoice Seq or Next Credit Note Seq that would leave a gap in,
    or reuse a number of, the series the as-of year writes into (a series
    with no documents yet may start anywhere): workbook-wide, on the
    setting's cell."""
    s = data.settings
    out = []
    for label, fmt, seq, kind in (
            ("Next Invoice Seq", s.invoice_number_format, s.next_invoice_seq, INVOICE),
            ("Next Credit Note Seq", s.credit_note_number_format, s.next_credit_note_seq,
             CREDIT_NOTE)):
        try:
            message = gap_message(label, fmt, as_of.year, seq,
                                  [i.invoice_no for i in data.invoices if same_series(i.type, kind)])
        except NumberFormatError:
            continue  # the format itself is reported where it is read
        if message:
            out.append(Problem(C.SETTINGS.name, None, "Value", message))
    return tuple(out)


def milestone_rows(loaded: Loaded) -> list[dict]:
    """The per-milestone JSON objects the contract names."""
    out = []
    by_id = {m.milestone_id: m for m in loaded.data.milestones}
    for r in loaded.computation.milestones:
        m = by_id.get(r.milestone_id)
        out.append({
            "milestone_id": r.milestone_id,
            "project_id": m.project_id if m else "",
            "amount": str(r.amount),
            "flag": r.flag,
            "days_overdue": r.days_overdue,
            "invoice_no": (m.invoice_no if m else "") or None,
            "due_date": m.due_date.isoformat() if m and m.due_date else None,
        })
    return out


_RECORDS = {"tblProjects": "projects", "tblMilestones": "milestones",
            "tblInvoices": "invoices", "tblPayments": "payments"}


def first_new_row(loaded: Loaded, table: str) -> int:
    """Data-row index the next row appended to ``table`` gets, which is also
    the number of rows that hold data. A table with no data keeps one blank
    placeholder row (Excel needs it); it is filled first, so it counts as 0."""
    geo = loaded.locator.geometry(table)
    if geo is None:
        return 0
    records = getattr(loaded.data, _RECORDS.get(table, ""), None)
    if geo.n_rows == 1 and records is not None and not any(r.row == 0 for r in records):
        return 0
    return geo.n_rows


def seal(loaded: Loaded, changes: Changes) -> Changes:
    """The Audit rows' User is the Operator setting when it is filled.
    Chain the Audit rows ``changes`` appends: each gets its ``Hash``
    (core/audit.py) from the last row's. Only where the table has a Hash
    column (a workbook made before it keeps working, unsealed)."""
    rows = changes.appends.get(C.AUDIT.name, ())
    if loaded.data.settings.operator:  # the team named who runs the tool
        for row in rows:
            row["User"] = loaded.data.settings.operator
    geo = loaded.locator.geometry(C.AUDIT.name)
    if not rows or geo is None or geo.index("Hash") is None:
        return changes
    previous = loaded.data.audit[-1].hash if loaded.data.audit else GENESIS
    for row in rows:
        row["Hash"] = previous = entry_hash(previous, *(str(row.get(h) or "").strip()
                                                        for h in C.AUDIT.columns))
    return changes


def record_documents(loaded: Loaded, changes: Changes, sha256: dict[str, str]) -> None:
    """Note each new document's SHA-256 (keyed by its invoice number) on its
    appended tblInvoices row and at the end of the Detail of the Audit row
    that names the number, so the audit chain covers its bytes."""
    geo = loaded.locator.geometry(C.INVOICES.name)
    has_column = geo is not None and geo.index("Document SHA-256") is not None
    documents = {}
    for row in changes.appends.get(C.INVOICES.name, ()):
        number = row.get("Invoice No")
        if number in sha256:
            documents[number] = row.get("Document")
            if has_column:
                row["Document SHA-256"] = sha256[number]
    for row in changes.appends.get(C.AUDIT.name, ()):
        words = f"{row.get('Reference', '')} {row.get('Detail', '')}".split()
        number = next((n for n in documents if n in words), None)
        if number is not None:          # the first row naming it: the one that issued it
            row["Detail"] = with_document(row["Detail"], documents.pop(number), sha256[number])
