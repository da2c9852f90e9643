"""`milebill upgrade` over the bad-input corpus: what every command refuses
(a damaged or hostile file, a workbook-wide problem) it refuses too, with
exit 1, one message per problem, the file byte for byte as it was and no
backup; a book with only row problems is already current (the corpus books
are made by the current template). The unusual-but-valid books (a table
moved to another sheet, the 1904 date system, right-to-left names,
32,767-character cells, hidden and blank rows), made old, upgrade and then
bill as before."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from milebill_xl.workbook.reader import read_book, read_raw_tables
from milebill_xl.xlsx.patch import Patcher

from . import corpus
from .conftest import run_cli, sha256
from .test_bad_input import _FILES, _REFUSED, _WORKS, _workbook_wide


def _only_the_book(book: Path) -> None:
    left = sorted(p.name for p in book.parent.iterdir() if not p.name.startswith("run-"))
    assert "book.before-upgrade.xlsx" not in left, left


@pytest.mark.parametrize("name", _FILES)
def test_a_file_that_is_not_a_workbook_is_not_upgraded(corpus_cases, name):
    book = corpus_cases[name].path
    before = sha256(book)
    ran = run_cli("upgrade", book)
    assert ran.code == 1, ran.out
    lines = [ln for ln in ran.out.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: book.xlsx"), ran.out
    assert sha256(book) == before
    _only_the_book(book)


@pytest.mark.parametrize("name", _REFUSED)
def test_what_every_command_refuses_upgrade_refuses(corpus_cases, name):
    book = corpus_cases[name].path
    before = sha256(book)
    checked = run_cli("check", book, "--json")
    errors = json.loads(checked.out)["errors"]
    ran = run_cli("upgrade", book, "--json")
    assert "Traceback" not in ran.out, ran.out
    out = json.loads(ran.out)
    if _workbook_wide(errors):
        assert ran.code == 1, ran.out
        assert out["errors"] == errors
    else:
        assert ran.code == 0, ran.out
        assert out["already_current"] is True and out["errors"] == []
    assert sha256(book) == before
    _only_the_book(book)


def _rename_header(book: Path, table: str, old: str, new: str) -> None:
    """A helper column an older template did not have: renamed away, so
    the book is old (the renamed column is then a team's own)."""
    from .corpus import edit_zip, table_part
    g = read_raw_tables(book)[table].geometry
    p = Patcher.open(book)
    p.set_cells(g.sheet, {(g.header_row, g.column(old)): new})
    p.save()
    edit_zip(book, {table_part(book, table):
                    lambda b: b.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())})


@pytest.mark.parametrize("name", _WORKS)
def test_unusual_but_valid_books_upgrade_and_bill(corpus_cases, name, tmp_path):
    book = tmp_path / "book.xlsx"
    shutil.copyfile(corpus_cases[name].path, book)
    _rename_header(book, "tblInvoices", "Days To Pay", "Old Days")
    assert run_cli("refresh", book).code == 1
    original = book.read_bytes()
    ran = run_cli("upgrade", book, "--json")
    assert ran.code == 0, ran.out
    out = json.loads(ran.out)
    assert out["upgraded"] is True
    # the moved Payments table was pasted without its Kind column
    assert [a["column"] for a in out["added_columns"]] == (
        ["Days To Pay", "Kind"] if name == "table-moved-to-other-sheet" else ["Days To Pay"])
    assert [n["name"] for n in out["not_carried"] if n["what"] == "column"] == ["Old Days"]
    assert (tmp_path / "book.before-upgrade.xlsx").read_bytes() == original
    ran = run_cli("check", book)
    assert ran.code == 0, ran.out
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    assert {i["milestone_id"] for i in json.loads(ran.out)["issued"]} == {
        "M-103", "M-402", "M-501"}
    data, _ = read_book(book)
    assert not data.problems
    if name == "table-moved-to-other-sheet":
        assert [n["name"] for n in out["not_carried"] if n["what"] == "sheet"] == ["Money In"]
        assert read_raw_tables(book)["tblPayments"].geometry.sheet == "Payments"
    if name == "date-system-1904":
        m = next(m for m in data.milestones if m.milestone_id == "M-103")
        assert m.invoice_date == corpus.AS_OF
    if name == "cells-32767-chars":
        m = next(m for m in data.milestones if m.milestone_id == "M-103")
        assert len(m.deliverable) == corpus.LONG
