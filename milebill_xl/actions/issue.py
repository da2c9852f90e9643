"""Issue: invoice every billable milestone, in sheet order (rule 4).

Numbers come from ``Invoice Number Format`` and ``Next Invoice Seq`` and
are gapless: the documents are rendered first (into staging), then one
atomic workbook write records every invoice and advances the sequence,
then the documents are published. Any failure before the workbook write
consumes no number and leaves no document; see documents/store.py for
what happens after a kill.

Scoped problems: a workbook-wide problem (a setting, a missing table or
column) stops the run; a problem in a project's own rows, or an invoice
field missing from a project or milestone, skips that project only (its
milestones are listed as skipped, with the cells), and every other project
is billed: "done in part". Money received on a voided invoice of the same
milestone is applied to its new invoice (two ``Credit Applied`` rows).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from ..core.audit import file_sha256
from ..core.deposits import Recovery, is_deposit, recovery
from ..core.engine import Computation, compute
from ..core.flags import BLOCKED
from ..core.money import format_amount
from ..core.numbering import format_number
from ..core.position import position
from ..core.records import (CREDIT_APPLIED, FACTUR_X, INVOICE, OPEN, VOID, BookData, Invoice,
                            Payment, replace)
from ..core.retention import milestone_charge
from ..core.terms import due_date
from ..documents import einvoice
from ..documents.invoice import (InvoiceDocument, TemplateError, document_data, load_template,
                                 missing_fields, safe_document_name)
from ..documents.store import DocumentClash, DocumentStore
from ..workbook import contract as C
from ..workbook.book import Book, BookError, Changes
from .common import (Loaded, first_new_row, load, milestone_rows, problem, record_documents, seal,
                     session)
from .mailing import Mailer, client_problem
from . import stamp
from .refresh import computed_changes

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Issued:
    invoice: Invoice
    milestone_id: str
    #: Credit Applied rows: money of voided invoices of the milestone taken
    #: by this one (pairs: minus on the old invoice, plus on this one)
    credits: tuple[Payment, ...] = ()

    @property
    def credit_applied(self):
        return sum((c.amount for c in self.credits if c.invoice_no == self.invoice.invoice_no),
                   self.invoice.total * 0)

    def to_json(self) -> dict:
        i = self.invoice
        return {"invoice_no": i.invoice_no, "milestone_id": i.milestone_id,
                "project_id": i.project_id, "currency": i.currency,
                "net": str(i.net), "retention": str(i.retention),
                "deposit_applied": str(i.deposit_applied), "tax": str(i.tax), "total": str(i.total),
                "issue_date": i.issue_date.isoformat(), "due_date": i.due_date.isoformat(),
                "document": i.document, "credit_applied": str(self.credit_applied),
                "amount_due": str(i.total - self.credit_applied)}


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
    #: milestones that would be billed but for a problem in their project
    skipped: tuple[dict, ...] = field(default=())
    #: invoice number -> its e-mail draft (``--email``)
    drafts: dict = field(default_factory=dict)
    #: the e-invoices beside the documents (Factur-X PDFs, UBL XMLs)
    e_invoices: tuple[Path, ...] = ()

    @property
    def done(self) -> bool:
        return bool(self.issued) and not self.dry_run

    def to_json(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "errors": list(self.errors),
                "milestones": milestone_rows(self.loaded) if self.loaded else [],
                "issued": [{**i.to_json(), **({"email": str(self.drafts[i.invoice.invoice_no])}
                                              if i.invoice.invoice_no in self.drafts else {})}
                           for i in self.issued], "dry_run": self.dry_run,
                "skipped": list(self.skipped),
                "folder": str(self.folder) if self.folder else None,
                "pdfs": [str(p) for p in self.pdfs],
                "e_invoices": [str(p) for p in self.e_invoices]}


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


_FILL = re.compile(r"(?:fill|change) '([^']+)'(?: of project \S+)? on the "
                   r"(Settings|Projects|Milestones) sheet")


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


def _draft(loaded: Loaded, candidates, email: bool = False
           ) -> tuple[list[Issued], list[tuple[str, dict]]]:
    """Number and price ``candidates`` (billable milestone results, sheet
    order); the missing-field errors come with the project ID they stop
    ("" for a Settings field, which stops every invoice). With ``email``
    a project needs a Client Email for the drafts."""
    data, comp, as_of = loaded.data, loaded.computation, loaded.as_of
    settings = data.settings
    projects = {p.project_id: p for p in data.projects}
    milestones = {m.milestone_id: m for m in data.milestones}
    deposits = _Recoveries(data, comp)
    out, errors = [], []
    seq = settings.next_invoice_seq
    for r in candidates:
        m, p = milestones[r.milestone_id], projects[r.project_id]
        number = format_number(settings.invoice_number_format, as_of.year, seq)
        charge = _charge(deposits.of(p.project_id), m, p, r.amount, settings.retention_tax,
                         r.tax_rate)
        inv = Invoice(invoice_no=number, type=INVOICE, issue_date=as_of,
                      due_date=due_date(comp.project(p.project_id).terms, as_of),
                      project_id=p.project_id, milestone_id=m.milestone_id, client=p.client,
                      currency=p.currency, status=OPEN, document=safe_document_name(number),
                      tax_rate=r.tax_rate, tax_category=p.tax_category, **charge.columns())
        for msg in missing_fields(document_data(inv, p, m, settings), settings.e_invoice_format):
            e = field_error(loaded, msg, p.row, m.row)
            errors.append(("" if (e["sheet"] or "") == loaded.locator.sheet(C.SETTINGS.name)
                           else p.project_id, e))
        unmailable = client_problem(loaded, p, "invoice") if email else None
        if unmailable and (p.project_id, unmailable) not in errors:
            errors.append((p.project_id, unmailable))
        out.append(Issued(inv, m.milestone_id))
        seq += 1
    return out, errors


class _Recoveries:
    """Each project's deposit recovery (core/deposits.py), built when its
    first invoice of the run is priced and carried through the run."""

    def __init__(self, data: BookData, comp: Computation) -> None:
        self.data, self.comp = data, comp
        self.by_project: dict[str, Recovery] = {}
        self._grouped: tuple[dict, dict, dict, dict] | None = None

    def of(self, project_id: str) -> Recovery:
        if project_id not in self.by_project:
            rows, amounts, invoices, currency = self._by_project()
            self.by_project[project_id] = recovery(
                rows.get(project_id, []), amounts.get(project_id, {}),
                invoices.get(project_id, {}), currency[project_id])
        return self.by_project[project_id]

    def _by_project(self) -> tuple[dict, dict, dict, dict]:
        """Milestones (sheet order), amounts, invoice results and currency
        per project, grouped once: one pass per project over the whole book
        made check at 10,000 milestones take 7 s instead of 1."""
        if self._grouped is None:
            rows: dict[str, list] = {}
            amounts: dict[str, dict] = {}
            invoices: dict[str, dict] = {}
            currency: dict[str, str] = {}
            for m in sorted(self.data.milestones, key=lambda m: m.row):
                rows.setdefault(m.project_id, []).append(m)
            for r in self.comp.milestones:
                amounts.setdefault(r.project_id, {})[r.milestone_id] = r.amount
            for r in self.comp.invoices:
                invoices.setdefault(r.project_id, {})[r.invoice_no] = r
            for p in self.data.projects:
                currency.setdefault(p.project_id, p.currency)
            self._grouped = (rows, amounts, invoices, currency)
        return self._grouped


def _charge(deposit: Recovery, m, p, net, retention_tax: str, rate):
    """The money columns of a new invoice of milestone ``m`` for ``net`` at
    tax ``rate`` (the milestone's): a deposit withholds nothing and starts
    its recovery; any other milestone withholds its retention and recovers
    its share of the deposit."""
    if is_deposit(m):
        deposit.issue_deposit(net)
        return milestone_charge(net, rate, 0, 0, retention_tax, p.currency)
    return milestone_charge(net, rate, p.retainage_pct,
                            deposit.take(m.milestone_id, net), retention_tax, p.currency)


def carried_credit(loaded: Loaded, issued: list[Issued]) -> list[Issued]:
    """Each new invoice with the Credit Applied rows that carry to it the
    money received on voided invoices of its milestone (oldest first, up to
    its Total): minus on the old invoice, plus on the new one, each
    Reference naming the other invoice."""
    comp = loaded.computation
    left = {r.invoice_no: r.credit for r in comp.invoices if r.status == VOID and r.credit > 0}
    holders: dict[str, list] = {}       # milestone -> its voided invoices holding money
    for r in comp.invoices:
        if r.invoice_no in left:
            holders.setdefault(r.milestone_id, []).append(r)
    out = []
    for item in issued:
        new = item.invoice
        room, rows = new.total, []
        for r in holders.get(item.milestone_id, ()):
            take = min(left[r.invoice_no], room)
            if take <= 0:
                continue
            left[r.invoice_no] -= take
            room -= take
            rows += [Payment(new.issue_date, r.invoice_no, -take, new.invoice_no, kind=CREDIT_APPLIED),
                     Payment(new.issue_date, new.invoice_no, take, r.invoice_no, kind=CREDIT_APPLIED)]
        out.append(replace(item, credits=tuple(rows)) if rows else item)
    return out


def plan(loaded: Loaded) -> tuple[list[Issued], list[dict]]:
    """The invoices an issue run would create, and why it cannot (errors)."""
    issued, errors, _skipped = plan_scoped(loaded)
    return issued, errors


def plan_scoped(loaded: Loaded, email: bool = False) -> tuple[list[Issued], list[dict], list[dict]]:
    """The invoices an issue run creates, the errors, and the milestones
    skipped for a problem in their project. An error that stops the whole
    run (a Settings field, the numbering) leaves nothing to issue. With
    ``email`` a project without a usable Client Email is skipped too."""
    data, comp = loaded.data, loaded.computation
    settings = data.settings
    existing = {i.invoice_no: i for i in data.invoices}
    billable = sorted((r for r in comp.milestones if r.billable), key=lambda r: r.row)
    blocked = {r.project_id for r in comp.milestones if r.flag == BLOCKED}
    troubled = {pid: errs for pid in blocked if (errs := loaded.project_errors(pid))}
    draft, missing = _draft(loaded, billable, email)
    wide = [e for pid, e in missing if not pid]
    for pid, e in missing:
        if pid:
            troubled.setdefault(pid, ())
            troubled[pid] += (e,)
    errors = list(wide)
    if draft and not wide:
        late = chronology(loaded)
        if late:
            errors.append(late)
    keep = [r for r in billable if r.project_id not in troubled]
    if errors:
        issued = []
    elif len(keep) == len(billable):    # nothing skipped: the same invoices again
        issued = draft
    else:
        issued, _ = _draft(loaded, keep)
    if issued and issued[0].invoice.invoice_no in existing:
        number = issued[0].invoice.invoice_no
        errors.append(problem(
            f"Next Invoice Seq {settings.next_invoice_seq} gives {number}, which already exists "
            f"({loaded.locator.cell(C.INVOICES.name, existing[number].row, 'Invoice No')}); "
            "set Next Invoice Seq past the last issued number",
            loaded.locator.cell(C.SETTINGS.name, None, "Next Invoice Seq")))
        issued = []
    skipped = [{"milestone_id": r.milestone_id, "project_id": r.project_id,
                "cell": loaded.locator.cell(C.MILESTONES.name, r.row, "Milestone ID"),
                "errors": list(troubled[r.project_id])}
               for r in comp.milestones if r.project_id in troubled
               and (r.billable or r.flag == BLOCKED)]
    for pid, errs in troubled.items():
        errors += [e for e in errs if e not in errors]
    return carried_credit(loaded, issued), _unique(errors), skipped


def chronology(loaded: Loaded) -> dict | None:
    from .void import chronology_error
    return chronology_error(loaded, loaded.data.settings.invoice_number_format, INVOICE, "invoice")


def _unique(errors: list[dict]) -> list[dict]:
    """One message per distinct problem (a missing seller field repeats per
    invoice)."""
    seen, unique = set(), []
    for e in errors:
        key = (e["cell"], re.sub(r"for (INV|CN)\S*", "", e["message"]))
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return unique


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
    payments = data.payments + tuple(c for i in issued for c in i.credits)
    return replace(data, milestones=milestones, invoices=invoices, settings=settings,
                   payments=payments)


def after_issue(loaded: Loaded, issued: list[Issued]) -> tuple[BookData, Computation]:
    """The book and its computation once ``issued`` are recorded."""
    new_data = apply_issue(loaded.data, issued, first_new_row(loaded, C.INVOICES.name))
    return new_data, compute(new_data, loaded.as_of)


def invoice_row(loaded: Loaded, i: Invoice) -> dict:
    """The tblInvoices row of a new document; Retention and Deposit Applied
    only where the table has them (``missing_columns`` refuses a figure
    the table cannot hold)."""
    return C.INVOICES.values(i, loaded.locator.geometry(C.INVOICES.name).index)


def missing_columns(loaded: Loaded, invoices) -> dict | None:
    """A refusal when a new document withholds retention or recovers a
    deposit and the Invoices table has no column to record it (a workbook
    made before issue 13)."""
    geo = loaded.locator.geometry(C.INVOICES.name)
    for header, attr in (("Retention", "retention"), ("Deposit Applied", "deposit_applied")):
        if geo.index(header) is None:
            hit = next((i for i in invoices if getattr(i, attr)), None)
            if hit is not None:
                return problem(
                    f"{hit.invoice_no} of project {hit.project_id} records {header} "
                    f"{format_amount(getattr(hit, attr), hit.currency)} {hit.currency}, which needs "
                    f"a {header} column in the Invoices table; add a column headed {header} "
                    "after the last column of the Invoices table", loaded.locator.sheet(C.INVOICES.name))
    return None


def money_detail(i: Invoice) -> str:
    """The figures of an Audit row's Detail."""
    c = i.currency
    extra = "".join(f" {word} {format_amount(v, c)}" for word, v in
                    (("retention", i.retention), ("deposit applied", i.deposit_applied)) if v)
    return (f"net {format_amount(i.net, c)}{extra} tax {format_amount(i.tax, c)} "
            f"total {format_amount(i.total, c)} {c}")


def issue_changes(loaded: Loaded, issued: list[Issued],
                  after: tuple[BookData, Computation] | None = None) -> Changes:
    data = loaded.data
    new_data, comp = after or after_issue(loaded, issued)
    changes = Changes()
    ms_rows = {m.milestone_id: m.row for m in data.milestones}
    for item in issued:
        i = item.invoice
        row = ms_rows[item.milestone_id]
        changes.set(C.MILESTONES.name, "Invoice No", row, i.invoice_no)
        changes.set(C.MILESTONES.name, "Invoice Date", row, i.issue_date)
        changes.set(C.MILESTONES.name, "Due Date", row, i.due_date)
        changes.append(C.INVOICES.name, invoice_row(loaded, i))
        changes.append(C.AUDIT.name, audit_row(
            "Issue", i.invoice_no,
            f"{i.milestone_id} ({i.project_id}) {money_detail(i)}, due {i.due_date.isoformat()}"))
        for c in item.credits:
            changes.append(C.PAYMENTS.name, C.PAYMENTS.values(c))
        if item.credits:
            changes.append(C.AUDIT.name, audit_row(
                "Credit Applied", i.invoice_no,
                "; ".join(f"{format_amount(c.amount, i.currency)} {i.currency} from {c.reference}"
                          for c in item.credits if c.invoice_no == i.invoice_no)))
    changes.settings["Next Invoice Seq"] = new_data.settings.next_invoice_seq
    return computed_changes(loaded, new_data, comp, changes, {C.INVOICES.name: len(issued)})


def received_note(item: Issued) -> str:
    """The line a new invoice prints for money carried from a voided one."""
    i = item.invoice
    if not item.credit_applied:
        return ""
    olds = ", ".join(c.reference for c in item.credits if c.invoice_no == i.invoice_no)
    return (f"Received: {format_amount(item.credit_applied, i.currency)} {i.currency} "
            f"(paid on {olds}, voided). Amount due: "
            f"{format_amount(i.total - item.credit_applied, i.currency)} {i.currency}.")


def render_one(template, store, item: Issued, data: BookData, comp: Computation
               ) -> InvoiceDocument:
    """Render one new invoice into staging; return what it prints (its
    e-invoice carries the same). ``data`` and ``comp``: the book after the
    issue (the invoice's position in its contract)."""
    i = item.invoice
    projects = {p.project_id: p for p in data.projects}
    milestones = {m.milestone_id: m for m in data.milestones}
    project = projects[i.project_id]
    where = position(replace(i, row=next(x.row for x in data.invoices if x.invoice_no == i.invoice_no)),
                     project.contract_value, data.invoices,
                     {r.invoice_no: r.status for r in comp.invoices}, data.milestones)
    doc = document_data(i, project, milestones[item.milestone_id], data.settings,
                        notes=received_note(item), position=where,
                        credit_applied=item.credit_applied)
    template.render(doc, store.stage_path(i.document))
    return doc


def run(book: Book, as_of: date | None = None, out_dir: Path | None = None,
        dry_run: bool = False, pdf: bool = False, progress: Progress | None = None,
        email: bool = False) -> IssueResult:
    """Issue invoices for every billable milestone of every project free of
    problems; ``errors`` lists what stopped the rest (``skipped``). With
    ``email`` an .eml draft of each invoice goes beside it."""
    with session(book):
        loaded = load(book, as_of)
        if loaded.wide_errors:
            return IssueResult(loaded.as_of, loaded.errors, loaded=loaded)
        mailer = None
        if email:
            mailer, refused = Mailer.prepare(book, loaded)
            if refused:
                return IssueResult(loaded.as_of, refused, loaded=loaded)
        folder = invoice_folder(book, loaded, out_dir)
        store = DocumentStore(folder)
        recovered: tuple[str, ...] = ()
        if not dry_run:
            moved, _ = store.recover({i.document for i in loaded.data.invoices if i.document})
            recovered = tuple(moved)
        issued, errors, skipped = plan_scoped(loaded, email)
        others = tuple(e for e in loaded.errors if e not in errors)
        errors = tuple(errors) + others
        if dry_run or not issued:
            return IssueResult(loaded.as_of, errors, tuple(issued), dry_run, folder, loaded,
                               recovered=recovered, skipped=tuple(skipped))
        fmt = loaded.data.settings.e_invoice_format
        names = [i.invoice.document for i in issued]
        try:
            store.check_free(names + [c for n in names for c in einvoice.companion_names(n, fmt)])
            template = invoice_template(book)
        except (DocumentClash, TemplateError) as exc:
            return IssueResult(loaded.as_of, (problem(str(exc)),),
                               loaded=loaded, folder=folder)
        if any(i.credits for i in issued) and \
                loaded.locator.geometry(C.PAYMENTS.name).index("Kind") is None:
            return IssueResult(loaded.as_of, (problem(
                "a new invoice takes the money of a voided one (Credit Applied rows), which "
                "needs a Kind column in the Payments table; add a column headed Kind after "
                "Reference", loaded.locator.sheet(C.PAYMENTS.name)),), loaded=loaded, folder=folder)
        refused = missing_columns(loaded, [i.invoice for i in issued])
        if refused:
            return IssueResult(loaded.as_of, (refused,), loaded=loaded, folder=folder)
        after = after_issue(loaded, issued)
        changes = issue_changes(loaded, issued, after)
        staged: list[str] = []
        shas: dict[str, str] = {}
        try:
            docs = []
            for k, item in enumerate(issued):
                i = item.invoice
                docs.append(render_one(template, store, item, *after))
                staged.append(i.document)
                shas[i.invoice_no] = file_sha256(store.stage_path(i.document))
                if progress:
                    progress(k + 1, len(issued))
            staged += einvoice.make(fmt, [(d, store.stage_path(n)) for d, n in zip(docs, names)])
            record_documents(loaded, changes, shas)
            book.apply(seal(loaded, changes))
        except einvoice.Rejected as exc:
            store.discard(staged)
            return IssueResult(loaded.as_of, (problem(str(exc)),), loaded=loaded, folder=folder)
        except BaseException:
            store.discard(staged)
            raise
        published = store.publish(staged)
        named = set(names)
        documents = [p for p in published if p.name in named]
        e_invoices = tuple(p for p in published if p.name not in named)
        pdfs: tuple[Path, ...] = ()
        if fmt == FACTUR_X:         # the Factur-X PDFs are the run's PDFs (--pdf implied)
            pdfs = e_invoices
        elif pdf:
            from ..documents.pdf import to_pdf
            pdfs = tuple(to_pdf(documents, folder))
        drafts = mail_invoices(mailer, loaded.data, issued, documents, pdfs) if mailer else {}
        return IssueResult(loaded.as_of, errors, tuple(issued), False, folder, loaded, pdfs, recovered,
                           tuple(skipped), drafts, e_invoices)


def mail_invoices(mailer: Mailer, data: BookData, issued: list[Issued], documents: list[Path],
                  pdfs: tuple[Path, ...] = ()) -> dict[str, Path]:
    """The e-mail draft of each new invoice (its PDF attached when made),
    asking for what is due after carried credit: invoice number -> .eml."""
    projects = {p.project_id: p for p in data.projects}
    names = {m.milestone_id: m.name for m in data.milestones}
    return {item.invoice.invoice_no: mailer.invoice(
                item.invoice, projects[item.invoice.project_id], doc, pdf,
                item.invoice.total - item.credit_applied, names.get(item.milestone_id, ""))
            for item, doc, pdf in zip(issued, documents, list(pdfs) or [None] * len(issued))}
