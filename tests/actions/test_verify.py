"""`milebill verify`: the audit trail is a hash chain, issued documents are
checked against the SHA-256 recorded when they were issued."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from .conftest import cli

AS_OF = "2026-11-25"


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    """The sample book after issue (8 invoices), a payment and a void."""
    folder = tmp_path_factory.mktemp("verify")
    book = folder / "b.xlsx"
    assert cli("new", book, "--demo", "--as-of", AS_OF).exit_code == 0
    assert cli("issue", book, "--as-of", AS_OF).exit_code == 0
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "100",
               "--date", AS_OF, "--as-of", AS_OF).exit_code == 0
    assert cli("void", book, "--invoice", "INV-2026-0002", "--reason", "wrong scope",
               "--as-of", AS_OF).exit_code == 0
    return folder


@pytest.fixture()
def book(issued, tmp_path) -> Path:
    shutil.copytree(issued, tmp_path / "copy")
    return tmp_path / "copy" / "b.xlsx"


def _verify(book: Path):
    r = cli("verify", book, "--json")
    return r.exit_code, json.loads(r.output)


def test_an_untouched_book_verifies(book):
    code, out = _verify(book)
    assert code == 0 and out["ok"] is True
    # 8 issues, 1 payment, 1 void; 8 invoices and 1 credit note
    assert (out["audit_rows_checked"], out["documents_checked"]) == (10, 9)
    r = cli("verify", book)
    assert "verified: 10 sealed audit row(s) and 9 document(s) are as issued" in r.output


def test_an_issue_row_names_its_document_and_hash(book):
    data, _ = read_book(book)
    first = data.audit[0]
    assert first.action == "Issue" and first.reference == "INV-2026-0001"
    assert "; INV-2026-0001.docx SHA-256 " in first.detail
    assert len(first.hash) == 64
    assert data.invoices[0].document_sha256 == first.detail[-64:]


def _edit_audit(book: Path, rows: dict[int, dict]) -> None:
    p = Patcher.open(book)
    p.update_rows("tblAudit", rows)
    p.save()


def test_an_edited_audit_row_is_named(book):
    _edit_audit(book, {3: {"Detail": "nothing to see"}})
    code, out = _verify(book)
    assert code == 1
    assert [(e["cell"], e["message"]) for e in out["errors"]] == [
        ("Audit!F5", "Audit row does not match its content: it, or a row before it, was "
                     "edited, inserted or deleted after it was written")]


def test_a_deleted_audit_row_breaks_the_row_after_it(book):
    data, _ = read_book(book)
    rows = [{"Timestamp": e.timestamp, "User": e.user, "Action": e.action,
             "Reference": e.reference, "Detail": e.detail, "Hash": e.hash} for e in data.audit]
    shifted = rows[:2] + rows[3:] + [dict.fromkeys(rows[0])]    # row 3 (Audit!4) taken out
    _edit_audit(book, dict(enumerate(shifted)))
    code, out = _verify(book)
    assert code == 1
    assert [e["cell"] for e in out["errors"]] == ["Audit!F4"]


def test_a_changed_or_missing_document_is_named_with_its_cell(book):
    docs = book.parent / "invoices"
    with open(docs / "INV-2026-0003.docx", "ab") as fh:
        fh.write(b"\0")
    (docs / "INV-2026-0005.docx").unlink()
    code, out = _verify(book)
    assert code == 1
    assert [(e["cell"], e["message"]) for e in out["errors"]] == [
        ("Invoices!Q4", "INV-2026-0003: INV-2026-0003.docx was changed after it was issued "
                        "(its SHA-256 no longer matches)"),
        ("Invoices!Q6", f"INV-2026-0005: its document INV-2026-0005.docx is not in {docs}")]


def test_an_edited_document_hash_disagrees_with_the_audit_trail(book):
    p = Patcher.open(book)
    p.update_rows("tblInvoices", {0: {"Document SHA-256": "0" * 64}})
    p.save()
    code, out = _verify(book)
    assert code == 1
    messages = [(e["cell"], e["message"]) for e in out["errors"]]
    assert ("Invoices!Q2", "INV-2026-0001: Document SHA-256 differs from the one recorded at "
                           "Audit!E2 when it was issued") in messages
