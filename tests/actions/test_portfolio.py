"""`milebill portfolio`: one roll-up over every workbook under a folder.

The folder holds the sample portfolio issued in a/one.xlsx on 2026-11-25,
an emailed copy of it (a/one-copy.xlsx), a second workbook that issued the
same numbers a day later for the same milestones (b/two.xlsx), a text file
named .xlsx, a hostile workbook (XXE) and a spreadsheet that is no
milestone workbook. Each sample book: USD 170,000.00 contract, of which
116,000.00 is issued (no tax on those USD projects).
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from .conftest import cli, digest

XXE = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'


def _hostile(src: Path, out: Path) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as w:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "xl/workbook.xml":
                data = XXE + data.split(b"?>", 1)[-1]
            w.writestr(info, data)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("portfolio")
    (root / "a").mkdir()
    (root / "b" / "deeper").mkdir(parents=True)
    one, two = root / "a" / "one.xlsx", root / "b" / "two.xlsx"
    for book, day in ((one, "2026-11-25"), (two, "2026-11-26")):
        assert cli("new", book, "--demo", "--as-of", "2026-11-25").exit_code == 0
        assert cli("issue", book, "--as-of", day).exit_code == 0
    shutil.copyfile(one, root / "a" / "one-copy.xlsx")
    (root / "b" / "notes.xlsx").write_text("not a workbook")
    _hostile(two, root / "b" / "deeper" / "evil.xlsx")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "budget"
    wb.save(root / "budget.xlsx")
    (root / "a" / "~$one.xlsx").write_bytes(b"owner file")
    return root


def test_rolls_up_every_workbook_per_currency_and_lists_what_it_could_not_read(folder):
    before = {p: digest(p) for p in folder.rglob("*.xlsx")}
    r = cli("portfolio", folder, "--as-of", "2026-11-30", "--json")
    assert r.exit_code == 3          # done in part: two files could not be read
    out = json.loads(r.output)
    assert out["as_of"] == "2026-11-30"
    assert [w["workbook"] for w in out["workbooks"]] == ["a/one-copy.xlsx", "a/one.xlsx", "b/two.xlsx"]
    assert out["totals"]["USD"] == {
        "contract": "510000.00", "billed": "348000.00", "unbilled": "162000.00",
        "collected": "0.00", "outstanding": "348000.00", "overdue": "0.00",
        "approved_unbilled": "0.00"}
    assert out["aging"]["USD"] == {"Current": "348000.00", "1-30": "0.00", "31-60": "0.00",
                                   "61-90": "0.00", "90+": "0.00"}
    assert out["forecast"]["USD"] == {"2026-11": "0.00", "2026-12": "30000.00",
                                      "2027-01": "72000.00", "2027-02": "0.00"}
    assert out["workbooks"][1]["currencies"]["USD"]["billed"] == "116000.00"
    assert out["workbooks"][1]["currencies"]["KWD"]["contract"] == "45250.500"
    assert out["skipped"] == [{"workbook": "budget.xlsx", "reason": "not a milestone workbook "
                               "(it has no tblProjects or tblMilestones table)"}]
    failed = {f["workbook"]: f["reason"] for f in out["failed"]}
    assert sorted(failed) == ["b/deeper/evil.xlsx", "b/notes.xlsx"]
    assert "DOCTYPE" in failed["b/deeper/evil.xlsx"]
    assert "not an Excel workbook" in failed["b/notes.xlsx"]
    assert [e["message"].split(":")[0] for e in out["errors"]] == ["b/deeper/evil.xlsx", "b/notes.xlsx"]
    assert {p: digest(p) for p in folder.rglob("*.xlsx")} == before   # nothing written


def test_numbers_two_workbooks_issued_for_different_work_are_named_with_their_cells(folder):
    out = json.loads(cli("portfolio", folder, "--as-of", "2026-11-30", "--json").output)
    twice = out["issued_twice"]
    assert [d["invoice_no"] for d in twice] == [f"INV-2026-{n:04d}" for n in range(1, 9)]
    first = twice[0]
    assert [(p["workbook"], p["cell"]) for p in first["places"]] == [
        ("a/one-copy.xlsx", "Invoices!A2"), ("a/one.xlsx", "Invoices!A2"), ("b/two.xlsx", "Invoices!A2")]
    assert first["message"].startswith("INV-2026-0001 was issued in 3 workbooks for different work")


def test_copies_with_identical_history_are_not_a_conflict(tmp_path, folder):
    shutil.copytree(folder / "a", tmp_path / "a")
    r = cli("portfolio", tmp_path, "--as-of", "2026-11-30", "--json")
    assert r.exit_code == 0
    assert json.loads(r.output)["issued_twice"] == []


def test_readable_output_and_the_rollup_workbook(folder, tmp_path):
    out = tmp_path / "rollup.xlsx"
    r = cli("portfolio", folder, "--as-of", "2026-11-30", "--xlsx", out)
    assert r.exit_code == 3
    assert "Portfolio of 3 workbook(s)" in r.output
    assert "issued twice: INV-2026-0001" in r.output
    assert "skipped budget.xlsx" in r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Dashboard", "Workbooks", "Issued Twice", "Not Read"]
    dash = wb["Dashboard"]
    assert dash["A1"].value == "Portfolio of 3 workbook(s) as of 2026-11-30"
    rows = {r[0]: r[1:] for r in dash.iter_rows(min_row=6, max_row=9, values_only=True)}
    assert rows["USD"][:4] == (510000.0, 348000.0, 162000.0, 0.0)
    assert rows["JPY"][0] == 30000003.0
    assert len(dash._charts) == 3     # one per currency with open balances (not JPY: 0)
    assert wb["Workbooks"].tables["tblPortfolio"].ref == "A1:R13"   # 3 books x 4 currencies; 18 columns
    assert wb["Issued Twice"]["A2"].value == "INV-2026-0001"
    assert [c.value for c in wb["Not Read"]["A"]][1:] == ["budget.xlsx", "b/deeper/evil.xlsx",
                                                         "b/notes.xlsx"]


def test_a_missing_folder_is_refused(tmp_path):
    r = cli("portfolio", tmp_path / "nowhere", "--as-of", "2026-11-30")
    assert r.exit_code in (1, 2)
    assert "nowhere" in r.output
