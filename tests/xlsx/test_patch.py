"""The surgical writer: changes only what it means to, keeps the rest byte-for-byte."""
from __future__ import annotations

import io
import os
import re
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from milebill_xl import office
from milebill_xl.xlsx import atomic, safezip
from milebill_xl.xlsx.ooxml import date_serial, escape_text, number_text
from milebill_xl.xlsx.sheetxml import SheetDoc
from milebill_xl.xlsx.patch import (Formula, PatchError, Patcher, SharedFormulaError,
                                            WorkbookChanged, WorkbookLocked)

from .xlsx_fixtures import (CONDITIONAL_FORMATTING, DATA_VALIDATIONS, DRAWING_REFS, EXT_LST,
                            INVOICES_PART, MILESTONES_PART, build_workbook)

D = Decimal


@pytest.fixture
def book(tmp_path) -> Path:
    return build_workbook(tmp_path / "book.xlsx")


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def raw_entries(path: Path) -> dict[str, bytes]:
    """Each member's raw local header + compressed bytes."""
    src = safezip.ZipSource(path.read_bytes())
    assert src.members is not None
    return {m.name: src.data[m.local_start:m.local_end] for m in src.members}


def patch_typical(path: Path) -> Patcher:
    p = Patcher.open(path)
    p.set_column("tblMilestones", "Amount", [D("1000.00"), D("2500.55"), D("99.99"),
                                             D("0.10"), D("12345678901234.5678")])
    p.set_column("tblMilestones", "Double", [Formula(f"C{r}*2", D(v) * 2) for r, v in
                                             zip(range(2, 7), ["1000.00", "2500.55", "99.99",
                                                               "0.10", "12345678901234.5678"])])
    p.append_rows("tblMilestones", [
        {"Milestone ID": "M6", "Project": "P3", "Amount": D("7.25"),
         "Due Date": date(2024, 6, 30), "Status": "Planned", "Note": "=1+1",
         "Double": Formula("C7*2", D("14.5"))}])
    p.append_rows("tblInvoices", [
        {"Invoice No": "INV-2024-0001", "Issue Date": date(2024, 7, 1), "Net": D("10.00"),
         "Total": D("11.50")},
        {"Invoice No": "INV-2024-0002", "Issue Date": date(2024, 7, 2), "Net": D("20.00"),
         "Total": D("23.00")}])
    p.save()
    return p


# ------------------------------------------------------------------ lookup

def test_finds_sheets_and_tables(book):
    p = Patcher.open(book)
    assert p.sheet_names == ["Milestones", "Invoices", "Lists", "Team Notes"]
    t = p.table("tblMilestones")
    assert (t.sheet, t.ref, t.first_row, t.first_col, t.last_row, t.last_col) == \
        ("Milestones", "A1:G6", 1, 1, 6, 7)
    assert t.headers[:3] == ("Milestone ID", "Project", "Amount")
    assert t.data_rows == 5 and t.data_first_row == 2 and t.column("amount") == 3
    inv = p.table("TBLINVOICES")
    assert inv.sheet == "Invoices" and inv.ref == "A1:D2"
    assert inv.data_rows == 0 and inv.data_first_row == 2   # Excel's blank placeholder row
    with pytest.raises(KeyError):
        p.table("nope")


# ------------------------------------------------------- byte preservation

def test_unchanged_members_are_raw_identical_and_in_order(book):
    before_raw, before = raw_entries(book), members(book)
    patch_typical(book)
    after_raw, after = raw_entries(book), members(book)
    changed = {MILESTONES_PART, INVOICES_PART, "xl/tables/table1.xml", "xl/tables/table2.xml",
               "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert list(after) == [n for n in before if n != "xl/calcChain.xml"]
    for name in after:
        if name not in changed:
            assert after_raw[name] == before_raw[name], name
    for name in changed:
        assert after[name] != before[name], name


def _outside_sheet_data(xml: bytes) -> tuple[bytes, bytes]:
    head, _, rest = xml.partition(b"<sheetData>")
    _, _, tail = rest.partition(b"</sheetData>")
    return re.sub(rb'<dimension ref="[^"]*"/>', b"<dimension/>", head), tail


def test_changed_sheet_keeps_everything_outside_changed_rows(book):
    before = members(book)[MILESTONES_PART]
    p = Patcher.open(book)
    p.set_cells("Milestones", {(4, 6): "new note"})       # only row 4 changes
    p.save()
    after = members(book)[MILESTONES_PART]
    assert _outside_sheet_data(after) == _outside_sheet_data(before)
    for span in (EXT_LST, CONDITIONAL_FORMATTING, DATA_VALIDATIONS, DRAWING_REFS):
        assert after.count(span.encode()) == 1
    rows = lambda x: re.findall(rb"<row .*?</row>", x)           # noqa: E731
    b_rows, a_rows = rows(before), rows(after)
    assert len(a_rows) == len(b_rows)
    for i, (b, a) in enumerate(zip(b_rows, a_rows)):
        if i == 3:
            assert a != b and b'<c r="F4" t="inlineStr"><is><t>new note</t></is></c>' in a
            # untouched cells of the changed row keep their bytes
            for cell in re.findall(rb"<c .*?</c>", b):
                assert cell in a
        else:
            assert a == b
    assert b'<dimension ref="A1:J20"/>' in after


def test_table_part_changes_only_ref_attributes(book):
    before = members(book)
    patch_typical(book)
    after = members(book)
    for part, old, new in (("xl/tables/table1.xml", b"A1:G6", b"A1:G7"),
                           ("xl/tables/table2.xml", b"A1:D2", b"A1:D3")):
        assert after[part] == before[part].replace(b'ref="' + old + b'"', b'ref="' + new + b'"')
        assert after[part].count(b'ref="' + new + b'"') == 2     # table and autoFilter


def test_workbook_level_changes_only_calcchain_and_fullcalc(book):
    before = members(book)
    patch_typical(book)
    after = members(book)
    assert "xl/calcChain.xml" not in after
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"].replace(
        b'<calcPr calcId="191029"/>', b'<calcPr calcId="191029" fullCalcOnLoad="1"/>')
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"customXml" in after["xl/_rels/workbook.xml.rels"]
    assert after["[Content_Types].xml"] == re.sub(
        rb'<Override PartName="/xl/calcChain.xml" [^>]*/>', b"", before["[Content_Types].xml"])


def test_calcpr_added_when_absent(tmp_path):
    path = build_workbook(tmp_path / "b.xlsx")
    m = members(path)
    wbxml = re.sub(rb"<calcPr [^>]*/>", b"", m["xl/workbook.xml"])
    _rezip(path, {"xl/workbook.xml": wbxml})
    p = Patcher.open(path)
    p.set_cells("Team Notes", {"B2": 43})
    p.save()
    out = members(path)["xl/workbook.xml"]
    assert out == wbxml.replace(b"<definedNames/>", b'<definedNames/><calcPr fullCalcOnLoad="1"/>')


def test_no_changes_writes_nothing(book):
    before = book.read_bytes()
    mtime = book.stat().st_mtime_ns
    Patcher.open(book).save()
    assert book.read_bytes() == before and book.stat().st_mtime_ns == mtime


# ----------------------------------------------------------- read back

def test_values_read_back_with_calamine_and_openpyxl(book):
    patch_typical(book)
    cal = CalamineWorkbook.from_path(str(book))
    rows = cal.get_sheet_by_name("Milestones").to_python()
    assert rows[2][2] == pytest.approx(2500.55)
    assert rows[6][:6] == ["M6", "P3", 7.25, date(2024, 6, 30), "Planned", "=1+1"]
    assert rows[2][6] == pytest.approx(5001.1)          # cached formula value
    inv = cal.get_sheet_by_name("Invoices").to_python()
    assert inv[1][0] == "INV-2024-0001" and inv[2][3] == 23.0
    assert inv[1][1] == date(2024, 7, 1)
    assert cal.get_sheet_by_name("Team Notes").to_python()[0][0] == "Our own sheet: do not touch"

    wb = openpyxl.load_workbook(book)
    ws = wb["Milestones"]
    assert ws["F7"].value == "=1+1" and ws["F7"].data_type == "s"
    assert ws["G7"].value == "=C7*2"
    assert ws["D7"].value == datetime(2024, 6, 30) and ws["D7"].number_format == "yyyy-mm-dd"
    assert ws["C7"].number_format == "#,##0.00"                # style from the row above
    assert ws["C3"].number_format == "#,##0.00"                # kept its own style
    assert ws.tables["tblMilestones"].ref == "A1:G7"
    wsi = wb["Invoices"]
    assert wsi["B2"].value == datetime(2024, 7, 1) and wsi["B2"].number_format == "yyyy-mm-dd"
    assert wsi["B3"].number_format == "yyyy-mm-dd"             # inherited from row 2
    assert not wsi["A2"].font.b                                 # not the header's style
    assert wsi.tables["tblInvoices"].ref == "A1:D3"
    wbv = openpyxl.load_workbook(book, data_only=True)
    assert wbv["Milestones"]["G7"].value == 14.5


def test_exact_decimal_text_and_value_kinds(book):
    p = Patcher.open(book)
    p.set_cells("Team Notes", {
        "A3": D("12345678901234.5678"), "A4": 0.1, "A5": True, "A6": "  padded  ",
        "A7": "=SUM(A1:A2)", "A8": "<b>&amp;</b>", "A9": Formula("LEN(A6)", "ten"),
        "A10": datetime(2024, 1, 1, 12, 0), "A11": D("-0.000"), "A12": "a\x01b_x0041_",
        "B2": None})
    p.save()
    xml = members(book)["xl/worksheets/sheet4.xml"].decode()
    assert '<c r="A3"><v>12345678901234.5678</v></c>' in xml
    assert '<c r="A4"><v>0.1</v></c>' in xml
    assert '<c r="A5" t="b"><v>1</v></c>' in xml
    assert '<t xml:space="preserve">  padded  </t>' in xml
    assert '<c r="A7" t="inlineStr"><is><t>=SUM(A1:A2)</t></is></c>' in xml
    assert "<t>&lt;b&gt;&amp;amp;&lt;/b&gt;</t>" in xml
    assert '<c r="A9" t="str"><f>LEN(A6)</f><v>ten</v></c>' in xml
    assert '<c r="A10"><v>45292.5</v></c>' in xml
    assert '<c r="A11"><v>0</v></c>' in xml
    assert "<t>a_x0001_b_x005F_x0041_</t>" in xml
    assert '<c r="B2"/>' in xml
    ws = openpyxl.load_workbook(book)["Team Notes"]
    assert ws["A6"].value == "  padded  " and ws["A8"].value == "<b>&amp;</b>"
    assert ws["A7"].data_type == "s"
    assert ws["B2"].value is None


def test_none_keeps_style(book):
    p = Patcher.open(book)
    p.set_cells("Milestones", {(2, 3): None})
    p.save()
    xml = members(book)[MILESTONES_PART]
    assert b'<c r="C2" s="2"/>' in xml


# ------------------------------------------------------------- tables

def test_append_fills_placeholder_then_grows(book):
    p = Patcher.open(book)
    assert p.append_rows("tblInvoices", [{"Invoice No": "A"}]) == [2]
    assert p.table("tblInvoices").ref == "A1:D2" and p.table("tblInvoices").data_rows == 1
    assert p.append_rows("tblInvoices", [{"Invoice No": "B"}, {"Invoice No": "C"}]) == [3, 4]
    p.set_column("tblInvoices", "Net", [1, 2, 3])
    p.save()
    inv = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Invoices").to_python()
    assert [r[0] for r in inv] == ["Invoice No", "A", "B", "C"]
    assert [r[2] for r in inv[1:]] == [1, 2, 3]
    assert Patcher.open(book).table("tblInvoices").ref == "A1:D4"


def test_append_refuses_to_overwrite_cells_below(book):
    p = Patcher.open(book)
    p.set_cells("Milestones", {(9, 2): "in the way"})
    with pytest.raises(PatchError, match="B9"):
        p.append_rows("tblMilestones", [{"Project": str(i)} for i in range(3)])
    with pytest.raises(KeyError):
        p.append_rows("tblMilestones", [{"No Such Column": 1}])


def test_set_column_needs_one_value_per_row(book):
    with pytest.raises(PatchError):
        Patcher.open(book).set_column("tblMilestones", "Amount", [1, 2])


def test_rows_stay_sorted_and_cells_in_column_order(book):
    p = Patcher.open(book)
    p.set_cells("Milestones", {(30, 2): "b", (30, 1): "a", (10, 5): 1, (1, 9): "I1"})
    p.save()
    xml = members(book)[MILESTONES_PART].decode()
    nums = [int(n) for n in re.findall(r'<row r="(\d+)"', xml)]
    assert nums == sorted(nums) and 10 in nums and 30 in nums
    assert '<row r="30"><c r="A30" t="inlineStr">' in xml
    row1 = re.search(r'<row r="1">.*?</row>', xml).group()
    assert row1.index('r="H1"') < row1.index('r="I1"')
    assert '<dimension ref="A1:J30"/>' in xml
    row2 = re.search(r'<row r="2" spans="1:7"', xml)
    assert row2 is not None


def test_spans_widen_when_a_row_gets_a_cell_outside(book):
    p = Patcher.open(book)
    p.set_cells("Milestones", {(2, 9): 5})
    p.save()
    assert b'<row r="2" spans="1:9" x14ac:dyDescent="0.25">' in members(book)[MILESTONES_PART]


def test_shared_formula_master_is_not_orphaned(tmp_path):
    path = build_workbook(tmp_path / "b.xlsx")
    xml = members(path)[MILESTONES_PART]
    xml = xml.replace(b"<f>C2*2</f>", b'<f t="shared" ref="G2:G4" si="0">C2*2</f>')
    xml = xml.replace(b"<f>C3*2</f>", b'<f t="shared" si="0"/>')
    xml = xml.replace(b"<f>C4*2</f>", b'<f t="shared" si="0"/>')
    _rezip(path, {MILESTONES_PART: xml})
    p = Patcher.open(path)
    p.set_cells("Milestones", {(2, 7): 1})
    with pytest.raises(SharedFormulaError):
        p.save()
    p.set_cells("Milestones", {(3, 7): 1, (4, 7): 1})   # all its cells: fine
    p.save()


def test_prefixed_sheet_rows_without_r_and_self_closing_rows():
    xml = (b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<x:dimension ref="A1"/><x:sheetData><x:row><x:c><x:v>1</x:v></x:c>'
           b'<x:c s="4"><x:v>2</x:v></x:c></x:row><x:row r="2" spans="1:1"/>'
           b'</x:sheetData></x:worksheet>')
    doc = SheetDoc(xml, "s.xml")
    doc.set(1, 3, "t")
    doc.set(2, 2, 5)
    doc.set(4, 2, True)
    out = doc.render(False)
    assert out == (
        b'<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<x:dimension ref="A1:C4"/><x:sheetData><x:row>'
        b'<x:c r="A1"><x:v>1</x:v></x:c><x:c r="B1" s="4"><x:v>2</x:v></x:c>'
        b'<x:c r="C1" t="inlineStr"><x:is><x:t>t</x:t></x:is></x:c></x:row>'
        b'<x:row r="2" spans="2:2"><x:c r="B2" s="4"><x:v>5</x:v></x:c></x:row>'
        b'<x:row r="4"><x:c r="B4" t="b"><x:v>1</x:v></x:c></x:row>'
        b'</x:sheetData></x:worksheet>')


def test_empty_sheet_data_gets_rows():
    doc = SheetDoc(b'<worksheet xmlns="m"><sheetData/><pageMargins/></worksheet>', "s.xml")
    doc.set(2, 1, "a")
    assert doc.render(False) == (b'<worksheet xmlns="m"><sheetData><row r="2"><c r="A2" '
                                 b't="inlineStr"><is><t>a</t></is></c></row></sheetData>'
                                 b'<pageMargins/></worksheet>')


# ------------------------------------------------------------- dates

def test_date_serials():
    assert date_serial(date(1900, 1, 1), False) == 1
    assert date_serial(date(1900, 2, 28), False) == 59
    assert date_serial(date(1900, 3, 1), False) == 61
    assert date_serial(date(2024, 1, 1), False) == 45292
    assert date_serial(date(1904, 1, 1), True) == 0
    assert date_serial(date(2024, 1, 1), True) == 45292 - 1462
    with pytest.raises(ValueError):
        date_serial(date(1903, 12, 31), True)


def test_1904_date_system(tmp_path):
    path = build_workbook(tmp_path / "mac.xlsx", date1904=True)
    assert b'date1904="1"' in members(path)["xl/workbook.xml"]
    p = Patcher.open(path)
    assert p.date1904
    p.append_rows("tblInvoices", [{"Invoice No": "X", "Issue Date": date(2024, 7, 1)}])
    p.save()
    xml = members(path)[INVOICES_PART].decode()
    assert f'<c r="B2" s="3"><v>{45474 - 1462}</v></c>' in xml
    assert openpyxl.load_workbook(path)["Invoices"]["B2"].value == datetime(2024, 7, 1)


def test_number_text():
    assert number_text(D("1E+3")) == "1000"
    assert number_text(D("2.500")) == "2.5"
    assert number_text(1e20) == "100000000000000000000"
    assert number_text(0.1 + 0.2) == "0.30000000000000004"
    with pytest.raises(ValueError):
        number_text(float("nan"))
    assert escape_text("x\r\ny") == "x&#13;\ny"


# ------------------------------------------------------ safety of saving

def test_owner_file_refuses(book):
    before = book.read_bytes()
    (book.parent / ("~$" + book.name)).write_bytes(b"owner")
    p = Patcher.open(book)
    p.set_cells("Team Notes", {"B2": 1})
    with pytest.raises(WorkbookLocked):
        p.save()
    assert book.read_bytes() == before
    assert sorted(f.name for f in book.parent.iterdir()) == ["book.xlsx", "~$book.xlsx"]


@pytest.mark.parametrize("where", ["mid-write", "fsync", "replace"])
def test_failure_mid_save_leaves_original(book, monkeypatch, where):
    before = book.read_bytes()
    p = Patcher.open(book)
    p.set_cells("Team Notes", {"B2": 1})
    p.append_rows("tblInvoices", [{"Invoice No": "X"}])
    boom = OSError("disk full")
    if where == "mid-write":
        calls = []

        def failing_write(out, data):
            calls.append(1)
            if len(calls) == 6:
                raise boom
            out.write(data)
        monkeypatch.setattr(safezip, "_write", failing_write)
    elif where == "fsync":
        monkeypatch.setattr(atomic.os, "fsync", lambda fd: (_ for _ in ()).throw(boom))
    else:
        monkeypatch.setattr(atomic.os, "replace", lambda a, b: (_ for _ in ()).throw(boom))
    with pytest.raises(OSError, match="disk full"):
        p.save()
    assert book.read_bytes() == before
    assert [f.name for f in book.parent.iterdir()] == ["book.xlsx"]


def test_file_changed_on_disk_is_not_clobbered(book):
    p = Patcher.open(book)
    p.set_cells("Team Notes", {"B2": 1})
    time.sleep(0.01)
    book.write_bytes(book.read_bytes() + b"")
    os.utime(book, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    with pytest.raises(WorkbookChanged):
        p.save()


def test_save_elsewhere_and_continue(book, tmp_path):
    before = book.read_bytes()
    p = Patcher.open(book)
    p.set_cells("Team Notes", {"B2": 7})
    out = p.save(tmp_path / "copy.xlsx")
    assert book.read_bytes() == before
    p.set_cells("Team Notes", {"B3": 8})
    p.save()
    ws = openpyxl.load_workbook(out)["Team Notes"]
    assert (ws["B2"].value, ws["B3"].value) == (7, 8)


def test_doctype_is_refused(tmp_path):
    path = build_workbook(tmp_path / "b.xlsx")
    xml = members(path)["xl/workbook.xml"]
    bomb = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa">'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;">]>')
    _rezip(path, {"xl/workbook.xml": bomb + xml})
    with pytest.raises(ValueError, match="DOCTYPE"):
        Patcher.open(path)


def test_zip64_archive_falls_back_to_same_contents(tmp_path, monkeypatch):
    path = build_workbook(tmp_path / "b.xlsx")
    z64 = tmp_path / "z64.xlsx"
    with monkeypatch.context() as m:     # make zipfile write zip64 records for a small file
        m.setattr(zipfile, "ZIP64_LIMIT", 100)
        m.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 5)
        with zipfile.ZipFile(path) as zin, \
                zipfile.ZipFile(z64, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info.filename, zin.read(info))
    before = members(z64)
    p = Patcher.open(z64)
    assert p.src.members is None
    p.set_cells("Team Notes", {"B2": 5})
    p.save()
    after = members(z64)
    assert list(after) == [n for n in before if n != "xl/calcChain.xml"]
    assert after["xl/worksheets/sheet3.xml"] == before["xl/worksheets/sheet3.xml"]


# ---------------------------------------------------------------- scale

def test_100k_row_column_is_fast(tmp_path):
    n = 100_000
    path = tmp_path / "big.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Big"
    ws.append(["ID", "Amount", "Note"])
    ws.append([0, 0, "x"])
    from openpyxl.worksheet.table import Table
    ws.add_table(Table(displayName="tblBig", ref="A1:C2"))
    wb.save(path)
    p = Patcher.open(path)
    p.append_rows("tblBig", [{"ID": i, "Note": "n"} for i in range(1, n)])
    p.save()
    p = Patcher.open(path)
    assert p.table("tblBig").data_rows == n
    p.set_column("tblBig", "Amount", [D(i) / 100 for i in range(n)])
    p.save()
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Big").to_python()
    assert len(rows) == n + 1 and rows[-1][1] == pytest.approx((n - 1) / 100)
    assert rows[12345][0] == 12344


# ------------------------------------------------------------ LibreOffice

@pytest.mark.libreoffice
def test_libreoffice_opens_result_and_recalculates(book, tmp_path, soffice):
    p = Patcher.open(book)
    p.set_cells("Milestones", {(3, 3): D("2500.55")})
    # a wrong cached value: LibreOffice must recalculate it
    p.set_column("tblMilestones", "Double", [Formula(f"C{r}*2", 0) for r in range(2, 7)])
    p.append_rows("tblMilestones", [{"Milestone ID": "M6", "Amount": D("7.25"),
                                     "Note": "=1+1", "Double": Formula("C7*2", 0)}])
    p.append_rows("tblInvoices", [{"Invoice No": "INV-1", "Issue Date": date(2024, 7, 1),
                                   "Net": D("10.00"), "Total": Formula("C2*1.15", 0)}])
    p.save()
    (out,) = office.recalculate([book], tmp_path / "lo")
    wb = openpyxl.load_workbook(out, data_only=True)
    ws = wb["Milestones"]
    assert ws["G3"].value == pytest.approx(5001.1)
    assert ws["G7"].value == pytest.approx(14.5)
    assert ws["A7"].value == "M6" and ws["F7"].value == "=1+1"
    inv = wb["Invoices"]
    assert inv["A2"].value == "INV-1" and inv["D2"].value == pytest.approx(11.5)
    assert inv["B2"].value == datetime(2024, 7, 1)
    assert wb["Team Notes"]["A1"].value == "Our own sheet: do not touch"


# ----------------------------------------------------------------- helpers

def _rezip(path: Path, replace: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as zin:
        items = [(i, replace.get(i.filename, zin.read(i))) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            zout.writestr(info, data)
    path.write_bytes(buf.getvalue())


def _with_calculated_column(path: Path) -> None:
    table = members(path)["xl/tables/table1.xml"]
    calc = (b'<tableColumn id="7" name="Double"><calculatedColumnFormula>'
            b'tblMilestones[[#This Row],[Amount]]*2</calculatedColumnFormula></tableColumn>')
    table, n = re.subn(rb'<tableColumn id="7" name="Double"\s*/>', calc, table)
    assert n == 1
    _rezip(path, {"xl/tables/table1.xml": table})


def test_append_fills_calculated_columns(book):
    _with_calculated_column(book)
    p = Patcher.open(book)
    p.append_rows("tblMilestones", [{"Milestone ID": "M6", "Amount": 3}])
    p.save()
    xml = members(book)[MILESTONES_PART]
    assert b'<c r="G7" s="4"><f>tblMilestones[[#This Row],[Amount]]*2</f></c>' in xml


@pytest.mark.libreoffice
def test_libreoffice_computes_calculated_column(book, tmp_path, soffice):
    _with_calculated_column(book)
    p = Patcher.open(book)
    p.append_rows("tblMilestones", [{"Milestone ID": "M6", "Amount": 3}])
    p.save()
    (out,) = office.recalculate([book], tmp_path / "lo")
    assert openpyxl.load_workbook(out, data_only=True)["Milestones"]["G7"].value == 6
