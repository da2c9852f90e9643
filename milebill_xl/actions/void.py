"""Void: correct an issued invoice with a credit note (rule 9).

The invoice is never deleted or renumbered. A credit note with its own
gapless number series reverses the whole invoice (its Net, Tax and Total
negated), the invoice becomes ``Void``, and the milestone's invoice columns
are cleared with Approval back to ``Pending`` (Approved By and Approval
Date cleared, their old values kept in the Audit row; Approval Requested
set to the void date), so it is billable again once re-approved.

Money already received stays on the voided invoice, whose Balance becomes
minus that money: the client's credit. The milestone's next invoice takes it
(``issue`` writes the Credit Applied rows); a cancelled milestone's credit
stays the client's. Discount and Write-off rows of the invoice are reversed
(a row of the same Kind, negated), since the credit note already takes the
whole Total back. A paid invoice may be voided too. Only the invoice's own
rows must be free of problems.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from ..core.engine import compute
from ..core.money import format_amount, round_money
from ..core.deposits import is_deposit
from ..core.numbering import format_number, same_series, series_seq
from ..core.records import (CREDIT_NOTE, DISCOUNT, INVOICE, PENDING, RETENTION_RELEASE,
                            VOID, WRITE_OFF, Invoice, Payment, replace)
from ..core.words import APPLIED
from ..documents.invoice import document_data, missing_fields, safe_document_name
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import Loaded, load, session
from .common import first_new_row, problem as _error
from .document_run import write_document
from .issue import audit_row, field_error
from .lookup import find_invoice
from .mailing import Mailer


@dataclass(frozen=True)
class VoidResult:
    as_of: date
    errors: tuple[dict, ...]
    credit_note: Invoice | None = None
    document: object = None
    #: money received on the voided invoice, now the client's credit
    credit: Decimal | None = None
    pdf: Path | None = None
    #: the credit note's e-mail draft (``--email``)
    email: Path | None = None
    #: the credit note's e-invoice (Factur-X PDF or UBL XML), when the
    #: E-Invoice Format setting asks for one
    e_invoice: tuple = ()

    @property
    def done(self) -> bool:
        return self.credit_note is not None

    def to_json(self) -> dict:
        cn = self.credit_note
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "credit_note": None if cn is None else {
                    "invoice_no": cn.invoice_no, "related_invoice": cn.related_invoice,
                    "currency": cn.currency, "net": str(cn.net), "tax": str(cn.tax),
                    "total": str(cn.total), "document": str(self.document),
                    **({"pdf": str(self.pdf)} if self.pdf else {}),
                    **({"email": str(self.email)} if self.email else {}),
                    "e_invoice": [str(p) for p in self.e_invoice]},
                "credit": None if self.credit is None else str(self.credit)}


def credit_note_for(loaded: Loaded, inv: Invoice, number: str) -> Invoice:
    """The credit note reversing the whole of ``inv``: its Net, Tax and
    Total negated, exactly as issued (no tax re-derived), at its tax rate
    and category (blank on an invoice from before those columns: its
    document then prints its milestone's rate and its project's category)."""
    return Invoice(invoice_no=number, type=CREDIT_NOTE, issue_date=loaded.as_of, due_date=None,
                   project_id=inv.project_id, milestone_id=inv.milestone_id, client=inv.client,
                   currency=inv.currency, net=-round_money(inv.net, inv.currency),
                   tax=-round_money(inv.tax, inv.currency), total=-round_money(inv.total, inv.currency),
                   status=APPLIED, document=safe_document_name(number), related_invoice=inv.invoice_no,
                   retention=-round_money(inv.retention, inv.currency),
                   deposit_applied=-round_money(inv.deposit_applied, inv.currency),
                   tax_rate=inv.tax_rate, tax_category=inv.tax_category)


def _unwinds(loaded: Loaded, inv: Invoice, where: str) -> dict | None:
    """A refusal when the void would undo money another standing document
    relies on: a milestone invoice whose retention a release already paid
    out (the project would hold less than nothing), or a deposit invoice
    that later invoices have recovered from."""
    comp = loaded.computation
    if inv.type != INVOICE:
        return None
    project = comp.project(inv.project_id) if inv.project_id in {
        r.project_id for r in comp.projects} else None
    if project is None:
        return None
    cur = inv.currency
    if inv.retention and project.retention_held - inv.retention < 0:
        release = next((r for r in reversed(comp.invoices) if r.type == RETENTION_RELEASE
                        and r.project_id == inv.project_id and r.status != VOID), None)
        named = (f" ({release.invoice_no}, "
                 f"{loaded.locator.cell(C.INVOICES.name, release.row, 'Invoice No')})" if release else "")
        return _error(f"{inv.invoice_no} withheld {format_amount(inv.retention, cur)} {cur} of "
                      f"retention, which a release{named} has already invoiced; void the release "
                      "first, then this invoice", where)
    milestone = next((m for m in loaded.data.milestones if m.milestone_id == inv.milestone_id), None)
    if milestone is not None and is_deposit(milestone) and project.deposit_recovered:
        return _error(f"{inv.invoice_no} is the deposit of project {inv.project_id}, and later "
                      f"invoices have recovered {format_amount(project.deposit_recovered, cur)} {cur} "
                      "of it; void those invoices first, then the deposit", where)
    return None


def reversals(data, inv: Invoice, as_of: date, number: str) -> list[Payment]:
    """Rows undoing the invoice's Discount and Write-off rows (one per Kind,
    negated), so its Balance after the void is minus the money received."""
    out = []
    for kind in (DISCOUNT, WRITE_OFF):
        total = sum((p.amount for p in data.payments
                     if p.invoice_no == inv.invoice_no and p.kind == kind), Decimal(0))
        if total:
            out.append(Payment(as_of, inv.invoice_no, -total, f"reversed by {number}", kind=kind))
    return out


def latest_issue(invoices, fmt: str, year: int, kind: str) -> Invoice | None:
    """The document of ``kind`` with the latest Issue Date in the series
    ``fmt`` gives for ``year``."""
    series = [i for i in invoices if same_series(i.type, kind) and i.issue_date is not None
              and series_seq(fmt, year, i.invoice_no) is not None]
    return max(series, key=lambda i: i.issue_date, default=None)


def chronology_error(loaded: Loaded, fmt: str, kind: str, label: str) -> dict | None:
    """A refusal when the as-of date is before the latest Issue Date of the
    series it would number into (numbers follow dates)."""
    last = latest_issue(loaded.data.invoices, fmt, loaded.as_of.year, kind)
    if last is None or loaded.as_of >= last.issue_date:
        return None
    return _error(f"as-of date {loaded.as_of.isoformat()} is before {last.invoice_no}, issued "
                  f"{last.issue_date.isoformat()}: {label} numbers must follow their dates; "
                  f"use an as-of date of {last.issue_date.isoformat()} or later",
                  loaded.locator.cell(C.INVOICES.name, last.row, "Issue Date"))


def run(book: Book, invoice_no: str, reason: str, as_of: date | None = None,
        pdf: bool = False, email: bool = False) -> VoidResult:
    """Void ``invoice_no`` with a credit note (``pdf``: also as PDF;
    ``email``: an .eml draft of it to the project's Client Email)."""
    reason = (reason or "").strip()
    with session(book):
        loaded = load(book, as_of)
        blocking = loaded.errors_touching(invoices=[invoice_no.strip()])
        if blocking:
            return VoidResult(loaded.as_of, blocking)
        if not reason:
            return VoidResult(loaded.as_of, (_error("a reason is required to void an invoice"),))
        data, comp = loaded.data, loaded.computation
        src, missing = find_invoice(loaded, invoice_no)
        if src is None:
            return VoidResult(loaded.as_of, (missing,))
        where = loaded.locator.cell(C.INVOICES.name, src.row, "Invoice No")
        res = comp.invoice(src.invoice_no)
        if src.type == CREDIT_NOTE:
            return VoidResult(loaded.as_of, (_error(f"{src.invoice_no} is a credit note; it cannot be voided", where),))
        if res.status == VOID:
            return VoidResult(loaded.as_of, (_error(f"{src.invoice_no} is already void", where),))
        unwinds = _unwinds(loaded, src, where)
        if unwinds:
            return VoidResult(loaded.as_of, (unwinds,))
        settings = data.settings
        late = chronology_error(loaded, settings.credit_note_number_format, CREDIT_NOTE, "credit note")
        if late:
            return VoidResult(loaded.as_of, (late,))
        number = format_number(settings.credit_note_number_format, loaded.as_of.year,
                               settings.next_credit_note_seq)
        if any(i.invoice_no == number for i in data.invoices):
            return VoidResult(loaded.as_of, (_error(
                f"Next Credit Note Seq gives {number}, which already exists",
                loaded.locator.cell(C.SETTINGS.name, None, "Next Credit Note Seq")),))
        cn = credit_note_for(loaded, src, number)
        first = first_new_row(loaded, C.INVOICES.name)
        cn = replace(cn, row=first)
        project = next((p for p in data.projects if p.project_id == src.project_id), None)
        if project is None:  # its row cannot be read: the credit note needs it
            return VoidResult(loaded.as_of, (_error(
                f"{src.invoice_no} names project {src.project_id!r}, which cannot be read from "
                f"the {C.PROJECTS.sheet} sheet; fix the problems listed, then void again",
                loaded.locator.cell(C.INVOICES.name, src.row, "Project ID")),) + loaded.errors)
        milestone = next((m for m in data.milestones if m.milestone_id == src.milestone_id), None)
        doc = document_data(cn, project, milestone, settings, related=src, notes=f"Reason: {reason}")
        fmt = settings.e_invoice_format
        missing = [field_error(loaded, msg, project.row, milestone.row if milestone else None)
                   for msg in missing_fields(doc, fmt)]
        mailer, refused = Mailer.for_document(book, loaded, project, "credit note", email)
        missing += refused
        if missing:
            return VoidResult(loaded.as_of, tuple(missing))

        milestones = data.milestones
        changes = Changes()
        approval_note = ""
        if milestone is not None and milestone.invoice_no == src.invoice_no:
            cleared = replace(milestone, invoice_no="", invoice_date=None, due_date=None,
                              approval=PENDING, approved_by="", approval_date=None,
                              approval_requested=loaded.as_of)
            milestones = tuple(cleared if m is milestone else m for m in milestones)
            for column in ("Invoice No", "Invoice Date", "Due Date", "Approved By", "Approval Date"):
                changes.set(C.MILESTONES.name, column, milestone.row, None)
            changes.set(C.MILESTONES.name, "Approval", milestone.row, PENDING)
            if loaded.locator.geometry(C.MILESTONES.name).index("Approval Requested") is not None:
                changes.set(C.MILESTONES.name, "Approval Requested", milestone.row, loaded.as_of)
            was = milestone.approval_date.isoformat() if milestone.approval_date else "no date"
            approval_note = (f"; approval of {milestone.milestone_id} ({milestone.approval}, by "
                             f"{milestone.approved_by or 'nobody named'}, {was}) cleared and "
                             f"requested again {loaded.as_of.isoformat()}")
        undo = reversals(data, src, loaded.as_of, number)
        present = loaded.locator.geometry(C.PAYMENTS.name).index
        for p in undo:  # only a workbook with Kind can hold Discount/Write-off rows
            changes.append(C.PAYMENTS.name, C.PAYMENTS.values(p, present))
        new_data = replace(data, milestones=milestones, invoices=data.invoices + (cn,),
                           payments=data.payments + tuple(undo),
                           settings=replace(settings, next_credit_note_seq=settings.next_credit_note_seq + 1))
        new_comp = compute(new_data, loaded.as_of)
        credit = new_comp.invoice(src.invoice_no).credit
        held = (f"; {format_amount(credit, cn.currency)} {cn.currency} received is the client's "
                "credit" if credit else "")
        audit = audit_row("Void", src.invoice_no,
                          f"credit note {cn.invoice_no} for {format_amount(-cn.total, cn.currency)} "
                          f"{cn.currency}: {reason}{held}{approval_note}")
        written, refused = write_document(book, loaded, changes, cn, doc, project, audit,
                                          (new_data, new_comp), pdf=pdf, mailer=mailer,
                                          milestone=milestone.name if milestone else "")
        if refused:
            return VoidResult(loaded.as_of, (refused,))
        return VoidResult(loaded.as_of, loaded.errors, cn, written.document, credit, written.pdf,
                          written.email, written.e_invoice)
