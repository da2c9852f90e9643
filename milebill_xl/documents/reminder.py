"""The payment reminder letter: one client's overdue invoices in one
currency, with the statutory interest and fee (core/dunning.py), the
amount due and how to pay. Built with python-docx (plain paragraphs and
one table), editable in Word.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from babel.numbers import format_percent
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from ..core.dunning import DAYS_A_YEAR, Reminder
from ..xlsx.atomic import atomic_write
from ..core.money import format_amount
from .invoice import money_text
from .template import blank_document

#: what the letter says, by how far the chasing has gone
_OPENING = {
    "first": ("According to our records the invoices below are overdue. If you have paid "
              "them in the last few days, please disregard this letter; otherwise please pay "
              "the amount due now."),
    "middle": ("We wrote to you about the invoices below, which are still unpaid. Please pay "
               "the amount due without further delay, or tell us at once if anything stands "
               "in the way of payment."),
    "final": ("This is our final reminder: the invoices below are still unpaid despite our "
              "earlier letters. Please pay the amount due immediately."),
}


#: column widths of the invoice table (A4 less the margins: 17.8 cm)
_WIDTHS = tuple(Cm(w) for w in (3.3, 2.5, 1.9, 3.0, 2.4, 1.9, 2.8))


@dataclass(frozen=True)
class ReminderLetter:
    reference: str
    written_on: date
    reminder: Reminder
    seller: str
    seller_address: str
    seller_email: str
    bank_details: str
    client_address: str
    interest_rate: Decimal
    late_fee: Decimal


def _stage(r: Reminder) -> str:
    if r.final:
        return "final"
    return "first" if r.level == 1 else "middle"


def write_letter(letter: ReminderLetter, path: Path) -> Path:
    """Write the letter to ``path`` (atomically) and return it."""
    r = letter.reminder
    money = lambda x: money_text(x, r.currency)  # noqa: E731
    doc = blank_document()
    doc.styles["Normal"].font.size = Pt(10.5)
    section = doc.sections[0]            # A4, margins that leave the table room
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.6)
    for line in [letter.seller, *letter.seller_address.splitlines()]:
        p = doc.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.space_after = Pt(0)
    doc.add_paragraph()
    for line in [r.client, *letter.client_address.splitlines()]:
        doc.add_paragraph(line).paragraph_format.space_after = Pt(0)
    doc.add_paragraph()
    doc.add_paragraph(f"Date: {letter.written_on.isoformat()}    Reference: {letter.reference}")
    doc.add_heading(r.title, level=1)
    doc.add_paragraph(_OPENING[_stage(r)])
    charges = bool(r.interest or r.fee)
    figure = lambda x: format_amount(x, r.currency)  # noqa: E731
    headers = ["Invoice", "Due date", "Days overdue", "Open balance"]
    if charges:
        headers += ["Interest", "Fee", "Amount due"]
    doc.add_paragraph(f"Amounts in {r.currency}.").paragraph_format.space_after = Pt(2)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = text
        cell.paragraphs[0].runs[0].bold = True
    for i in r.items:
        values = [i.invoice_no, i.due_date.isoformat(), str(i.days_overdue), figure(i.balance)]
        if charges:
            values += [figure(i.interest), figure(i.fee), figure(i.amount_due)]
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text
    total = ["Total", "", "", figure(r.balance)]
    if charges:
        total += [figure(r.interest), figure(r.fee), figure(r.amount_due)]
    for cell, text in zip(table.add_row().cells, total):
        cell.text = text
        if text:
            cell.paragraphs[0].runs[0].bold = True
    table.autofit = False
    for column, width in zip(table.columns, _WIDTHS):
        column.width = width
    for row in table.rows:
        for k, (cell, width) in enumerate(zip(row.cells, _WIDTHS)):
            cell.width = width
            for p in cell.paragraphs:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT if k >= 2 else None
                for run in p.runs:
                    run.font.size = Pt(9.5)
    doc.add_paragraph()
    if charges:
        doc.add_paragraph(_charges_note(letter))
    doc.add_paragraph(f"Amount due: {money(r.amount_due)}. Please pay it to the account below, "
                      f"quoting {', '.join(i.invoice_no for i in r.items)}.")
    if letter.bank_details:
        for line in letter.bank_details.splitlines():
            doc.add_paragraph(line).paragraph_format.space_after = Pt(0)
        doc.add_paragraph()
    contact = f" at {letter.seller_email}" if letter.seller_email else ""
    doc.add_paragraph(f"If you believe an invoice is not owed, or have paid already, please "
                      f"contact us{contact} quoting {letter.reference}.")
    doc.add_paragraph(f"Kind regards,\n{letter.seller}")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, doc.save)
    return path


def _charges_note(letter: ReminderLetter) -> str:
    r = letter.reminder
    parts = []
    if letter.interest_rate:
        rate = format_percent(letter.interest_rate, format="#,##0.00##%", locale="en_US")
        parts.append(f"late-payment interest at {rate} a year (actual days/{DAYS_A_YEAR}) on "
                     f"each amount for the days it was overdue, up to {letter.written_on.isoformat()}")
    if letter.late_fee:
        parts.append(f"a fixed compensation of {money_text(r.items[0].fee, r.currency)} "
                     "per invoice for recovery costs")
    return ("Under EU Directive 2011/7/EU on late payment we charge " + " and ".join(parts) + ".")
