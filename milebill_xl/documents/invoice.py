"""Invoice and credit-note documents (.docx) from sheet records.

Three steps, each usable on its own:

1. ``document_data(invoice, project, milestone, settings, ...)`` gathers
   everything a document prints into one frozen ``InvoiceDocument``.
2. ``missing_fields(doc)`` lists, in words a finance user can act on, every
   required field that is blank (the EU VAT Directive Art. 226 particulars
   we can know, plus bank details; for credit notes also the invoice
   corrected and its date, Art. 219). The issuing action refuses to issue
   while this list is not empty, and ``render_invoice`` refuses too.
3. ``render_invoice(doc, template_path, out_path)`` fills the Word template.

Why plain token replacement and not docxtpl: the template is a file finance
teams restyle in Word and email around. With plain ``{{invoice_no}}``
tokens a user needs no Jinja knowledge (no ``{% if %}``, no filters, no
broken-tag errors), and a template from an inbox cannot run expressions
when invoices are rendered (docxtpl evaluates whatever Jinja the document
holds, unsandboxed). Cell text is inserted once, as plain text, and never
scanned for tokens again, so a client named ``{{total}}`` or ``{% for %}``
is printed literally. It is also fast: the template is parsed once and each
render only deep-copies the few story parts, fills them and appends them
to a prebuilt zip of the unchanged parts (1,000 invoices take seconds).

Rendering rules (the user-facing ones are in ``template.py``'s docstring):
tokens split by Word over several runs of a paragraph are joined into the
first of those runs (which keeps its formatting) before filling; newlines
in values become line breaks, tabs become tabs; a paragraph whose tokens
all come out empty is dropped with its label ("PO number: " without a PO
number); unknown tokens make loading the template fail with a message
naming them.
"""
from __future__ import annotations

import copy
import hashlib
import io
import re
import threading
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.core import Locale
from babel.numbers import format_percent
from docx.opc.oxml import serialize_part_xml
from docx.oxml import parse_xml
from docx.oxml.ns import qn

from ..core.money import arithmetic, is_known_currency, minor_units, normalize_currency, round_money
from ..core.position import Position
from ..core.records import (CREDIT_NOTE, DEPOSIT, INVOICE, RETENTION_RELEASE, Invoice, Milestone,
                            Project, Settings)
from ..core.terms import TermsError, discount, parse_terms
from ..resources import invoice_template
from ..xlsx.atomic import atomic_write
from .template import TOKENS

DEFAULT_LOCALE = "en_US"


# --------------------------------------------------------------------------
# The data a document prints


def money_text(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    """``amount`` as the locale writes money, with the currency's digits
    from the workbook (not Babel's CLDR digits, which differ from ISO 4217
    for some currencies): $1,234.50, ¥1,235, KWD 1,234.500."""
    digits = minor_units(currency)
    pattern = copy.copy(Locale.parse(locale).currency_formats["standard"])
    pattern.frac_prec = (digits, digits)
    return pattern.apply(round_money(amount, currency), locale, currency=str(currency),
                         currency_digits=False)


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything one invoice or credit note prints, as plain values.

    Amounts are signed as printed: negative on a credit note. ``problems``
    holds what went wrong while gathering (terms that do not parse, an
    unknown currency); ``missing_fields`` reports them with the blanks."""

    doc_type: str
    invoice_no: str
    issue_date: date | None
    due_date: date | None
    payment_terms: str
    seller_name: str
    seller_address: str
    seller_tax_id: str
    seller_email: str
    client_name: str
    client_address: str
    client_email: str
    po_number: str
    project_id: str
    project_name: str
    milestone_id: str
    milestone_name: str
    deliverable: str
    currency: str
    net: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    bank_details: str
    discount_percent: Decimal = Decimal(0)
    discount_days: int = 0
    discount_deadline: date | None = None
    retainage_pct: Decimal = Decimal(0)
    related_invoice: str = ""
    related_invoice_date: date | None = None
    notes: str = ""
    locale: str = DEFAULT_LOCALE
    problems: tuple[str, ...] = ()
    #: retention withheld and deposit recovered by this document (signed
    #: as printed: negative on a credit note)
    retention: Decimal = Decimal(0)
    deposit_applied: Decimal = Decimal(0)
    #: money of a voided invoice carried to this one (Credit Applied)
    credit_applied: Decimal = Decimal(0)
    #: the invoice in its contract (core/position.py); None: not shown
    position: Position | None = None
    #: a Retention Release invoice, or a credit note correcting one
    release: bool = False
    #: the invoice of a Deposit milestone
    deposit: bool = False

    @property
    def is_credit_note(self) -> bool:
        return self.doc_type == CREDIT_NOTE

    @property
    def amount_due(self) -> Decimal:
        """What the client is asked to pay now: the Total, less money of a
        voided invoice carried to this one."""
        with arithmetic():
            return self.total - self.credit_applied

    @property
    def title(self) -> str:
        return "CREDIT NOTE" if self.is_credit_note else "INVOICE"

    # ---- printed text -----------------------------------------------------

    def money(self, amount: Decimal) -> str:
        """``amount`` in the document's currency and locale: $1,234.50,
        ¥1,235, KWD 1,234.500. Rounded half away from zero first (Babel
        would round half to even)."""
        if not is_known_currency(self.currency):
            return f"{self.currency} {amount:,}".strip()
        return money_text(amount, self.currency, self.locale)

    @property
    def tax_rate_text(self) -> str:
        return format_percent(self.tax_rate, format="#,##0.####%", locale=self.locale)

    @property
    def discount_note(self) -> str:
        """'2% discount if paid by 2026-12-11 (within 10 days)', or ''."""
        if self.is_credit_note or not self.discount_percent or self.discount_deadline is None:
            return ""
        pct = _plain_number(self.discount_percent)
        days = "1 day" if self.discount_days == 1 else f"{self.discount_days} days"
        return f"{pct}% discount if paid by {self.discount_deadline.isoformat()} (within {days})"

    @property
    def reference_note(self) -> str:
        """Credit notes: 'Credit note for invoice INV-... dated YYYY-MM-DD'."""
        if not self.is_credit_note:
            return ""
        text = f"Credit note for invoice {self.related_invoice}"
        if self.related_invoice_date:
            text += f" dated {self.related_invoice_date.isoformat()}"
        return text

    @property
    def line_description(self) -> str:
        what = " – ".join(x for x in (self.project_name, self.milestone_name) if x)
        if not what:
            what = self.deliverable
        if self.release:
            what = f"Release of the retention withheld on {self.project_name or 'the project'}"
        elif self.deposit:
            what = f"{what} (deposit, recovered from the later invoices of the contract)"
        if self.is_credit_note:
            return f"Credit for invoice {self.related_invoice}: {what}" if what else \
                f"Credit for invoice {self.related_invoice}"
        return what

    def percent(self, fraction: Decimal) -> str:
        return format_percent(fraction, format="#,##0.####%", locale=self.locale)

    @property
    def retainage_note(self) -> str:
        if not self.retention or self.is_credit_note:
            return ""
        return (f"Retention of {self.percent(self.retainage_pct)} is withheld under the contract "
                "and invoiced when the client releases it.")

    @property
    def payment_instructions(self) -> str:
        if self.is_credit_note:
            return (f"No payment is due. This credit note reduces the amount owed on invoice "
                    f"{self.related_invoice} by {self.money(abs(self.total))}.")
        due = f" by {self.due_date.isoformat()}" if self.due_date else ""
        return (f"Please pay {self.money(self.amount_due)}{due} to the account below, "
                f"quoting {self.invoice_no} as the payment reference.")

    def _if(self, shown: bool, text: str) -> str:
        return text if shown else ""

    def _contract_lines(self) -> dict[str, str]:
        """The invoice in its contract: shown on milestone invoices (and a
        release's contract value and what is still held)."""
        pos = self.position
        if pos is None or self.is_credit_note:
            return {k: "" for k in ("summary_heading", "contract_value", "milestone_share",
                                    "share_amount", "billed_to_date", "remaining_to_bill",
                                    "retention_held", "deposit_recovered_to_date",
                                    "deposit_total")}
        work = not (self.release or self.deposit)
        return {
            "summary_heading": "Contract summary",
            "contract_value": self.money(pos.contract_value),
            "milestone_share": self._if(not self.release, self.percent(pos.share)),
            "share_amount": self._if(not self.release, self.money(self.net)),
            "billed_to_date": self.money(pos.billed_to_date),
            "remaining_to_bill": self.money(pos.remaining),
            "retention_held": self._if(bool(pos.retention_held or self.retention or self.release),
                                       self.money(pos.retention_held)),
            "deposit_recovered_to_date": self._if(work and bool(pos.deposit),
                                                  self.money(pos.deposit_recovered)),
            "deposit_total": self._if(bool(pos.deposit), self.money(pos.deposit)),
        }

    def fields(self) -> dict[str, str]:
        """Token name -> printed text, for every token in ``TOKENS``."""
        not_applicable = "Not applicable"
        values = {
            "title": self.title,
            "number_label": "Credit note number" if self.is_credit_note else "Invoice number",
            "invoice_no": self.invoice_no,
            "reference_note": self.reference_note,
            "related_invoice": self.related_invoice,
            "related_invoice_date": _iso(self.related_invoice_date),
            "issue_date": _iso(self.issue_date),
            "due_date": not_applicable if self.is_credit_note else _iso(self.due_date),
            "payment_terms": not_applicable if self.is_credit_note else self.payment_terms,
            "discount_note": self.discount_note,
            "seller_name": self.seller_name,
            "seller_address": self.seller_address,
            "seller_tax_id": self.seller_tax_id,
            "seller_email": self.seller_email,
            "client_name": self.client_name,
            "client_address": self.client_address,
            "client_email": self.client_email,
            "po_number": self.po_number,
            "project_id": self.project_id,
            "project_name": self.project_name,
            "milestone_id": self.milestone_id,
            "milestone_name": self.milestone_name,
            "deliverable": self.deliverable,
            "line_description": self.line_description,
            "currency": normalize_currency(self.currency),
            "net": self.money(self.net),
            "tax_rate": self.tax_rate_text,
            "tax": self.money(self.tax),
            "total": self.money(self.total),
            "payment_instructions": self.payment_instructions,
            "bank_details": self.bank_details,
            "retainage_note": self.retainage_note,
            "notes": self.notes,
            "amount_label": ("Retention released" if self.release else
                             "Deposit" if self.deposit else "Milestone amount"),
            "retainage_rate": self._if(bool(self.retention), self.percent(self.retainage_pct)),
            "retention_withheld": self._if(bool(self.retention), self.money(-self.retention)),
            "deposit_recovered": self._if(bool(self.deposit_applied),
                                          self.money(-self.deposit_applied)),
            "taxable_amount": self._if(bool(self.retention or self.deposit_applied),
                                       self.money(self.net - self.deposit_applied
                                                  - self.retention)),
            "invoice_total": self._if(bool(self.credit_applied), self.money(self.total)),
            "credit_applied": self._if(bool(self.credit_applied), self.money(-self.credit_applied)),
            "amount_due": self.money(self.amount_due),
            "amount_due_label": "Amount credited" if self.is_credit_note else "Amount due now",
            **self._contract_lines(),
        }
        assert values.keys() == TOKENS.keys(), "fields() and template.TOKENS disagree"
        return {k: _clean_text(v) for k, v in values.items()}


def _iso(d: date | None) -> str:
    return d.isoformat() if d else ""


def _plain_number(d: Decimal) -> str:
    """2 -> '2', 1.50 -> '1.5', 20 -> '20' (never '2E+1')."""
    return format(d.normalize(), "f")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _retainage_fraction(value: Decimal) -> Decimal:
    """Retainage % as a fraction: the cell holds 0.1 when formatted as a
    percentage (like Tax Rate); 10 typed into a plain cell also means 10 %."""
    value = Decimal(value or 0)
    with arithmetic():
        return value / 100 if abs(value) >= 1 else value


def document_data(invoice: Invoice, project: Project, milestone: Milestone | None, settings: Settings,
                  terms_text: str | None = None, *, related: Invoice | None = None,
                  notes: str = "", locale: str = DEFAULT_LOCALE,
                  position: Position | None = None,
                  credit_applied: Decimal = Decimal(0)) -> InvoiceDocument:
    """Gather what ``invoice`` prints.

    ``terms_text`` is the payment terms as written (blank: the project's
    terms, else the Settings default). ``related`` is the invoice a credit
    note corrects (its date is printed, Art. 219); without it the number
    comes from ``invoice.related_invoice`` and the date is reported missing.
    ``notes`` is free text printed under Notes. A credit note's amounts are
    printed negative whatever their stored sign (its retention and deposit
    lines positive: it gives back what the invoice withheld). ``position``
    places a milestone invoice in its contract (core/position.py);
    ``credit_applied`` is money of a voided invoice carried to this one."""
    is_cn = invoice.type == CREDIT_NOTE
    problems: list[str] = []
    currency = normalize_currency(invoice.currency or project.currency or settings.default_currency)
    if not is_known_currency(currency):
        problems.append(f"Currency {currency!r} of {invoice.invoice_no or 'the invoice'} is not an "
                        "ISO 4217 code such as USD, EUR or JPY.")

    terms = _text(terms_text) or _text(project.payment_terms) or _text(settings.default_payment_terms)
    disc = None
    if not is_cn and terms:
        try:
            parsed = parse_terms(terms)
        except TermsError as exc:
            problems.append(f"Project {project.project_id}: {exc}.")
        else:
            if invoice.issue_date is not None:
                disc = discount(parsed, invoice.issue_date)

    def signed(x: Decimal) -> Decimal:
        x = Decimal(x or 0)
        return -abs(x) if is_cn else x

    related_no = _text(invoice.related_invoice) or (related.invoice_no if related else "")
    return InvoiceDocument(
        doc_type=CREDIT_NOTE if is_cn else INVOICE,
        invoice_no=_text(invoice.invoice_no),
        issue_date=invoice.issue_date,
        due_date=None if is_cn else invoice.due_date,
        payment_terms="" if is_cn else terms,
        seller_name=_text(settings.company),
        seller_address=_text(settings.company_address),
        seller_tax_id=_text(settings.company_tax_id),
        seller_email=_text(settings.company_email),
        client_name=_text(invoice.client) or _text(project.client),
        client_address=_text(project.client_address),
        client_email=_text(project.client_email),
        po_number=_text(project.po_number),
        project_id=_text(project.project_id),
        project_name=_text(project.name),
        milestone_id=_text(milestone.milestone_id) if milestone else _text(invoice.milestone_id),
        milestone_name=_text(milestone.name) if milestone else "",
        deliverable=_text(milestone.deliverable) if milestone else "",
        currency=currency,
        net=signed(invoice.net),
        tax_rate=Decimal(project.tax_rate or 0),
        tax=signed(invoice.tax),
        total=signed(invoice.total),
        bank_details=_text(settings.bank_details),
        discount_percent=disc.percent if disc else Decimal(0),
        discount_days=disc.days if disc else 0,
        discount_deadline=disc.deadline if disc else None,
        retainage_pct=_retainage_fraction(project.retainage_pct),
        related_invoice=related_no if is_cn else "",
        related_invoice_date=(related.issue_date if (is_cn and related
                                                     and related.invoice_no == related_no) else None),
        notes=_text(notes),
        locale=locale,
        problems=tuple(problems),
        retention=signed(invoice.retention),
        deposit_applied=signed(invoice.deposit_applied),
        credit_applied=Decimal(credit_applied or 0),
        position=position,
        release=RETENTION_RELEASE in (invoice.type, related.type if related else ""),
        deposit=bool(milestone is not None and milestone.basis == DEPOSIT),
    )


def missing_fields(doc: InvoiceDocument) -> list[str]:
    """One message per required field that is blank, saying where to fill
    it in; empty when the document may be issued."""
    kind = "credit note" if doc.is_credit_note else "invoice"
    ref = doc.invoice_no or f"the {kind}"
    proj = f"project {doc.project_id}" if doc.project_id else "the project"
    out: list[str] = []

    def need(value, message: str) -> None:
        if not (value.strip() if isinstance(value, str) else value):
            out.append(message)

    need(doc.seller_name, f"Seller name is missing for {ref}: fill 'Company' on the Settings sheet.")
    need(doc.seller_address,
         f"Seller address is missing for {ref}: fill 'Company Address' on the Settings sheet.")
    need(doc.seller_tax_id,
         f"Seller tax ID is missing for {ref}: fill 'Company Tax ID' on the Settings sheet.")
    need(doc.client_name, f"Client name is missing for {ref}: fill 'Client' of {proj} on the Projects sheet.")
    need(doc.client_address,
         f"Client address is missing for {ref}: fill 'Client Address' of {proj} on the Projects sheet.")
    need(doc.invoice_no, f"Invoice number is missing for the {kind} of {proj}.")
    need(doc.issue_date, f"Issue date is missing for {ref}.")
    if not doc.release:             # a release describes itself
        need(doc.milestone_name or doc.deliverable,
             f"Description is missing for {ref}: fill 'Milestone' or 'Deliverable' of milestone "
             f"{doc.milestone_id or '(unknown)'} on the Milestones sheet.")
    need(doc.currency, f"Currency is missing for {ref}.")
    if doc.is_credit_note:
        need(doc.related_invoice, f"Credit note {ref} does not name the invoice it corrects (Related Invoice).")
        if doc.related_invoice:
            need(doc.related_invoice_date,
                 f"Credit note {ref} must give the date of invoice {doc.related_invoice}, which it corrects.")
    else:
        need(doc.due_date, f"Due date is missing for {ref}.")
        need(doc.bank_details,
             f"Bank details are missing for {ref}: fill 'Bank Details' on the Settings sheet.")
    out.extend(doc.problems)
    return out


class IncompleteInvoiceError(ValueError):
    """The document lacks required fields; ``messages`` says which."""

    def __init__(self, messages: list[str]):
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


class TemplateError(ValueError):
    """The invoice template cannot be used (unknown placeholders, not a .docx)."""


# --------------------------------------------------------------------------
# File names


_RESERVED = {"CON", "PRN", "AUX", "NUL", "CLOCK$", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in "0123456789¹²³"}
_MAX_STEM = 80


def safe_document_name(invoice_no: str, client: str = "", ext: str = ".docx") -> str:
    """A file name for the document of ``invoice_no`` that stays inside the
    invoice folder on every OS: ``INV-2026-0001`` -> ``INV-2026-0001.docx``.

    Only the invoice number is used (unique, and free of client personal
    data); ``client`` is accepted for callers that pass it and ignored.
    Anything but ASCII letters, digits, ``.``, ``_`` and ``-`` becomes
    ``-``; no ``..``, no leading or trailing dots, no Windows device names
    (CON, NUL, COM1...), at most 80 characters before the extension. When
    the number had to be changed, a short hash of the original is appended
    so two different numbers never share a file."""
    original = "" if invoice_no is None else str(invoice_no)
    text = unicodedata.normalize("NFKD", original).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9._-]+", "-", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"-{2,}", "-", text).strip(".-_ ")
    changed = text != original or not text or len(text) > _MAX_STEM
    if changed:
        digest = hashlib.sha256(original.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        text = f"{text[:_MAX_STEM - 9].rstrip('.-_ ')}-{digest}".lstrip("-") if text else f"document-{digest}"
    if text.split(".")[0].upper() in _RESERVED:
        text = "_" + text
    return text + ext


def document_path(folder: Path | str, invoice_no: str, ext: str = ".docx") -> Path:
    """``folder / safe_document_name(invoice_no)``, checked to lie inside
    ``folder``."""
    folder = Path(folder)
    path = folder / safe_document_name(invoice_no, ext=ext)
    if path.resolve().parent != folder.resolve():
        raise ValueError(f"document name for {invoice_no!r} escapes {folder}")
    return path


# --------------------------------------------------------------------------
# Filling the template


_TOKEN = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_STORY = re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml")
_RUN_XPATH = "./w:r | ./w:hyperlink/w:r | ./w:ins/w:r | ./w:smartTag/w:r | ./w:fldSimple/w:r"
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_P, _W_TC, _W_RPR = qn("w:p"), qn("w:tc"), qn("w:rPr")
_W_NBH = qn("w:noBreakHyphen")
_TEXTISH = {_W_T, _W_TAB, _W_BR, _W_CR, _W_NBH}
# Characters XML 1.0 cannot hold (lxml refuses them).
_BAD_XML = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _clean_text(value: str) -> str:
    """Cell text made safe for XML: line ends and Excel's vertical tab become
    newlines, characters XML cannot hold are dropped."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x0b", "\n").replace("\x0c", "\n")
    return _BAD_XML.sub("", text)


def _run_text(r) -> str:
    parts = []
    for child in r:
        tag = child.tag
        if tag == _W_T:
            parts.append(child.text or "")
        elif tag == _W_TAB:
            parts.append("\t")
        elif tag in (_W_BR, _W_CR):
            parts.append("\n")
        elif tag == _W_NBH:
            parts.append("-")
    return "".join(parts)


def _set_run_text(r, text: str) -> None:
    """Replace the run's text (keeping its formatting and any non-text
    content such as a picture); newline -> line break, tab -> tab. The new
    text goes where the old text began."""
    children = list(r)
    first = next((i for i, c in enumerate(children) if c.tag in _TEXTISH), None)
    if first is None:
        rpr = r.find(_W_RPR)
        pos = 0 if rpr is None else children.index(rpr) + 1
    else:
        pos = sum(1 for c in children[:first] if c.tag not in _TEXTISH)
    for c in children:
        if c.tag in _TEXTISH:
            r.remove(c)
    for piece in re.split(r"(\n|\t)", text):
        if piece == "\n":
            el = r.makeelement(_W_BR, {})
        elif piece == "\t":
            el = r.makeelement(_W_TAB, {})
        elif piece:
            el = r.makeelement(_W_T, {})
            el.text = piece
            if piece != piece.strip():
                el.set(_XML_SPACE, "preserve")
        else:
            continue
        r.insert(pos, el)
        pos += 1


def _paragraph_runs(p) -> list:
    return p.xpath(_RUN_XPATH)


def _join_split_tokens(texts: list[str]) -> list[str]:
    """Texts per run after moving every token Word split over several runs
    into the first of them. Only the runs a token spans are touched."""
    full = "".join(texts)
    owner = [k for k, t in enumerate(texts) for _ in t]   # char offset -> run index
    leader = list(range(len(texts)))
    for m in _TOKEN.finditer(full):
        i, j = owner[m.start()], owner[m.end() - 1]
        if i != j:
            lead = leader[i]
            for k in range(i, j + 1):
                leader[k] = lead
    out = list(texts)
    for k in range(len(texts)):
        if leader[k] != k:
            out[leader[k]] += out[k]
            out[k] = ""
    return out


def _removable(p) -> bool:
    """May this paragraph (its tokens all empty) be dropped? Not when it
    holds a section break, a picture or a field, nor when it is the last
    paragraph of a table cell or text box (Word needs one there)."""
    if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None:
        return False
    for tag in ("w:drawing", "w:pict", "w:object", "w:fldChar", "w:instrText"):
        if p.find(f".//{qn(tag)}") is not None:
            return False
    parent = p.getparent()
    if parent is None:
        return False
    if parent.tag == _W_TC or parent.tag.endswith("}txbxContent"):
        return sum(1 for c in parent if c.tag == _W_P) > 1
    return True


def _fill_paragraph(p, values: dict[str, str]) -> None:
    runs = _paragraph_runs(p)
    if not runs:
        return
    texts = [_run_text(r) for r in runs]
    if "{{" not in "".join(texts):
        return
    joined = _join_split_tokens(texts)
    found_any, all_empty = False, True

    def sub(m: re.Match) -> str:
        nonlocal found_any, all_empty
        found_any = True
        value = values[m.group(1)]
        if value.strip():
            all_empty = False
        return value

    for r, before, after in zip(runs, texts, joined):
        new = _TOKEN.sub(sub, after)      # one pass: values are never scanned again
        if new != before:
            if new == "" and not any(c.tag not in _TEXTISH and c.tag != _W_RPR for c in r):
                r.getparent().remove(r)
            else:
                _set_run_text(r, new)
    if found_any and all_empty and _removable(p):
        p.getparent().remove(p)


def _paragraph_tokens(root) -> set[str]:
    names = set()
    for p in root.iter(_W_P):
        text = "".join(_run_text(r) for r in _paragraph_runs(p))
        names.update(m.group(1) for m in _TOKEN.finditer(text))
    return names


class InvoiceTemplate:
    """A parsed invoice template, loaded once and rendered many times.

    Holds the story parts (document, headers, footers) parsed, and a zip of
    every other part compressed once; a render deep-copies the story parts,
    fills them, and appends them to a copy of that zip."""

    def __init__(self, data: bytes, name: str = "invoice template"):
        from ..xlsx.guard import UnsafePackage, check_package
        try:   # sizes, counts and DTDs before any part is unpacked or parsed
            check_package(data, name, kind=".docx file")
        except UnsafePackage as exc:
            raise TemplateError(str(exc)) from None
        try:
            src = zipfile.ZipFile(io.BytesIO(data))
            infos = src.infolist()
        except zipfile.BadZipFile as exc:
            raise TemplateError(f"{name} is not a .docx file ({exc})") from None
        self.name = name
        self._stories: list[tuple[zipfile.ZipInfo, object]] = []
        base = io.BytesIO()
        with zipfile.ZipFile(base, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in infos:
                blob = src.read(info.filename)
                if _STORY.fullmatch(info.filename):
                    self._stories.append((info, parse_xml(blob)))
                else:
                    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    zi.external_attr = info.external_attr
                    dst.writestr(zi, blob)
        if not any(i.filename == "word/document.xml" for i, _ in self._stories):
            raise TemplateError(f"{name} has no word/document.xml; is it a Word document?")
        self._base = base.getvalue()
        used = set()
        for _info, root in self._stories:
            used |= _paragraph_tokens(root)
        unknown = sorted(used - TOKENS.keys())
        if unknown:
            shown = ", ".join("{{" + u + "}}" for u in unknown)
            raise TemplateError(f"{name} uses unknown placeholder(s) {shown}; "
                                f"known placeholders: {', '.join(TOKENS)}")
        self.tokens = frozenset(used)

    @classmethod
    def from_path(cls, path: Path | str) -> "InvoiceTemplate":
        path = Path(path)
        return cls(path.read_bytes(), name=f"invoice template {path}")

    def render_bytes(self, doc: InvoiceDocument) -> bytes:
        values = doc.fields()
        buf = io.BytesIO(self._base)
        with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as zf:
            for info, root in self._stories:
                tree = copy.deepcopy(root)
                for p in list(tree.iter(_W_P)):
                    _fill_paragraph(p, values)
                zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                zi.compress_type = zipfile.ZIP_DEFLATED
                zi.external_attr = info.external_attr
                zf.writestr(zi, serialize_part_xml(tree))
        return buf.getvalue()

    def render(self, doc: InvoiceDocument, out_path: Path | str, *, check: bool = True) -> Path:
        """Write the filled document to ``out_path`` (atomically: a temporary
        file beside it, then a rename). With ``check`` (the default) refuse
        a document with missing required fields."""
        if check:
            missing = missing_fields(doc)
            if missing:
                raise IncompleteInvoiceError(missing)
        data = self.render_bytes(doc)
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        # staged documents: the store's commit makes them durable
        return atomic_write(out_path, lambda fh: fh.write(data), durable=False)


_cache: dict[Path, tuple[tuple[int, int], InvoiceTemplate]] = {}
_cache_lock = threading.Lock()


def load_template(path: Path | str | None = None) -> InvoiceTemplate:
    """The parsed template at ``path`` (default: the built-in layout),
    cached until the file changes."""
    path = Path(path if path is not None else invoice_template()).resolve()
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_size)
    with _cache_lock:
        hit = _cache.get(path)
        if hit and hit[0] == stamp:
            return hit[1]
    tpl = InvoiceTemplate.from_path(path)
    with _cache_lock:
        if len(_cache) > 8:
            _cache.clear()
        _cache[path] = (stamp, tpl)
    return tpl


def render_invoice(doc_data: InvoiceDocument, template_path: Path | str | InvoiceTemplate | None,
                   out_path: Path | str, *, check: bool = True) -> Path:
    """Fill the template (a path, an ``InvoiceTemplate``, or None for the
    built-in ``workbook_templates/invoice.docx``) with ``doc_data`` and write
    ``out_path``. Raises ``IncompleteInvoiceError`` when required fields are
    missing (unless ``check=False``) and ``TemplateError`` for a template
    with unknown placeholders. Returns ``out_path``."""
    tpl = template_path if isinstance(template_path, InvoiceTemplate) else \
        load_template(template_path)
    return tpl.render(doc_data, out_path, check=check)
