"""Prepare for Sharing: external links out, add-in formulas frozen to their
cached values, everything else byte-for-byte, atomic, CLI twin."""
from __future__ import annotations

import re
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner

from milebill_xl.actions import share
from milebill_xl.cli import main
from milebill_xl.workbook.book import BookError
from milebill_xl.workbook.reader import read_book
from milebill_xl.template.builder import build_workbook
from milebill_xl.xlsx.patch import Formula, Patcher

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _with_links_and_udfs(path):
    """A template workbook with MB_* formulas (plain, add-in-qualified and
    shared), an external reference and a name pointing into another book."""
    build_workbook(path)
    p = Patcher.open(path)
    p.set_cells("Dashboard", {
        "M1": Formula("MB_FLAG(1)", "Paid"),
        "M2": Formula("[1]Sheet1!$A$1", Decimal(42)),
        "M3": Formula("SUM(1,2)", 3),
        "M4": Formula("'MileBill.xlam'!MB_DUE_DATE(A1,\"Net 30\")", Decimal(46000)),
        "M5": Formula('IF(A1="MB_X(",1,2)', 2),
        "M6": Formula("_xlfn.XLOOKUP(1,A1:A2,B1:B2)", 7),
        "M7": Formula("_xll.SOMEADDIN(1)", True),
    })
    p.save()
    with zipfile.ZipFile(path) as z:
        files = {n: z.read(n) for n in z.namelist()}
    dash = next(n for n in files if n.startswith("xl/worksheets/") and b'r="M1"' in files[n])
    # a shared MB_ formula over N1:N2 (master and child)
    files[dash] = files[dash].replace(
        b'<c r="M1" t="str">',
        b'<c r="N1"><f t="shared" ref="N1:N2" si="7">MB_AGING_BUCKET(A1)</f><v>5</v></c>'
        b'<c r="M1" t="str">', 1)
    files[dash] = files[dash].replace(
        b'<c r="M2">', b'<c r="N2"><f t="shared" si="7"/><v>6</v></c><c r="M2">', 1)
    files["xl/externalLinks/externalLink1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns='
        b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="' + REL.encode()
        + b'"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        b'</externalBook></externalLink>')
    files["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        b'"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        b'Type="' + REL.encode() + b'/externalLinkPath" Target="file:///C:/other.xlsx" '
        b'TargetMode="External"/></Relationships>')
    files["xl/_rels/workbook.xml.rels"] = files["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>", b'<Relationship Id="rIdX1" Type="' + REL.encode()
        + b'/externalLink" Target="externalLinks/externalLink1.xml"/></Relationships>')
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>", b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
        b'"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/></Types>')
    wb = files["xl/workbook.xml"].replace(
        b"</sheets>", b'</sheets><externalReferences><externalReference xmlns:r="' + REL.encode()
        + b'" r:id="rIdX1"/></externalReferences>')
    files["xl/workbook.xml"] = wb.replace(
        b"</definedNames>", b'<definedName name="Ext">[1]Sheet1!$A$1</definedName></definedNames>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
    return path, dash


def _cells(data: bytes) -> dict[str, bytes]:
    return {m.group(1).decode(): m.group(0)
            for m in re.finditer(rb'<c r="([MN]\d)"[^>]*?(?:/>|>.*?</c>)', data)}


def test_share_freezes_add_in_formulas_and_drops_external_links(tmp_path):
    path, dash = _with_links_and_udfs(tmp_path / "billing.xlsx")
    before = path.read_bytes()
    out = share.run(path, as_of=date(2026, 11, 25))
    assert out == tmp_path / "billing (as of 2026-11-25).xlsx"
    assert path.read_bytes() == before  # the source is only read
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(path) as src:
        names = z.namelist()
        assert not [n for n in names if "externalLink" in n]
        assert b"externalLink" not in z.read("xl/_rels/workbook.xml.rels")
        assert b"externalLink" not in z.read("[Content_Types].xml")
        wb = z.read("xl/workbook.xml")
        assert b"externalReferences" not in wb and b'name="Ext"' not in wb
        cells = _cells(z.read(dash))
        assert b"<f>" not in cells["M1"] and b"Paid" in cells["M1"]
        assert cells["M2"].endswith(b"<v>42</v></c>") and b"<f>" not in cells["M2"]
        assert b"<f>SUM(1,2)</f>" in cells["M3"]
        assert b"<f>" not in cells["M4"] and b"<v>46000</v>" in cells["M4"]
        assert b"<f>" in cells["M5"]  # MB_X( inside a string is no call
        assert b"<f>_xlfn.XLOOKUP" in cells["M6"]  # a built-in (new) function stays
        assert b"<f>" not in cells["M7"] and b't="b"' in cells["M7"]
        assert b"<f" not in cells["N1"] and b"<f" not in cells["N2"]
        assert b"<v>6</v>" in cells["N2"]
        # every other part is byte-for-byte the source's
        changed = {dash, "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
        for n in names:
            if n not in changed:
                assert z.read(n) == src.read(n), n
    assert read_book(out)[0] == read_book(path)[0]


def test_template_formulas_are_all_kept(tmp_path):
    path = build_workbook(tmp_path / "t.xlsx")
    out = share.run(path, tmp_path / "out", date(2026, 1, 2))
    assert out.name == "t (as of 2026-01-02).xlsx"
    with zipfile.ZipFile(out) as z, zipfile.ZipFile(path) as src:
        for n in src.namelist():
            if n.startswith("xl/worksheets/sheet"):
                assert z.read(n) == src.read(n), n


def test_needs_value_reads_formulas_like_excel():
    nv = share.needs_value
    assert nv("MB_FLAG(A1)") and nv("mb_flag(a1)") and nv("[2]Data!B3+1")
    assert nv("'C:\\x\\[Book.xlsx]Sheet1'!A1") is False or nv("'[3]Sheet 1'!A1")
    assert nv("'MileBill.xlam'!MB_DUE_DATE(A1,\"Net 30\")") and nv("_xll.FOO(1)")
    assert not nv('IF(A1="MB_FLAG(",1,ROUND(2.5,0))')
    assert not nv("tblInvoices[[#This Row],[Net]]*2") and not nv("tblX[1]")
    assert not nv("_xlfn.STDEV.S(A1:A3)") and not nv("MyLambda(1)", frozenset({"MYLAMBDA"}))


def test_as_of_comes_from_the_settings_when_not_given(tmp_path):
    path = build_workbook(tmp_path / "b.xlsx", settings={"As Of Date": date(2025, 3, 31)})
    assert share.run(path).name == "b (as of 2025-03-31).xlsx"


def test_refuses_what_it_cannot_share(tmp_path):
    with pytest.raises(BookError, match="no such workbook"):
        share.run(tmp_path / "missing.xlsx")
    (tmp_path / "m.xlsm").write_bytes(b"PK")
    with pytest.raises(BookError, match="only .xlsx"):
        share.run(tmp_path / "m.xlsm")
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(BookError):
        share.run(tmp_path / "bad.xlsx", as_of=date(2026, 1, 1))


def test_cli_share(tmp_path):
    path, _ = _with_links_and_udfs(tmp_path / "b.xlsx")
    res = CliRunner().invoke(main, ["share", str(path), "--out", str(tmp_path / "o"),
                                    "--as-of", "2026-11-25"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "b (as of 2026-11-25).xlsx").is_file()
    res = CliRunner().invoke(main, ["share", str(tmp_path / "nope.xlsx")])
    assert res.exit_code == 2 and "nope.xlsx: no such file" in res.output
