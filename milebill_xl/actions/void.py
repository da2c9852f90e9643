"""Void: correct an issued invoice with a credit note (rule 9).

The invoice is never deleted or renumbered. A credit note with its own
gapless number series takes back the open amount (Total - Paid, tax split
in proportion), the invoice becomes ``Void``, and the milestone's invoice
columns are cleared with Approval back to ``Pending``, so it is billable
again once re-approved. A fully paid invoice has no open amount and is
refused: refund it outside the tool.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from ..core.audit import file_sha256
from ..core.engine import compute
from ..core.money import format_amount, round_money
from ..core.numbering import format_number
from ..core.records import CREDIT_NOTE, INVOICE, PENDING, VOID, Invoice
from ..documents.invoice import document_data, missing_fields, safe_document_name
from ..documents.store import DocumentClash, DocumentStore
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import Loaded, load, record_documents, seal, session
from .common import first_new_row, problem as _error
from .issue import audit_row, field_error, invoice_folder, invoice_template
from .lookup import find_invoice
from .refresh import computed_changes


@dataclass(frozen=True)
class VoidResult:
    as_of: date
    errors: tuple[dict, ...]
    credit_note: Invoice | None = None
    document: object = None


def credit_note_for(loaded: Loaded, inv: Invoice, paid: Decimal, number: str) -> Invoice:
    open_total = inv.total - paid
    tax = round_money(open_total * inv.tax / inv.total, inv.currency) if inv.total else Decimal(0)
    return Invoice(invoice_no=number, type=CREDIT_NOTE, issue_date=loaded.as_of, due_date=None,
                   project_id=inv.project_id, milestone_id=inv.milestone_id, client=inv.client,
                   currency=inv.currency, net=-(open_total - tax), tax=-tax, total=-open_total,
                   status="Applied", document=safe_document_name(number), related_invoice=inv.invoice_no)


def run(book: Book, invoice_no: str, reason: str, as_of: date | None = None) -> VoidResult:
    reason = (reason or "").strip()
    with session(book):
        loaded = load(book, as_of)
        if loaded.errors:
            return VoidResult(loaded.as_of, loaded.errors)
        if not reason:
            return VoidResult(loaded.as_of, (_error("a reason is required to void an invoice"),))
        data, comp = loaded.data, loaded.computation
        src, missing = find_invoice(loaded, invoice_no)
        if src is None:
            return VoidResult(loaded.as_of, (missing,))
        where = loaded.locator.cell(C.INVOICES.name, src.row, "Invoice No")
        res = comp.invoice(src.invoice_no)
        if src.type != INVOICE:
            return VoidResult(loaded.as_of, (_error(f"{src.invoice_no} is a credit note; it cannot be voided", where),))
        if res.status == VOID:
            return VoidResult(loaded.as_of, (_error(f"{src.invoice_no} is already void", where),))
        if res.balance <= 0:
            return VoidResult(loaded.as_of, (_error(
                f"{src.invoice_no} is fully paid; there is no open amount to credit", where),))
        settings = data.settings
        number = format_number(settings.credit_note_number_format, loaded.as_of.year,
                               settings.next_credit_note_seq)
        if any(i.invoice_no == number for i in data.invoices):
            return VoidResult(loaded.as_of, (_error(
                f"Next Credit Note Seq gives {number}, which already exists",
                loaded.locator.cell(C.SETTINGS.name, None, "Next Credit Note Seq")),))
        cn = credit_note_for(loaded, src, res.paid, number)
        first = first_new_row(loaded, C.INVOICES.name)
        cn = replace(cn, row=first)
        project = next(p for p in data.projects if p.project_id == src.project_id)
        milestone = next((m for m in data.milestones if m.milestone_id == src.milestone_id), None)
        doc = document_data(cn, project, milestone, settings, related=src, notes=f"Reason: {reason}")
        missing = [field_error(loaded, msg, project.row, milestone.row if milestone else None)
                   for msg in missing_fields(doc)]
        if missing:
            return VoidResult(loaded.as_of, tuple(missing))

        milestones = data.milestones
        changes = Changes()
        if milestone is not None and milestone.invoice_no == src.invoice_no:
            cleared = replace(milestone, invoice_no="", invoice_date=None, due_date=None, approval=PENDING)
            milestones = tuple(cleared if m is milestone else m for m in milestones)
            for column in ("Invoice No", "Invoice Date", "Due Date"):
                changes.set(C.MILESTONES.name, column, milestone.row, None)
            changes.set(C.MILESTONES.name, "Approval", milestone.row, PENDING)
        new_data = replace(data, milestones=milestones, invoices=data.invoices + (cn,),
                           settings=replace(settings, next_credit_note_seq=settings.next_credit_note_seq + 1))
        changes.append(C.INVOICES.name, {
            "Invoice No": cn.invoice_no, "Type": cn.type, "Issue Date": cn.issue_date,
            "Due Date": None, "Project ID": cn.project_id, "Milestone ID": cn.milestone_id,
            "Client": cn.client, "Currency": cn.currency, "Net": cn.net, "Tax": cn.tax,
            "Total": cn.total, "Document": cn.document, "Related Invoice": cn.related_invoice})
        changes.append(C.AUDIT.name, audit_row(
            "Void", src.invoice_no, f"credit note {cn.invoice_no} for {format_amount(-cn.total, cn.currency)} "
            f"{cn.currency}: {reason}"))
        changes.settings["Next Credit Note Seq"] = new_data.settings.next_credit_note_seq
        computed_changes(loaded, new_data, compute(new_data, loaded.as_of), changes,
                         {C.INVOICES.name: 1})

        folder = invoice_folder(book, loaded, None)
        store = DocumentStore(folder)
        store.recover({i.document for i in data.invoices if i.document})
        try:
            store.check_free([cn.document])
        except DocumentClash as exc:
            return VoidResult(loaded.as_of, (_error(str(exc)),))
        staged = []
        try:
            invoice_template(book).render(doc, store.stage_path(cn.document))
            staged.append(cn.document)
            record_documents(loaded, changes,
                             {cn.invoice_no: file_sha256(store.stage_path(cn.document))})
            book.apply(seal(loaded, changes))
        except BaseException:
            store.discard(staged)
            raise
        published = store.publish(staged)
        return VoidResult(loaded.as_of, (), cn, published[0])
