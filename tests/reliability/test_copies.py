"""Emailed copies: two copies of one workbook issue invoices independently,
then meet again. ``milebill reconcile`` reports every clash (exit 1), and
two copies sharing an invoice folder cannot overwrite each other's
documents."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from milebill_xl.workbook import contract as C
from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from . import corpus
from .conftest import run_cli, run_proc, sha256


def _approval(book: Path, **approvals: str) -> None:
    """Set milestones' Approval (as a user would in Excel)."""
    data, _ = read_book(book)
    rows = {m.milestone_id: m.row for m in data.milestones}
    p = Patcher.open(book)
    p.update_rows(C.MILESTONES.name, {rows[mid]: {"Approval": v} for mid, v in approvals.items()})
    p.save()


@pytest.fixture()
def copies(tmp_path):
    base = corpus.base_book(tmp_path / "base.xlsx")
    a_dir, b_dir = tmp_path / "alice", tmp_path / "bob"
    a_dir.mkdir(), b_dir.mkdir()
    a, b = a_dir / "billing.xlsx", b_dir / "billing.xlsx"
    shutil.copyfile(base, a)
    shutil.copyfile(base, b)
    return a, b


def _issue(book: Path) -> list[dict]:
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    return json.loads(ran.out)["issued"]


def test_copies_that_issued_different_work_are_reported(copies):
    a, b = copies
    # Alice bills only M-103; Bob bills M-402 and M-501, later M-103 too
    _approval(a, **{"M-402": "Pending", "M-501": "Pending"})
    assert [i["milestone_id"] for i in _issue(a)] == ["M-103"]
    _approval(b, **{"M-103": "Pending"})
    assert [i["milestone_id"] for i in _issue(b)] == ["M-402", "M-501"]
    _approval(b, **{"M-103": "Approved"})
    assert [i["milestone_id"] for i in _issue(b)] == ["M-103"]
    hashes = sha256(a), sha256(b)

    ran = run_cli("reconcile", a, b, "--json")
    assert ran.code == 1, ran.out
    rep = json.loads(ran.out)
    kinds = {(c["kind"], c["invoice_no"], c["milestone_id"]) for c in rep["conflicts"]}
    assert ("number_reused", "INV-2025-0007", "M-103") in kinds     # A: M-103, B: M-402
    assert ("milestone_twice", "INV-2025-0007", "M-103") in kinds   # A 0007 vs B 0009
    assert len(rep["conflicts"]) == 2, rep["conflicts"]
    reused = next(c for c in rep["conflicts"] if c["kind"] == "number_reused")
    assert reused["a"]["cell"] == reused["b"]["cell"] == "Invoices!A9"
    assert reused["b"]["milestone_id"] == "M-402"
    twice = next(c for c in rep["conflicts"] if c["kind"] == "milestone_twice")
    assert twice["b"]["cell"] == "Invoices!A11" and "INV-2025-0009" in twice["message"]
    assert rep["only_in_b"] == ["INV-2025-0008", "INV-2025-0009"] and rep["only_in_a"] == []
    assert len(rep["shared"]) == 7                              # the common history
    assert all(e["cell"] for e in rep["errors"])
    # the text form, through a real process, names both files and cells
    ran = run_proc("reconcile", a, b)
    assert ran.code == 1 and "Traceback" not in ran.out
    assert "2 conflict(s)" in ran.out and "Invoices!A9" in ran.out and "M-402" in ran.out
    assert (sha256(a), sha256(b)) == hashes                    # reconcile writes nothing


def test_same_number_same_milestone_different_amount(copies):
    a, b = copies
    _issue(a)
    p = Patcher.open(b)
    data, loc = read_book(b)
    m501 = next(m for m in data.milestones if m.milestone_id == "M-501")
    p.update_rows(C.MILESTONES.name, {m501.row: {"Percent": 0.35}})
    p.update_rows(C.MILESTONES.name, {m501.row + 1: {"Percent": 0.45}})
    p.save()
    _issue(b)
    rep = json.loads(run_cli("reconcile", a, b, "--json").out)
    differs = [c for c in rep["conflicts"] if c["kind"] == "number_differs"]
    assert [c["milestone_id"] for c in differs] == ["M-501"]
    assert set(differs[0]["fields"]) >= {"net", "total"}


def test_identical_or_one_sided_copies_have_no_conflict(copies):
    a, b = copies
    ran = run_cli("reconcile", a, b)
    assert ran.code == 0 and "no conflicts: 7 invoice(s) in both" in ran.flat, ran.out
    _issue(a)
    ran = run_cli("reconcile", a, b, "--json")
    assert ran.code == 0, ran.out
    rep = json.loads(ran.out)
    assert rep["only_in_a"] == ["INV-2025-0007", "INV-2025-0008", "INV-2025-0009"]
    assert rep["conflicts"] == [] and rep["next_invoice_seq"] == {"a": 10, "b": 7}
    shutil.copyfile(a, b)
    assert run_cli("reconcile", a, b).code == 0


def test_own_number_format_per_copy_avoids_clashes_but_double_billing_is_still_caught(copies):
    a, b = copies
    p = Patcher.open(b)
    data, loc = read_book(b)
    p.update_rows(C.SETTINGS.name, {loc.setting_row("Invoice Number Format"): {"Value": "INV-B-{year}-{seq:04d}"}})
    p.save()
    _approval(a, **{"M-402": "Pending", "M-501": "Pending"})
    _issue(a)
    _issue(b)
    rep = json.loads(run_cli("reconcile", a, b, "--json").out)
    assert [c["kind"] for c in rep["conflicts"]] == ["milestone_twice"]
    assert rep["conflicts"][0]["milestone_id"] == "M-103"


def test_reconcile_refuses_a_bad_file_cleanly(copies, tmp_path):
    a, _ = copies
    (tmp_path / "junk.xlsx").write_bytes(b"not a workbook")
    ran = run_cli("reconcile", a, tmp_path / "junk.xlsx")
    assert ran.code == 1 and ran.out.startswith("error: junk.xlsx is not an Excel workbook")
    ran = run_cli("reconcile", a, tmp_path / "missing.xlsx", "--json")
    assert ran.code == 2 and "Invalid value for BOOK_B" in ran.out and "missing.xlsx: no such file" in ran.out


def test_two_copies_in_one_folder_cannot_overwrite_each_others_documents(tmp_path):
    base = corpus.base_book(tmp_path / "base.xlsx")
    a, b = tmp_path / "billing.xlsx", tmp_path / "billing (copy).xlsx"
    shutil.copyfile(base, a)
    shutil.copyfile(base, b)
    _approval(a, **{"M-402": "Pending", "M-501": "Pending"})
    _issue(a)                                   # INV-2025-0007.docx for M-103
    doc = tmp_path / "invoices" / "INV-2025-0007.docx"
    first = sha256(doc)
    _approval(b, **{"M-103": "Pending"})
    before = sha256(b)
    ran = run_proc("issue", b, cwd=tmp_path)    # would be INV-2025-0007 for M-402
    assert ran.code == 1, ran.out
    assert "INV-2025-0007.docx already exist" in ran.flat and "another copy" in ran.flat
    assert "Traceback" not in ran.out
    assert sha256(b) == before and sha256(doc) == first


def test_void_and_reissue_in_one_copy_is_not_double_billing(copies):
    """Bob voids shared INV-2025-0004 (M-102) and bills M-102 again; Alice's
    copy still shows the old invoice. The merge brings the credit note, so
    this is no conflict."""
    a, b = copies
    assert run_cli("void", b, "--invoice", corpus.open_invoice(), "--reason", "wrong PO").code == 0
    _approval(b, **{"M-102": "Approved", "M-103": "Pending", "M-402": "Pending", "M-501": "Pending"})
    assert [i["milestone_id"] for i in _issue(b)] == ["M-102"]
    ran = run_cli("reconcile", a, b, "--json")
    assert ran.code == 0, ran.out
    assert json.loads(ran.out)["only_in_b"] == ["CN-2025-0002", "INV-2025-0007"]
