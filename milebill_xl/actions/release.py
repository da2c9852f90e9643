"""Release: invoice the retention a project holds (issue 13 item 1).

``milebill release PATH --project ID`` issues one ``Retention Release``
invoice for the project's ``Retention Held`` (core/retention.py), numbered
from the invoice series (gapless, chronological, as ``issue``), with its
document and an Audit row. A project that holds nothing issues nothing (so
a second release issues nothing); voiding the release (``void``) puts the
retention back. Only the project's own rows must be free of problems.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..core.engine import compute
from ..core.money import format_amount
from ..core.numbering import format_number
from ..core.position import position
from ..core.records import OPEN, RETENTION_RELEASE, Invoice, replace
from ..core.retention import release_charge
from ..core.terms import due_date
from ..documents.invoice import document_data, missing_fields, safe_document_name
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import Loaded, first_new_row, load, problem, session
from .document_run import write_document
from .issue import chronology, money_detail, audit_row, field_error
from .mailing import Mailer


@dataclass(frozen=True)
class ReleaseResult:
    as_of: date
    errors: tuple[dict, ...]
    project_id: str = ""
    invoice: Invoice | None = None
    document: Path | None = None
    pdf: Path | None = None
    #: the release's e-mail draft (``--email``)
    email: Path | None = None
    #: its e-invoice (Factur-X PDF or UBL XML) when the E-Invoice Format asks
    e_invoice: tuple[Path, ...] = ()

    @property
    def done(self) -> bool:
        return self.invoice is not None

    def to_json(self) -> dict:
        i = self.invoice
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "project_id": self.project_id or None,
                "released": None if i is None else {
                    "invoice_no": i.invoice_no, "project_id": i.project_id,
                    "currency": i.currency, "net": str(i.net), "tax": str(i.tax),
                    "total": str(i.total), "issue_date": i.issue_date.isoformat(),
                    "due_date": i.due_date.isoformat(), "document": i.document,
                    "e_invoice": [str(p) for p in self.e_invoice]},
                **({"email": str(self.email)} if self.email else {})}


def _project(loaded: Loaded, typed: str):
    """The project named ``typed`` (any case), or an error listing the
    projects that hold retention."""
    wanted = typed.strip().casefold()
    found = next((p for p in loaded.data.projects if p.project_id.casefold() == wanted), None)
    if found is not None:
        return found, None
    holding = [f"{r.project_id} ({format_amount(r.retention_held, r.currency)} {r.currency})"
               for r in loaded.computation.projects if r.retention_held > 0]
    text = f"--project {typed.strip()!r}: there is no such project on the " \
           f"{loaded.locator.sheet(C.PROJECTS.name)} sheet"
    text += ("; projects holding retention: " + ", ".join(holding)) if holding else \
        "; no project holds retention"
    return None, problem(text)


def plan(loaded: Loaded, project_id: str) -> tuple[Invoice | None, list[dict]]:
    """The release invoice for the project (None when it holds nothing),
    and what refuses it."""
    project, missing = _project(loaded, project_id)
    if project is None:
        return None, [missing]
    blocking = loaded.errors_touching(projects=[project.project_id])
    if blocking:
        return None, list(blocking)
    result = loaded.computation.project(project.project_id)
    if result.retention_held <= 0:
        return None, []
    late = chronology(loaded)
    if late:
        return None, [late]
    s = loaded.data.settings
    number = format_number(s.invoice_number_format, loaded.as_of.year, s.next_invoice_seq)
    existing = next((i for i in loaded.data.invoices if i.invoice_no == number), None)
    if existing is not None:
        return None, [problem(
            f"Next Invoice Seq {s.next_invoice_seq} gives {number}, which already exists "
            f"({loaded.locator.cell(C.INVOICES.name, existing.row, 'Invoice No')}); "
            "set Next Invoice Seq past the last issued number",
            loaded.locator.cell(C.SETTINGS.name, None, "Next Invoice Seq"))]
    charge = release_charge(result.retention_held, project.tax_rate, s.retention_tax,
                            project.currency)
    inv = Invoice(invoice_no=number, type=RETENTION_RELEASE, issue_date=loaded.as_of,
                  due_date=due_date(result.terms, loaded.as_of), project_id=project.project_id,
                  client=project.client, currency=project.currency, status=OPEN,
                  document=safe_document_name(number), row=first_new_row(loaded, C.INVOICES.name),
                  tax_rate=project.tax_rate, tax_category=project.tax_category,
                  **charge.columns())
    errors = [field_error(loaded, msg, project.row, None)
              for msg in missing_fields(document_data(inv, project, None, s), s.e_invoice_format)]
    return inv, errors


def run(book: Book, project_id: str, as_of: date | None = None, pdf: bool = False,
        email: bool = False) -> ReleaseResult:
    """Release the project's retention (``pdf``: also as PDF; ``email``: an
    .eml draft of it to the project's Client Email)."""
    with session(book):
        loaded = load(book, as_of)
        inv, errors = plan(loaded, project_id)
        if errors or inv is None:
            return ReleaseResult(loaded.as_of, tuple(errors), project_id)
        data, s = loaded.data, loaded.data.settings
        project = next(p for p in data.projects if p.project_id == inv.project_id)
        mailer, refused = Mailer.for_document(book, loaded, project, "invoice", email)
        if refused:
            return ReleaseResult(loaded.as_of, tuple(refused), project_id)
        new_data = replace(data, invoices=data.invoices + (inv,),
                           settings=replace(s, next_invoice_seq=s.next_invoice_seq + 1))
        new_comp = compute(new_data, loaded.as_of)
        where = position(inv, project.contract_value, new_data.invoices,
                         {r.invoice_no: r.status for r in new_comp.invoices}, new_data.milestones)
        doc = document_data(inv, project, None, s, position=where)
        audit = audit_row("Retention Release", inv.invoice_no,
                          f"retention of {inv.project_id} released: {money_detail(inv)}, "
                          f"due {inv.due_date.isoformat()}")
        written, refused = write_document(book, loaded, Changes(), inv, doc, project, audit,
                                          (new_data, new_comp), pdf=pdf, mailer=mailer)
        if refused:
            return ReleaseResult(loaded.as_of, (refused,), inv.project_id)
        return ReleaseResult(loaded.as_of, loaded.errors, inv.project_id, inv, written.document,
                             written.pdf, written.email, written.e_invoice)
