"""Issue: invoice every billable milestone, in sheet order (rule 4).

Numbers come from ``Invoice Number Format`` and ``Next Invoice Seq`` and
are gapless: the documents are rendered first (into staging), then one
atomic workbook write records every invoice and advances the sequence,
then the documents are published. Any failure before the workbook write
consumes no number and leaves no document; see documents/store.py for
what happens after a kill.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable

from ..core.audit import file_sha256
from ..core.engine import compute
from ..core.money import format_amount, round_money
from ..core.numbering import format_number
from ..core.records import INVOICE, OPEN, BookData, Invoice
from ..core.terms import due_date
from ..documents.invoice import (TemplateError, document_data, load_template, missing_fields,
                                 safe_document_name)
from ..documents.store import DocumentClash, DocumentStore
from ..workbook import contract as C
from ..workbook.book import Book, BookError, Changes
from .common import (Loaded, first_new_row, load, milestone_rows, problem, record_documents, seal,
                     session)
from . import stamp
from .refresh import computed_changes

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Issued:
    invoice: Invoice
    milestone_id: str

    def to_json(self) -> dict:
        i = self.invoice
        return {"invoice_no": i.invoice_no, "milestone_id": i.milestone_id,
                "project_id": i.project_id, "currency": i.currency,
                "net": str(i.net), "tax": str(i.tax), "total": str(i.total),
                "issue_date": i.issue_date.isoformat(), "due_date": i.due_date.isoformat(),
                "document": i.document}


@dataclass(frozen=True)
class IssueResult:
    as_of: date
    errors: tuple[dict, ...]
    issued: tuple[Issued, ...] = ()
    dry_run: bool = False
    folder: Path | None = None
    loaded: Loaded | None = None
    pdfs: tuple[Path, ...] = ()
    recovered: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "milestones": milestone_rows(self.loaded) if self.loaded else [],
                "issued": [i.to_json() for i in self.issued], "dry_run": self.dry_run,
                "folder": str(self.folder) if self.folder else None}


def invoice_folder(book: Book, loaded: Loaded, out_dir: Path | None) -> Path:
    """``--out``, else the Invoice Folder setting relative to the workbook's
    folder; a setting that points outside that folder is refused."""
    if out_dir is not None:
        return Path(out_dir)
    base = Path(getattr(book, "folder", ".")).resolve()
    text = (loaded.data.settings.invoice_folder or "invoices").strip()
    folder = (base / text).resolve()
    if Path(text).is_absolute() or (folder != base and base not in folder.parents):
        raise BookError(f"{loaded.locator.cell(C.SETTINGS.name, None, 'Invoice Folder')}: "
                        f"Invoice Folder {text!r} must be a folder inside the workbook's folder")
    return folder


def invoice_template(book: Book):
    """A team's own ``invoice.docx`` beside the workbook, else the built-in one."""
    own = Path(getattr(book, "folder", ".")) / "invoice.docx"
    return load_template(own) if own.is_file() else load_template()


_FILL = re.compile(r"fill '([^']+)'(?: of project \S+)? on the (Settings|Projects|Milestones) sheet")


def field_error(loaded: Loaded, message: str, project_row: int | None, milestone_row: int | None) -> dict:
    """A missing-field message with the cell to fill."""
    m = _FILL.search(message)
    cell = None
    if m:
        key, sheet = m.groups()
        if sheet == "Settings":
            cell = loaded.locator.cell(C.SETTINGS.name, None, key)
        elif sheet == "Projects":
            cell = loaded.locator.cell(C.PROJECTS.name, project_row, key)
        else:
            cell = loaded.locator.cell(C.MILESTONES.name, milestone_row, key.split("' or '")[0])
    return problem(message, cell)


def audit_row(action: str, reference: str, detail: str) -> dict:
    return {"Timestamp": stamp.now().isoformat(sep=" "),
            "User": stamp.person(), "Action": action, "Reference": reference, "Detail": detail}


def plan(loaded: Loaded) -> tuple[list[Issued], list[dict]]:
    """The invoices an issue run would create, and why it cannot (errors)."""
    data, comp, as_of = loaded.data, loaded.computation, loaded.as_of
    settings = data.settings
    projects = {p.project_id: p for p in data.projects}
    milestones = {m.milestone_id: m for m in data.milestones}
    existing = {i.invoice_no: i for i in data.invoices}
    out, errors = [], []
    seq = settings.next_invoice_seq
    for r in sorted((r for r in comp.milestones if r.billable), key=lambda r: r.row):
        m, p = milestones[r.milestone_id], projects[r.project_id]
        presult = comp.project(p.project_id)
        number = format_number(settings.invoice_number_format, as_of.year, seq)
        if number in existing:
            errors.append(problem(
                f"Next Invoice Seq {seq} gives {number}, which already exists "
                f"({loaded.locator.cell(C.INVOICES.name, existing[number].row, 'Invoice No')}); "
                "set Next Invoice Seq past the last issued number",
                loaded.locator.cell(C.SETTINGS.name, None, "Next Invoice Seq")))
            break
        net = r.amount
        tax = round_money(net * p.tax_rate, p.currency)
        inv = Invoice(invoice_no=number, type=INVOICE, issue_date=as_of,
                      due_date=due_date(presult.terms, as_of), project_id=p.project_id,
                      milestone_id=m.milestone_id, client=p.client, currency=p.currency,
                      net=net, tax=tax, total=net + tax, status=OPEN,
                      document=safe_document_name(number))
        doc = document_data(inv, p, m, settings)
        for msg in missing_fields(doc):
            errors.append(field_error(loaded, msg, p.row, m.row))
        out.append(Issued(inv, m.milestone_id))
        seq += 1
    # one message per distinct problem (a missing seller field repeats per invoice)
    seen, unique = set(), []
    for e in errors:
        key = (e["cell"], re.sub(r"for (INV|CN)\S*", "", e["message"]))
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return out, unique


def apply_issue(data: BookData, issued: list[Issued], first_row: int) -> BookData:
    """The book after issuing: new invoice rows, milestones invoiced, seq advanced."""
    by_ms = {i.milestone_id: i.invoice for i in issued}
    milestones = tuple(
        replace(m, invoice_no=by_ms[m.milestone_id].invoice_no,
                invoice_date=by_ms[m.milestone_id].issue_date,
                due_date=by_ms[m.milestone_id].due_date)
        if m.milestone_id in by_ms else m for m in data.milestones)
    invoices = data.invoices + tuple(replace(i.invoice, row=first_row + k) for k, i in enumerate(issued))
    settings = replace(data.settings, next_invoice_seq=data.settings.next_invoice_seq + len(issued))
    return replace(data, milestones=milestones, invoices=invoices, settings=settings)


def issue_changes(loaded: Loaded, issued: list[Issued]) -> Changes:
    data = loaded.data
    first = first_new_row(loaded, C.INVOICES.name)
    new_data = apply_issue(data, issued, first)
    changes = Changes()
    ms_rows = {m.milestone_id: m.row for m in data.milestones}
    for item in issued:
        i = item.invoice
        row = ms_rows[item.milestone_id]
        changes.set(C.MILESTONES.name, "Invoice No", row, i.invoice_no)
        changes.set(C.MILESTONES.name, "Invoice Date", row, i.issue_date)
        changes.set(C.MILESTONES.name, "Due Date", row, i.due_date)
        changes.append(C.INVOICES.name, {
            "Invoice No": i.invoice_no, "Type": i.type, "Issue Date": i.issue_date,
            "Due Date": i.due_date, "Project ID": i.project_id, "Milestone ID": i.milestone_id,
            "Client": i.client, "Currency": i.currency, "Net": i.net, "Tax": i.tax,
            "Total": i.total, "Document": i.document, "Related Invoice": None})
        changes.append(C.AUDIT.name, audit_row(
            "Issue", i.invoice_no,
            f"{i.milestone_id} ({i.project_id}) net {format_amount(i.net, i.currency)} "
            f"tax {format_amount(i.tax, i.currency)} total {format_amount(i.total, i.currency)} "
            f"{i.currency}, due {i.due_date.isoformat()}"))
    changes.settings["Next Invoice Seq"] = new_data.settings.next_invoice_seq
    comp = compute(new_data, loaded.as_of)
    return computed_changes(loaded, new_data, comp, changes, {C.INVOICES.name: len(issued)})


def run(book: Book, as_of: date | None = None, out_dir: Path | None = None,
        dry_run: bool = False, pdf: bool = False, progress: Progress | None = None,
        fail_after: int | None = None) -> IssueResult:
    """Issue invoices. ``fail_after`` (tests only) raises after that many
    documents, to prove a failure leaves nothing behind."""
    with session(book):
        loaded = load(book, as_of)
        if loaded.errors:
            return IssueResult(loaded.as_of, loaded.errors, loaded=loaded)
        folder = invoice_folder(book, loaded, out_dir)
        store = DocumentStore(folder)
        recovered: tuple[str, ...] = ()
        if not dry_run:
            moved, _ = store.recover({i.document for i in loaded.data.invoices if i.document})
            recovered = tuple(moved)
        issued, errors = plan(loaded)
        if errors:
            return IssueResult(loaded.as_of, tuple(errors), loaded=loaded, folder=folder)
        if dry_run or not issued:
            return IssueResult(loaded.as_of, (), tuple(issued), dry_run, folder, loaded,
                               recovered=recovered)
        names = [i.invoice.document for i in issued]
        try:
            store.check_free(names)
            template = invoice_template(book)
        except (DocumentClash, TemplateError) as exc:
            return IssueResult(loaded.as_of, (problem(str(exc)),),
                               loaded=loaded, folder=folder)
        changes = issue_changes(loaded, issued)
        staged: list[str] = []
        shas: dict[str, str] = {}
        try:
            data = loaded.data
            projects = {p.project_id: p for p in data.projects}
            milestones = {m.milestone_id: m for m in data.milestones}
            for k, item in enumerate(issued):
                if fail_after is not None and k >= fail_after:
                    raise OSError(f"injected failure after {k} documents")
                i = item.invoice
                doc = document_data(i, projects[i.project_id], milestones[item.milestone_id],
                                    data.settings)
                template.render(doc, store.stage_path(i.document))
                staged.append(i.document)
                shas[i.invoice_no] = file_sha256(store.stage_path(i.document))
                if progress:
                    progress(k + 1, len(issued))
            record_documents(loaded, changes, shas)
            book.apply(seal(loaded, changes))
        except BaseException:
            store.discard(staged)
            raise
        published = store.publish(staged)
        pdfs: tuple[Path, ...] = ()
        if pdf:
            from ..documents.pdf import to_pdf
            pdfs = tuple(to_pdf(published, folder))
        return IssueResult(loaded.as_of, (), tuple(issued), False, folder, loaded, pdfs, recovered)
