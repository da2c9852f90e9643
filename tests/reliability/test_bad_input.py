"""The bad-input corpus: one message per problem naming the sheet and
cell, no traceback. A workbook-wide problem (a setting, a missing table or
column, a damaged file) is refused by every command with exit 1 and the
file byte-for-byte unchanged (no document written); a problem in some rows
stops only what it touches (exit 3, done in part, every problem named; or
exit 1 and the file unchanged). The unusual-but-valid books still work end
to end."""
from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from milebill_xl.workbook import contract as C
from milebill_xl.workbook.reader import read_book, read_raw_tables

from . import corpus
from .conftest import commands, run_cli, run_proc, sha256

_REFUSED = [c.name for c in corpus.cell_cases() + corpus.structural_cases()]
_FILES = [c.name for c in corpus.file_cases(b"")]
_WORKS = [c.name for c in corpus.works_cases()]


def test_corpus_is_big_enough(corpus_cases):
    refused = [c for c in corpus_cases.values() if not c.works]
    assert len(refused) >= 40
    assert {"encrypted", "xls-97-2003", "empty-file", "date-system-1904",
            "table-moved-to-other-sheet"} <= set(corpus_cases)


def _no_documents(book: Path) -> None:
    folder = book.parent / "invoices"
    left = sorted(p.name for p in folder.rglob("*")) if folder.exists() else []
    assert left == [], f"documents written for a refused workbook: {left}"


def _json_errors(book: Path) -> list[dict]:
    ran = run_cli("check", book, "--json")
    assert ran.code == 1, ran.out
    payload = json.loads(ran.out)
    return payload["errors"]


@pytest.mark.parametrize("name", _REFUSED)
def test_bad_cell_refused_by_every_command(corpus_cases, name):
    case = corpus_cases[name]
    book = case.path
    before = sha256(book)
    errors = _json_errors(book)
    # one message per problem: no (cell, message) pair twice, each message short
    pairs = [(e["cell"], e["message"]) for e in errors]
    assert len(pairs) == len(set(pairs)), pairs
    assert all(len(e["message"]) < 400 for e in errors)
    cells = [e["cell"] for e in errors]
    for cell in case.cells:
        if ":" in cell.split("!")[-1]:            # a range (merged cells): a file-level refusal
            assert any(cell in e["message"] for e in errors), errors
        else:
            assert cell in cells, f"{cell} not reported: {errors}"
            hit = next(e for e in errors if e["cell"] == cell)
            assert hit["sheet"] == cell.split("!")[0].strip("'")
    flat_msgs = " ".join(e["message"] for e in errors).lower()
    for word in case.words:
        assert word.lower() in flat_msgs, (word, errors)

    if _workbook_wide(errors):
        # a setting, a missing table or column: every command stops
        for command, args in commands(book).items():
            ran = run_cli(*args)
            assert ran.code == 1, (command, ran.out)
            assert "Traceback" not in ran.out, (command, ran.out)
            for e in errors:       # every problem check found is named by every command
                assert (e["cell"] or e["message"][:30]) in ran.flat, (command, e, ran.out)
            assert sha256(book) == before, f"{command} changed the file"
        _no_documents(book)
        return
    # issue 12: a problem in some rows stops only what it touches; the rest
    # is written (exit 3) and every problem is still named, or nothing is
    # written (exit 1) and the file keeps its bytes
    for command in commands(book):
        copy = _fresh_copy(book, command)   # the corpus book stays as built
        before = sha256(copy)
        ran = run_cli(*commands(copy)[command])
        assert "Traceback" not in ran.out, (command, ran.out)
        expected = {"check": (1,), "refresh": (3,)}.get(command, (1, 3))
        assert ran.code in expected, (command, ran.out)
        named = [e for e in errors if (e["cell"] or e["message"][:30]) in ran.flat]
        if ran.code == 1:
            assert sha256(copy) == before, f"{command} changed the file"
            assert named, (command, ran.out)
        else:
            assert sha256(copy) != before, f"{command} wrote nothing but said done in part"
            assert named == errors, (command, errors, ran.out)


def _fresh_copy(book: Path, command: str) -> Path:
    folder = book.parent / f"run-{command}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    return Path(shutil.copy2(book, folder / book.name))


def _workbook_wide(errors: list[dict]) -> bool:
    """A problem on Settings or the currency list, or on a header row (a
    missing column), or without a cell (a missing table)."""
    return any(not e["cell"] or "!" not in e["cell"] or e["sheet"] in ("Settings", "Lists")
               or e["cell"].split("!")[-1].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "1"
               for e in errors)


@pytest.mark.parametrize("name", _FILES)
def test_not_a_workbook_refused_by_every_command(corpus_cases, name):
    case = corpus_cases[name]
    book = case.path
    before = sha256(book)
    for command, args in commands(book).items():
        ran = run_cli(*args)
        assert ran.code == 1, (command, ran.out)
        assert "Traceback" not in ran.out
        lines = [ln for ln in ran.out.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: book.xlsx"), ran.out
        for word in case.words:
            assert word.lower() in ran.out.lower(), (command, ran.out)
        assert sha256(book) == before
    ran = run_cli("check", book, "--json")
    payload = json.loads(ran.out)
    assert ran.code == 1 and len(payload["errors"]) == 1
    assert payload["errors"][0]["cell"] is None
    _no_documents(book)


@pytest.mark.parametrize("name", ["encrypted", "xls-97-2003", "empty-file", "truncated-xlsx",
                                  "milestone-notes-error", "value-1e300", "merged-cells-over-table",
                                  "terms-32767", "percents-over"])
@pytest.mark.parametrize("command", ["check", "issue", "void"])
def test_real_process_refuses_cleanly(corpus_cases, name, command):
    """The same refusals through a real ``milebill`` process (exit status,
    stderr and all), not just click's in-process runner. A problem in one
    project's rows does not stop void on another invoice (issue 12): exit 3,
    done in part, the problem still named."""
    book = _fresh_copy(corpus_cases[name].path, f"proc-{command}")
    before = sha256(book)
    ran = run_proc(*commands(book)[command], cwd=book.parent)
    scoped = name in ("milestone-notes-error", "value-1e300", "terms-32767", "percents-over")
    if scoped and command == "void":
        assert ran.code == 3, ran.out
        assert "done in part" in ran.out and sha256(book) != before
    elif scoped and command == "issue":
        assert ran.code in (1, 3), ran.out
    else:
        assert ran.code == 1, ran.out
        assert sha256(book) == before
    assert "Traceback" not in ran.out and ran.out.strip()
    for cell in corpus_cases[name].cells:
        assert cell in ran.out


# ---------------------------------------------------------------- works

def _invoices(book: Path):
    data, _ = read_book(book)
    assert not data.problems, data.problems
    return data


def _gapless(data) -> None:
    seqs = sorted(int(i.invoice_no.rsplit("-", 1)[1]) for i in data.invoices
                  if i.type == "Invoice")
    assert seqs == list(range(1, data.settings.next_invoice_seq)), seqs


@pytest.mark.parametrize("name", _WORKS)
def test_unusual_but_valid_books_work_end_to_end(corpus_cases, name, tmp_path):
    src = corpus_cases[name].path
    book = tmp_path / "book.xlsx"
    book.write_bytes(src.read_bytes())
    ran = run_cli("check", book)
    assert ran.code == 0, ran.out
    ran = run_cli("issue", book, "--json")
    assert ran.code == 0, ran.out
    issued = {i["milestone_id"]: i for i in json.loads(ran.out)["issued"]}
    assert set(issued) == {"M-103", "M-402", "M-501"}
    data = _invoices(book)
    _gapless(data)
    new = [i for i in data.invoices if i.milestone_id in issued and i.type == "Invoice"
           and i.issue_date == corpus.AS_OF]
    assert len(new) == 3, "issue dates must read back as the as-of date"
    for i in new:
        assert (tmp_path / "invoices" / i.document).is_file()
    assert run_cli(*commands(book)["pay"]).code == 0
    ran = run_cli(*commands(book)["void"])
    assert ran.code == 0, ran.out
    assert run_cli("refresh", book).code == 0
    data = _invoices(book)
    assert sum(p.reference == "R1" for p in data.payments) == 1
    assert any(i.type == "Credit Note" and i.related_invoice == corpus.open_invoice()
               for i in data.invoices)

    if name == "unicode-rtl-names":
        m103 = next(i for i in data.invoices if i.milestone_id == "M-103")
        assert m103.client == corpus.RTL_CLIENT
        raw = read_raw_tables(book)
        assert raw[C.PAYMENTS.name].geometry.sheet == "دفعات"
    if name == "table-moved-to-other-sheet":
        raw = read_raw_tables(book)
        assert raw[C.PAYMENTS.name].geometry.sheet == "Money In"
        assert raw[C.PAYMENTS.name].geometry.first_col == 3
    if name == "date-system-1904":
        from milebill_xl.xlsx.patch import Patcher
        assert Patcher.open(book).date1904
        m = next(m for m in data.milestones if m.milestone_id == "M-103")
        assert m.invoice_date == corpus.AS_OF and m.due_date == date(2025, 7, 30)
    if name == "cells-32767-chars":
        m = next(m for m in data.milestones if m.milestone_id == "M-103")
        assert len(m.deliverable) == corpus.LONG
    if name == "hidden-rows":
        assert next(m for m in data.milestones if m.milestone_id == "M-103").invoice_no


def test_threaded_read_gives_the_same_book_and_refusals(corpus_cases, monkeypatch):
    """The biggest table sheet is read in a worker thread only when it is
    big (the corpus books are small): forced on for every corpus book, the
    records, problems and refusals are exactly those of the plain read."""
    from milebill_xl.workbook import reader
    from milebill_xl.workbook.book import BookError

    def outcome(path):
        try:
            data, _ = read_book(path)
            return data
        except BookError as exc:
            return str(exc)

    for case in corpus_cases.values():
        monkeypatch.setattr(reader, "_THREAD_FROM", 1 << 40)
        plain = outcome(case.path)
        monkeypatch.setattr(reader, "_THREAD_FROM", 0)
        threaded = outcome(case.path)
        assert threaded == plain, case.name
