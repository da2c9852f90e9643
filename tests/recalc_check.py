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


def _norm(v):
    """A cell value for comparison: blank and "" alike, TRUE as 1, dates as
    dates, numbers as floats."""
    from datetime import datetime
    if v is None or v == "":
        return ""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, datetime):
        return v.date() if v.time() == datetime.min.time() else v
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    return v


def cached_mismatches(written: Path, recalculated: Path) -> tuple[list[tuple], int]:
    """Every formula cell whose cached value, as the tool wrote it, differs
    from what LibreOffice computed; and how many formula cells there are."""
    import openpyxl
    formulas = openpyxl.load_workbook(written)
    cached = openpyxl.load_workbook(written, data_only=True)
    lo = openpyxl.load_workbook(recalculated, data_only=True)
    mismatches, compared = [], 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f" and not (isinstance(cell.value, str)
                                                  and cell.value.startswith("=")):
                    continue
                compared += 1
                ours = _norm(cached[ws.title][cell.coordinate].value)
                theirs = _norm(lo[ws.title][cell.coordinate].value)
                same = (abs(ours - theirs) <= 1e-9 * max(1.0, abs(theirs))
                        if isinstance(ours, float) and isinstance(theirs, float) else ours == theirs)
                if not same:
                    mismatches.append((ws.title, cell.coordinate, ours, theirs))
    return mismatches, compared
