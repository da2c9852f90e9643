"""One new document with the workbook: what ``void`` (a credit note) and
``release`` (a retention release) do once they know the document, in the
steps of ``issue``'s many-document run (actions/issue.py).

The document's Invoices and Audit rows, its number series and the computed
columns join the action's changes; its name and its e-invoice companions'
must be free in the invoice folder; it is rendered into staging with its
e-invoice, its SHA-256 noted, and the changes written in one atomic
workbook write; only then is it published, converted to PDF and drafted as
an e-mail. A failure before the workbook write leaves the workbook and the
invoice folder as they were.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..core.audit import file_sha256
from ..core.engine import Computation
from ..core.records import CREDIT_NOTE, FACTUR_X, BookData, Invoice, Project
from ..documents import einvoice
from ..documents.invoice import InvoiceDocument, TemplateError
from ..documents.store import DocumentClash, DocumentStore
from ..workbook import contract as C
from ..workbook.book import Book, Changes
from .common import Loaded, problem, record_documents, seal
from .issue import invoice_folder, invoice_row, invoice_template
from .mailing import Mailer
from .refresh import computed_changes


@dataclass(frozen=True)
class Written:
    """The files one document run left in the invoice folder."""

    document: Path
    #: its e-invoice (Factur-X PDF or UBL XML) when the E-Invoice Format asks
    e_invoice: tuple[Path, ...]
    pdf: Path | None
    #: its e-mail draft (``--email``)
    email: Path | None


def write_document(book: Book, loaded: Loaded, changes: Changes, inv: Invoice,
                   doc: InvoiceDocument, project: Project, audit: dict,
                   after: tuple[BookData, Computation], *, pdf: bool, mailer: Mailer | None,
                   milestone: str = ""
                   ) -> tuple[Written | None, dict | None]:
    """Write the new document ``inv`` (printing ``doc``) and the book: the
    action's own ``changes`` plus the document's Invoices row, its Audit row
    ``audit``, the number series it took its number from and the computed
    columns of the book ``after`` it (its data and computation); then with
    ``pdf`` its PDF and with ``mailer`` its e-mail draft (``milestone``: the
    name the draft gives).

    Returns what was written, or the problem that stopped it with nothing
    written: an e-invoice that fails its validation, a document name already
    taken (DocumentClash), or a team's ``invoice.docx`` that cannot be used
    (TemplateError), as ``issue`` reports them. Any other failure is
    raised, with nothing written either."""
    new_data, new_comp = after
    changes.append(C.INVOICES.name, invoice_row(loaded, inv))
    changes.append(C.AUDIT.name, audit)
    if inv.type == CREDIT_NOTE:     # credit notes have their own series
        changes.settings["Next Credit Note Seq"] = new_data.settings.next_credit_note_seq
    else:
        changes.settings["Next Invoice Seq"] = new_data.settings.next_invoice_seq
    computed_changes(loaded, new_data, new_comp, changes, {C.INVOICES.name: 1})

    folder = invoice_folder(book, loaded, None)
    store = DocumentStore(folder)
    store.recover({i.document for i in loaded.data.invoices if i.document})
    fmt = loaded.data.settings.e_invoice_format
    try:
        store.check_free([inv.document, *einvoice.companion_names(inv.document, fmt)])
        template = invoice_template(book)
    except (DocumentClash, TemplateError) as exc:
        return None, problem(str(exc))
    staged: list[str] = []
    try:
        template.render(doc, store.stage_path(inv.document))
        staged.append(inv.document)
        staged += einvoice.make(fmt, [(doc, store.stage_path(inv.document))])
        record_documents(loaded, changes,
                         {inv.invoice_no: file_sha256(store.stage_path(inv.document))})
        book.apply(seal(loaded, changes))
    except einvoice.Rejected as exc:
        store.discard(staged)
        return None, problem(str(exc))
    except BaseException:
        store.discard(staged)
        raise
    document, *e_invoice = store.publish(staged)
    made_pdf = published_pdf(fmt, pdf, document, e_invoice, folder)
    draft = mailer.invoice(inv, project, document, made_pdf, milestone=milestone) if mailer else None
    return Written(document, tuple(e_invoice), made_pdf, draft), None


def published_pdf(fmt: str, pdf: bool, document: Path, e_invoice, folder: Path) -> Path | None:
    """The PDF of one published document: its Factur-X PDF (``--pdf`` is
    implied), else with ``pdf`` a LibreOffice PDF of it, else None."""
    if fmt == FACTUR_X:
        return e_invoice[0]
    if pdf:
        from ..documents.pdf import to_pdf
        return to_pdf([document], folder)[0]
    return None
