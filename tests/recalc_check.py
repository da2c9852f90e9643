"""Compare a workbook LibreOffice recalculated with the Python engine.

Used by every test that proves the sheet's native formulas and our engine
agree: the template and sample cases, and workbooks our commands wrote.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from milebill_xl.core.engine import compute
from milebill_xl.workbook.reader import read_book

ERROR_PREFIXES = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")


def sheet_rows(book: CalamineWorkbook, sheet: str) -> list[dict]:
    rows = book.get_sheet_by_name(sheet).to_python()
    header = rows[0]
    return [dict(zip(header, r)) for r in rows[1:]]


def same_money(got, want: Decimal) -> bool:
    if not isinstance(got, (int, float)):
        return False
    return abs(Decimal(repr(float(got))) - want) < Decimal("0.0000001")


def error_cells(path: Path) -> list[tuple]:
    """(sheet, row, col, value) of every error value in the workbook."""
    book = CalamineWorkbook.from_path(str(path))
    errors = []
    for sheet in book.sheet_names:
        for r, row in enumerate(book.get_sheet_by_name(sheet).to_python(), start=1):
            for c, v in enumerate(row, start=1):
                if isinstance(v, str) and v.startswith(ERROR_PREFIXES):
                    errors.append((sheet, r, c, v))
    return errors


def engine_mismatches(path: Path, as_of: date) -> tuple[list[tuple], int]:
    """Every computed cell that differs from ``compute``, and how many were compared."""
    data, _ = read_book(path)
    comp = compute(data, as_of)
    book = CalamineWorkbook.from_path(str(path))
    mismatches, compared = [], 0

    ms = sheet_rows(book, "Milestones")
    for res in comp.milestones:
        row = ms[res.row]
        assert row["Milestone ID"] == res.milestone_id
        for header, want in (("Amount", res.amount), ("Paid Amount", res.paid_amount),
                             ("Balance", res.balance)):
            compared += 1
            if not same_money(row[header], want):
                mismatches.append((res.milestone_id, header, row[header], want))
        compared += 2
        if row["Days Overdue"] != res.days_overdue:
            mismatches.append((res.milestone_id, "Days Overdue", row["Days Overdue"], res.days_overdue))
        if row["Flag"] != res.flag:
            mismatches.append((res.milestone_id, "Flag", row["Flag"], res.flag))
        compared += 1
        if bool(row["Billable"]) != res.billable:
            mismatches.append((res.milestone_id, "Billable", row["Billable"], res.billable))
        compared += 1
        if not same_money(row["Eff Tax Rate"], res.tax_rate):
            mismatches.append((res.milestone_id, "Eff Tax Rate", row["Eff Tax Rate"], res.tax_rate))

    inv = sheet_rows(book, "Invoices")
    for res in comp.invoices:
        row = inv[res.row]
        assert row["Invoice No"] == res.invoice_no
        for header, want in (("Paid", res.paid), ("Balance", res.balance)):
            compared += 1
            if not same_money(row[header], want):
                mismatches.append((res.invoice_no, header, row[header], want))
        compared += 1
        if row["Status"] != res.status:
            mismatches.append((res.invoice_no, "Status", row["Status"], res.status))

    pr = sheet_rows(book, "Projects")
    for res in comp.projects:
        row = pr[res.row]
        assert row["Project ID"] == res.project_id
        checked = [("Allocated", res.allocated), ("Billed", res.billed),
                   ("Unbilled", res.unbilled), ("Collected", res.collected),
                   ("Outstanding", res.outstanding)]
        if "Retention Held" in row:          # an older workbook may lack it
            checked.append(("Retention Held", res.retention_held))
        for header, want in checked:
            compared += 1
            if not same_money(row[header], want):
                mismatches.append((res.project_id, header, row[header], want))
        compared += 2
        if (row["Schedule"] == "OK") != res.schedule_ok:
            mismatches.append((res.project_id, "Schedule", row["Schedule"], res.schedule_ok))
        if bool(row["Can Bill"]) != res.can_bill:
            mismatches.append((res.project_id, "Can Bill", row["Can Bill"], res.can_bill))
    return mismatches, compared


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _text(el) -> str:
    """All ``<t>`` text under a shared-string item or an inline string."""
    return "".join(t.text or "" for t in el.iter(f"{_MAIN}t"))


def sheet_cells(path: Path) -> dict[tuple[str, str], tuple[bool, object]]:
    """(sheet, A1) -> (has a formula, value) of every cell, read from the
    raw sheet XML (no spreadsheet library between us and the file): numbers
    and dates as floats (date serials), booleans as 0/1, text and error
    values as str, an empty value as ""."""
    import zipfile
    from posixpath import dirname, join, normpath

    from lxml import etree

    out: dict[tuple[str, str], tuple[bool, object]] = {}
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        shared = []
        if "xl/sharedStrings.xml" in names:
            shared = [_text(si) for si in etree.fromstring(z.read("xl/sharedStrings.xml"))
                      if si.tag == f"{_MAIN}si"]
        rels = {r.get("Id"): normpath(join("xl", r.get("Target"))).lstrip("/")
                for r in etree.fromstring(z.read("xl/_rels/workbook.xml.rels")).iter(_PKG_REL)}
        book = etree.fromstring(z.read("xl/workbook.xml"))
        for sheet in book.iter(f"{_MAIN}sheet"):
            part = rels[sheet.get(_REL)]
            title = sheet.get("name")
            for c in etree.fromstring(z.read(part)).iter(f"{_MAIN}c"):
                kind = c.get("t", "n")
                v = c.find(f"{_MAIN}v")
                raw = v.text if v is not None and v.text is not None else None
                if kind == "inlineStr":
                    is_ = c.find(f"{_MAIN}is")
                    value = _text(is_) if is_ is not None else ""
                elif raw is None:
                    value = ""
                elif kind == "s":
                    value = shared[int(raw)]
                elif kind in ("str", "e"):
                    value = raw
                elif kind == "b":
                    value = float(int(raw))
                else:
                    value = float(raw)
                out[(title, c.get("r"))] = (c.find(f"{_MAIN}f") is not None, value)
    return out


def cached_mismatches(written: Path, recalculated: Path) -> tuple[list[tuple], int]:
    """Every formula cell whose cached value, as the tool wrote it, differs
    from what LibreOffice computed; and how many formula cells there are.
    TRUE equals 1, a blank equals "", a date its serial number; numbers
    agree within 1e-9 relative."""
    ours_all = sheet_cells(written)
    theirs_all = sheet_cells(recalculated)
    mismatches, compared = [], 0
    for key, (formula, ours) in ours_all.items():
        if not formula:
            continue
        compared += 1
        theirs = theirs_all.get(key, (False, ""))[1]
        same = (abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))
                if isinstance(ours, float) and isinstance(theirs, float) else ours == theirs)
        if not same:
            mismatches.append((*key, ours, theirs))
    return mismatches, compared
