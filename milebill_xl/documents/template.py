"""Build ``workbook_templates/invoice.docx``: the invoice layout, editable in Word.

Run ``python -m milebill_xl.documents.template [PATH]`` to (re)build it. The
build is reproducible: fixed document properties and fixed zip timestamps,
so rebuilding gives the same parts (and, with the same zlib, the same bytes).

How the template works, for whoever edits it in Word:

- Placeholders are plain, visible tokens such as ``{{invoice_no}}``. Move
  them, restyle them, delete the ones you do not want; the full list is
  ``TOKENS`` below. Each is typed in one run here; if Word later splits one
  over several runs (spell-check, a font change in the middle), the filler
  joins the runs of that paragraph again before filling.
- A paragraph whose placeholders all come out empty (no PO number, no
  early-payment discount, an invoice that is not a credit note) is left out
  of the document, label and all, so "PO number: " never stands alone.
  Keep wording you always want in a paragraph of its own.
- Placeholders also work in headers, footers, tables and text boxes.
- Unknown placeholders make rendering fail (rather than send a client an
  invoice that says ``{{nmae}}``).
"""
from __future__ import annotations

import io
import re
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from ..resources import source_dir

#: where the builder writes the committed layout (in the checkout)
DEFAULT_TEMPLATE = source_dir("workbook_templates") / "invoice.docx"

# The placeholder vocabulary: token name -> what it holds. The filler knows
# exactly these names (documents/invoice.py, InvoiceDocument.fields()).
TOKENS: dict[str, str] = {
    "title": "INVOICE or CREDIT NOTE",
    "number_label": "'Invoice number' or 'Credit note number'",
    "invoice_no": "the document's number",
    "reference_note": "credit notes: 'Credit note for invoice INV-... dated ...'",
    "related_invoice": "credit notes: the invoice it corrects",
    "related_invoice_date": "credit notes: that invoice's issue date",
    "issue_date": "issue date, YYYY-MM-DD",
    "due_date": "due date, YYYY-MM-DD",
    "payment_terms": "payment terms as written on the project, e.g. 2/10 Net 30",
    "discount_note": "early-payment discount in words, when the terms have one",
    "seller_name": "Settings: Company",
    "seller_address": "Settings: Company Address (several lines)",
    "seller_tax_id": "Settings: Company Tax ID",
    "seller_email": "Settings: Company Email",
    "client_name": "Projects: Client",
    "client_address": "Projects: Client Address (several lines)",
    "client_email": "Projects: Client Email",
    "po_number": "Projects: PO Number",
    "project_id": "Projects: Project ID",
    "project_name": "Projects: Project",
    "milestone_id": "Milestones: Milestone ID",
    "milestone_name": "Milestones: Milestone",
    "deliverable": "Milestones: Deliverable",
    "line_description": "the invoice line's description",
    "currency": "ISO currency code",
    "net": "net amount, formatted in the currency",
    "tax_rate": "tax rate as a percentage",
    "tax": "tax amount, formatted",
    "total": "total amount, formatted",
    "payment_instructions": "what to pay, by when, with which reference",
    "bank_details": "Settings: Bank Details (several lines)",
    "retainage_note": "a sentence on the retention withheld, when there is one",
    "notes": "free notes passed by the issuing action",
    # the amounts (issue 13): each line's paragraph drops out when it is empty
    "amount_label": "Milestone amount, Deposit or Retention released",
    "retainage_rate": "the retention rate, when this invoice withholds retention",
    "retention_withheld": "retention withheld by this invoice (shown negative)",
    "deposit_recovered": "deposit recovered by this invoice (shown negative)",
    "taxable_amount": "what the tax is charged on, when retention or deposit is deducted",
    "invoice_total": "the total, when money carried from a voided invoice is deducted from it",
    "credit_applied": "money of a voided invoice carried to this one (shown negative)",
    "amount_due": "what the client pays now",
    "amount_due_label": "Amount due now, or Amount credited on a credit note",
    # the invoice in its contract (blank on credit notes)
    "summary_heading": "Contract summary",
    "contract_value": "Projects: Contract Value",
    "milestone_share": "this milestone's share of the contract, as a percentage",
    "share_amount": "this milestone's amount",
    "billed_to_date": "work billed on the contract so far, this invoice included",
    "remaining_to_bill": "contract value less work billed to date",
    "retention_held": "retention the client holds after this invoice",
    "deposit_total": "the project's deposit, when it has one",
    "deposit_recovered_to_date": "deposit recovered so far, this invoice included",
}

_FIXED_TIME = datetime(2026, 1, 1, tzinfo=timezone.utc)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
_GREY = RGBColor(0x59, 0x59, 0x59)


def _t(name: str) -> str:
    if name not in TOKENS:
        raise KeyError(name)
    return "{{" + name + "}}"


def _para(container, text: str = "", *, bold: bool = False, italic: bool = False,
          size: float | None = None, color: RGBColor | None = None,
          align=None, style: str | None = None, space_after: float | None = None):
    """A paragraph with its text in one run (so each token sits in a single run)."""
    p = container.add_paragraph(style=style)
    if text:
        run = p.add_run(text)
        run.bold = bold or None
        run.italic = italic or None
        if size:
            run.font.size = Pt(size)
        if color is not None:
            run.font.color.rgb = color
    if align is not None:
        p.alignment = align
    if space_after is not None:
        p.paragraph_format.space_after = Pt(space_after)
    return p


def _label_value(container, label: str, token: str, *, bold_value: bool = False):
    """'Label: {{token}}' as a label run and a token run."""
    p = container.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    lab = p.add_run(label)
    lab.font.color.rgb = _GREY
    val = p.add_run(_t(token))
    val.bold = bold_value or None
    return p


def _first_paragraph(cell, text: str, **kw):
    """Write into a cell's existing first paragraph."""
    p = cell.paragraphs[0]
    run = p.add_run(text)
    run.bold = kw.get("bold") or None
    if kw.get("color") is not None:
        run.font.color.rgb = kw["color"]
    if kw.get("align") is not None:
        p.alignment = kw["align"]
    p.paragraph_format.space_after = Pt(kw.get("space_after", 0))
    return p


def _set_widths(table, widths_cm: list[float]) -> None:
    table.autofit = False
    for col, w in zip(table.columns, widths_cm):
        col.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def blank_document():
    """python-docx's default document less what it should not carry: Word
    2010's stale ``stylesWithEffects.xml`` (validators flag it) and the
    thumbnail of an empty page. The letters and sheets we build start here
    (the invoice layout drops the same parts from its zip, _normalized_zip)."""
    doc = Document()
    for rels, kind in ((doc.part.rels, _STYLES_WITH_EFFECTS),
                       (doc.part.package.rels, RT.THUMBNAIL)):
        for rid, rel in list(rels.items()):
            if rel.reltype == kind:
                del rels[rid]
    return doc


_STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


#: the text width of an A4 page with 2 cm margins
_WIDTH = 17.0


#: what follows w:pBdr in a paragraph's properties (CT_PPrBase's sequence)
_AFTER_BORDER = {qn(f"w:{t}") for t in (
    "shd", "tabs", "suppressAutoHyphens", "kinsoku", "wordWrap", "overflowPunct",
    "topLinePunct", "autoSpaceDE", "autoSpaceDN", "bidi", "adjustRightInd", "snapToGrid",
    "spacing", "ind", "contextualSpacing", "mirrorIndents", "suppressOverlap", "jc",
    "textDirection", "textAlignment", "textboxTightWrap", "outlineLvl", "divId", "cnfStyle",
    "rPr", "sectPr", "pPrChange")}


def _rule(p, side: str = "bottom", color: str = "1F3A5F", size: int = 6) -> None:
    """A thin line above or below a paragraph (a paragraph border, which
    Word edits under Borders and Shading): rules, not a grid."""
    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        # schema order: pBdr comes before these in pPr
        anchor = next((c for c in ppr if c.tag in _AFTER_BORDER), None)
        if anchor is None:
            ppr.append(bdr)
        else:
            anchor.addprevious(bdr)
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), "single")
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), color)
    bdr.append(edge)


def _line(container, label: str, token: str, *, label_tokens: tuple[str, ...] = (),
          bold: bool = False, indent: float = 0.0, grey_label: bool = True):
    """One amount line: a label, a tab, the amount right-aligned at the
    text's right edge. The label may hold tokens (``label_tokens``, in
    order, wherever ``{}`` stands); the paragraph drops out when all its
    tokens come out empty."""
    p = container.add_paragraph()
    fmt = p.paragraph_format
    fmt.space_after = Pt(1)
    # Word measures tab stops from the margin, whatever the indent
    fmt.tab_stops.add_tab_stop(Cm(_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    if indent:
        fmt.left_indent = Cm(indent)
    pieces = label.split("{}")
    for k, piece in enumerate(pieces):
        if piece:
            run = p.add_run(piece)
            run.bold = bold or None
            if grey_label and not bold:
                run.font.color.rgb = _GREY
        if k < len(label_tokens):
            run = p.add_run(_t(label_tokens[k]))
            run.bold = bold or None
            if grey_label and not bold:
                run.font.color.rgb = _GREY
    p.add_run("\t")
    run = p.add_run(_t(token))
    run.bold = bold or None
    return p


def build_document():
    """The invoice layout as a python-docx Document (not yet saved).

    Reads like a letter, not a spreadsheet: no grid lines, amounts
    right-aligned on tab stops, thin rules above the description and the
    amount due; internal IDs (project, milestone) are not printed (their
    tokens remain for teams who want them)."""
    doc = Document()

    # Page and base font: A4, 2 cm margins, 10 pt.
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(sec, side, Cm(2))
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    normal.paragraph_format.space_after = Pt(2)

    # Footer: seller identity on every page.
    fp = sec.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fr = fp.add_run(f"{_t('seller_name')} · Tax ID {_t('seller_tax_id')} · {_t('invoice_no')}")
    fr.font.size = Pt(8)
    fr.font.color.rgb = _GREY

    # Title and, for credit notes, what it corrects.
    _para(doc, _t("title"), style="Title")
    _para(doc, _t("reference_note"), bold=True, space_after=8)

    # Seller and client side by side (a table without borders).
    parties = doc.add_table(rows=1, cols=2)
    parties.alignment = WD_TABLE_ALIGNMENT.CENTER
    seller, client = parties.rows[0].cells
    _first_paragraph(seller, "From", bold=True, color=_ACCENT)
    _para(seller, _t("seller_name"), bold=True, space_after=0)
    _para(seller, _t("seller_address"), space_after=0)
    _label_value(seller, "Tax ID: ", "seller_tax_id")
    _label_value(seller, "Email: ", "seller_email")
    _first_paragraph(client, "Bill to", bold=True, color=_ACCENT)
    _para(client, _t("client_name"), bold=True, space_after=0)
    _para(client, _t("client_address"), space_after=0)
    _label_value(client, "PO number: ", "po_number")
    _set_widths(parties, [8.5, 8.5])

    # Invoice details, two columns of label and value.
    _para(doc, "", space_after=6)
    details = doc.add_table(rows=1, cols=2)
    left, right = details.rows[0].cells
    left.paragraphs[0].paragraph_format.space_after = Pt(0)
    right.paragraphs[0].paragraph_format.space_after = Pt(0)
    for cell, rows in ((left, [("number_label", "invoice_no", True), ("Issue date", "issue_date", False),
                               ("Due date", "due_date", False)]),
                       (right, [("Payment terms", "payment_terms", False),
                                ("Project", "project_name", False), ("Currency", "currency", False)])):
        for k, (label, token, label_token) in enumerate(rows):
            p = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
            p.paragraph_format.space_after = Pt(0)
            p.paragraph_format.tab_stops.add_tab_stop(Cm(3.2))
            lab = p.add_run(_t(label) if label_token else label)
            lab.font.color.rgb = _GREY
            p.add_run("\t")
            val = p.add_run(_t(token))
            val.bold = (token == "invoice_no") or None
    _set_widths(details, [8.5, 8.5])

    # The line: what is invoiced.
    _para(doc, "", space_after=6)
    head = doc.add_paragraph()
    head.paragraph_format.space_after = Pt(3)
    head.paragraph_format.tab_stops.add_tab_stop(Cm(_WIDTH), WD_TAB_ALIGNMENT.RIGHT)
    for text in ("Description", "\t", "Amount"):
        r = head.add_run(text)
        r.bold = True
        r.font.color.rgb = _ACCENT
    _rule(head, "bottom")
    # a table without borders, so a long description wraps in its column
    item = doc.add_table(rows=1, cols=2)
    what, amount = item.rows[0].cells
    _first_paragraph(what, _t("line_description"))
    _first_paragraph(amount, _t("net"), align=WD_ALIGN_PARAGRAPH.RIGHT)
    deliverable = what.add_paragraph()
    deliverable.paragraph_format.space_after = Pt(6)
    lab = deliverable.add_run("Deliverable: ")
    lab.italic = True
    lab.font.color.rgb = _GREY
    val = deliverable.add_run(_t("deliverable"))
    val.italic = True
    _set_widths(item, [13.0, 4.0])

    # The amounts, right-aligned under the amount: each line drops out
    # when it does not apply (no retention, no deposit, no carried money).
    indent = 7.0
    _line(doc, "{}", "net", label_tokens=("amount_label",), indent=indent)
    _line(doc, "Less retention withheld ({})", "retention_withheld",
          label_tokens=("retainage_rate",), indent=indent)
    _line(doc, "Less deposit recovered", "deposit_recovered", indent=indent)
    _line(doc, "Taxable amount", "taxable_amount", indent=indent)
    _line(doc, "Tax ({})", "tax", label_tokens=("tax_rate",), indent=indent)
    _line(doc, "Invoice total", "invoice_total", indent=indent)
    _line(doc, "Less received on a voided invoice", "credit_applied", indent=indent)
    due = _line(doc, "{}", "amount_due", label_tokens=("amount_due_label",), bold=True,
                indent=indent)
    _rule(due, "top")
    due.paragraph_format.space_before = Pt(2)

    # The invoice in its contract.
    _para(doc, "", space_after=4)
    _para(doc, _t("summary_heading"), style="Heading 2")
    _line(doc, "Contract value", "contract_value")
    _line(doc, "This milestone ({} of the contract)", "share_amount",
          label_tokens=("milestone_share",))
    _line(doc, "Billed to date, this invoice included", "billed_to_date")
    _line(doc, "Remaining to bill", "remaining_to_bill")
    _line(doc, "Retention held to date", "retention_held")
    _line(doc, "Deposit", "deposit_total")
    _line(doc, "Deposit recovered to date, this invoice included", "deposit_recovered_to_date")

    # Payment instructions.
    _para(doc, "Payment instructions", style="Heading 2")
    _para(doc, _t("payment_instructions"))
    _para(doc, _t("discount_note"), bold=True)
    _para(doc, _t("bank_details"))

    # Notes.
    _para(doc, "Notes", style="Heading 2")
    _para(doc, _t("retainage_note"))
    _para(doc, _t("notes"))
    _para(doc, "Thank you for your business.", italic=True, color=_GREY)

    # Fixed properties: the build is reproducible.
    cp = doc.core_properties
    cp.title = "Invoice"
    cp.subject = "Invoice and credit note layout"
    cp.author = "milebill_xl"
    cp.last_modified_by = "milebill_xl"
    cp.comments = ("Placeholders such as {{invoice_no}} are filled by milebill_xl. "
                   "Edit layout, fonts and wording freely.")
    cp.keywords = "invoice template"
    cp.category = ""
    cp.revision = 1
    cp.created = _FIXED_TIME
    cp.modified = _FIXED_TIME
    cp.last_printed = _FIXED_TIME

    # The default package ships a thumbnail of an empty page: drop it.
    pkg = doc.part.package
    for rid, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del pkg.rels[rid]
    return doc


#: python-docx's default package carries Word 2010's stylesWithEffects.xml, a
#: copy of styles.xml that our Header/Footer styles are not in; Word reads
#: styles.xml, and a stale copy is what validators flag: it is left out.
_DROPPED_PART = "word/stylesWithEffects.xml"


def _normalized_zip(data: bytes) -> bytes:
    """Same parts (less the stale styles copy), fixed timestamps and order,
    so a rebuild is byte-stable."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == _DROPPED_PART:
                continue
            body = src.read(info.filename)
            if info.filename in ("[Content_Types].xml", "word/_rels/document.xml.rels"):
                body = re.sub(rb"<(Override|Relationship)\b[^>]*stylesWithEffects[^>]*/>", b"", body)
            zi = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def build_bytes() -> bytes:
    buf = io.BytesIO()
    build_document().save(buf)
    return _normalized_zip(buf.getvalue())


def build_template(path: Path | str = DEFAULT_TEMPLATE) -> Path:
    """Write the template to ``path`` (atomically) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(build_bytes())
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print("usage: python -m milebill_xl.documents.template [PATH]")
        return 2
    path = build_template(argv[0] if argv else DEFAULT_TEMPLATE)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
