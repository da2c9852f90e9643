"""Verify: is the audit trail as milebill wrote it, and are the issued
documents the bytes that were issued? Writes nothing.

Reports, with cells: the first Audit row whose Hash does not follow
(core/audit.py), every invoice document that is missing or whose SHA-256
differs from its ``Document SHA-256``, and every ``Document SHA-256`` that
differs from the one its Audit row recorded when it was issued.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..core.audit import document_of, file_sha256, first_break
from ..workbook import contract as C
from ..workbook.book import Book
from .common import Loaded, load, problem
from .issue import invoice_folder


@dataclass
class Verification:
    as_of: date
    errors: tuple[dict, ...] = ()
    breaks: list[dict] = field(default_factory=list)
    rows_checked: int = 0
    documents_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and not self.breaks

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors) + self.breaks,
                "audit_rows_checked": self.rows_checked,
                "documents_checked": self.documents_checked, "ok": self.ok}


def run(book: Book, as_of: date | None = None) -> Verification:
    loaded = load(book, as_of)
    data = loaded.data
    out = Verification(loaded.as_of, tuple(e for e in loaded.errors
                                           if e["sheet"] == C.AUDIT.sheet))
    cell = loaded.locator.cell
    audit = data.audit
    if loaded.locator.geometry(C.AUDIT.name) is None or \
            loaded.locator.geometry(C.AUDIT.name).index("Hash") is None:
        out.breaks.append(problem("The Audit table has no Hash column: its rows cannot be "
                                  "verified (add a column headed Hash to tblAudit; rows "
                                  "written after that are sealed)"))
        return out
    found = first_break((e.row, e.timestamp, e.user, e.action, e.reference, e.detail, e.hash)
                        for e in audit)
    out.rows_checked = sum(1 for e in audit if e.hash)
    if found is not None:
        where = cell(C.AUDIT.name, found.row, "Hash")
        out.breaks.append(problem(found.message, where))
    recorded = {}                       # document file -> (SHA-256, audit row)
    for e in audit:
        named = document_of(e.detail)
        if named:
            recorded[named[0]] = (named[1], e.row)
    folder = _folder(book, loaded)
    for inv in data.invoices:
        if not inv.document_sha256:
            continue
        out.documents_checked += 1
        where = cell(C.INVOICES.name, inv.row, "Document SHA-256")
        path = folder / inv.document if inv.document else None
        if path is None or not path.is_file():
            out.breaks.append(problem(f"{inv.invoice_no}: its document {inv.document or '(none)'} "
                                      f"is not in {folder}", where))
        elif file_sha256(path) != inv.document_sha256:
            out.breaks.append(problem(f"{inv.invoice_no}: {inv.document} was changed after it "
                                      "was issued (its SHA-256 no longer matches)", where))
        audit_sha = recorded.get(inv.document)
        if audit_sha is not None and audit_sha[0] != inv.document_sha256:
            out.breaks.append(problem(
                f"{inv.invoice_no}: Document SHA-256 differs from the one recorded at "
                f"{cell(C.AUDIT.name, audit_sha[1], 'Detail')} when it was issued", where))
    return out


def _folder(book: Book, loaded: Loaded) -> Path:
    try:
        return invoice_folder(book, loaded, None)
    except Exception:   # an unusable Invoice Folder setting is reported by load
        return Path(getattr(book, "path", ".")).parent
