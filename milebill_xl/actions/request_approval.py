"""Request approval: ask the client to sign off completed milestones.

For each milestone that is Complete and still Pending (or the one named),
a one-page sign-off sheet (documents/approval.py) goes into the
``approvals`` folder beside the invoices (``--pdf`` adds a PDF, ``--email``
an .eml draft to the project's Client Email with the sheet attached); the
milestone's ``Approval Requested`` becomes the as-of date, from which the
Approval SLA counts (rule 7); one Audit row per request. A milestone already
requested on the as-of date is left alone, so running it again the same
day changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..core.records import COMPLETE, PENDING
from ..documents.approval import ApprovalRequest, write_request
from ..documents.invoice import safe_document_name
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import load, problem, seal, session
from .issue import audit_row, invoice_folder
from .mailing import Mailer, amount_text, client_problem


@dataclass
class RequestResult:
    as_of: date
    errors: tuple[dict, ...] = ()
    requested: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "requested": self.requested, "skipped": self.skipped}


def run(book: Book, milestone_id: str | None = None, as_of: date | None = None,
        pdf: bool = False, email: bool = False, out_dir: Path | None = None) -> RequestResult:
    with session(book):
        loaded = load(book, as_of)
        if loaded.data.problems:
            return RequestResult(loaded.as_of, loaded.errors[:len(loaded.data.problems)])
        data, when = loaded.data, loaded.as_of
        cell = loaded.locator.cell
        projects = {p.project_id: p for p in data.projects}
        amounts = {r.milestone_id: r for r in loaded.computation.milestones}
        wanted = [m for m in data.milestones
                  if m.status == COMPLETE and (m.approval or PENDING) == PENDING
                  and not m.invoice_no]
        result = RequestResult(when)
        geo = loaded.locator.geometry(C.MILESTONES.name)
        if geo is not None and geo.index("Approval Requested") is None:
            result.errors = (problem(
                "the Milestones table has no column 'Approval Requested', where the request "
                "date goes; add a column with exactly that header after Flag",
                loaded.locator.sheet(C.MILESTONES.name)),)
            return result
        if milestone_id is not None:
            chosen = [m for m in data.milestones if m.milestone_id == milestone_id.strip()]
            if not chosen:
                result.errors = (problem(f"Milestone {milestone_id!r} is not on the Milestones "
                                         "sheet"),)
                return result
            if chosen[0] not in wanted:
                m = chosen[0]
                result.errors = (problem(
                    f"Milestone {m.milestone_id} is {m.status or 'Planned'} and "
                    f"{m.approval or PENDING}{', invoiced' if m.invoice_no else ''}: only a "
                    "Complete milestone still Pending approval can be sent for sign-off",
                    cell(C.MILESTONES.name, m.row, "Status")),)
                return result
            wanted = chosen
        mailer = None
        if email:
            mailer, result.errors = Mailer.prepare(book, loaded)
            if result.errors:
                return result
        folder = invoice_folder(book, loaded, out_dir) / "approvals"
        changes = Changes()
        written: list[Path] = []
        settings = data.settings
        for m in wanted:
            if m.approval_requested == when:
                result.skipped.append({"milestone_id": m.milestone_id,
                                       "reason": f"already requested on {when.isoformat()}"})
                continue
            p = projects[m.project_id]
            missing = client_problem(loaded, p, "request") if email else None
            if missing:
                result.errors += (missing,)
                continue
            res = amounts[m.milestone_id]
            req = ApprovalRequest(
                reference=m.milestone_id, requested_on=when, seller=settings.company,
                seller_email=settings.company_email, client=p.client,
                client_address=p.client_address, project=p.name or p.project_id,
                po_number=p.po_number, milestone=m.name, deliverable=m.deliverable,
                completed_on=m.completed_date, currency=res.currency, amount=res.amount,
                contract_value=p.contract_value, billed_to_date=loaded.computation.project(p.project_id).billed)
            stem = safe_document_name(f"{m.milestone_id}-approval-{when.isoformat()}", ext="")
            entry = {"milestone_id": m.milestone_id, "project_id": p.project_id,
                     "amount": str(res.amount), "currency": str(res.currency),
                     "document": str(folder / f"{stem}.docx")}
            written.append(folder / f"{stem}.docx")
            result.requested.append(entry)
            changes.set(C.MILESTONES.name, "Approval Requested", m.row, when)
            changes.append(C.AUDIT.name, audit_row(
                "Approval Request", m.milestone_id,
                f"sign-off of {m.name or m.milestone_id} for {res.amount} {res.currency} "
                f"asked of {p.client}{' at ' + p.client_email if email else ''}"))
            entry["_request"], entry["_project"], entry["_amount"] = req, p, res.amount
        if result.errors:
            result.requested = []
            return result
        if not result.requested:
            return result
        made: list[Path] = []
        try:
            for entry in result.requested:
                made.append(write_request(entry.pop("_request"), Path(entry["document"])))
            _finish(result, folder, written, pdf, mailer)
            book.apply(seal(loaded, changes))
        except BaseException:
            for path in made:                  # nothing half-done is left behind
                for suffix in (".docx", ".pdf", ".eml"):
                    path.with_suffix(suffix).unlink(missing_ok=True)
            raise
        return result


def _finish(result: RequestResult, folder: Path, written: list[Path], pdf: bool,
            mailer: Mailer | None) -> None:
    """PDFs (one LibreOffice batch) and e-mail drafts of the sheets just written."""
    if pdf:
        from ..documents.pdf import to_pdf
        for entry, converted in zip(result.requested, to_pdf(written, folder)):
            entry["pdf"] = str(converted)
    for entry in result.requested:
        p = entry.pop("_project")
        if mailer is None:
            continue
        eml = mailer.write("Approval Request", p.client_email, {
            "number": entry["milestone_id"], "client": p.client,
            "project": p.name or p.project_id, "project_id": p.project_id,
            "po_number": p.po_number, "milestone": entry["milestone_id"],
            "amount": amount_text(entry["_amount"], entry["currency"])},
            Path(entry["document"]), Path(entry["pdf"]) if "pdf" in entry else None)
        entry["email"] = str(eml)
    for entry in result.requested:
        entry.pop("_amount", None)
