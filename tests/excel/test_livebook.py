"""LiveBook over the fake Excel: reads like the file reader, writes what the
file writer writes, and makes the same number of Excel calls for 16 rows as
for 1,000."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from decimal import Decimal

import pytest
from fake_xlwings import FakeApp, FakeBook

from milebill_xl.actions import check, issue, pay, refresh, report, void
from milebill_xl.core.records import replace
from milebill_xl.excel.livebook import LiveBook, to_excel
from milebill_xl.workbook.book import BookError, Changes, Formula
from milebill_xl.workbook.filebook import FileBook
from milebill_xl.template.formulas import formula_columns
from milebill_xl.workbook.reader import read_book

ACTIONS = {
    "check": lambda b: check.run(b),
    "report": lambda b: report.run(b),
    "refresh": lambda b: refresh.run(b),
    "issue": lambda b: issue.run(b),
    "pay": lambda b: pay.run(b, "INV-2026-0004", "1000.00", date(2026, 11, 20), "ACH 1"),
    "void": lambda b: void.run(b, "INV-2026-0005", "wrong rate"),
}


def _errors(result):
    if hasattr(result, "errors"):
        return result.errors
    return result.loaded.errors


def _inputs(data):
    """What the actions wrote, comparable between a file and the fake (the
    fake computes no formulas, so computed invoice Status is left out, and
    a project cell showing its Settings default through =DefaultCurrency
    reads blank in the fake, where Excel shows the default it stands for)."""
    return {
        "settings": data.settings,
        "projects": tuple(replace(p, defaulted=()) for p in data.projects),
        "milestones": data.milestones,
        "invoices": tuple(replace(i, status="") for i in data.invoices),
        "payments": data.payments,
        "problems": data.problems,
    }


def test_load_reads_what_the_file_reader_reads(open_book, book_files):
    for size in ("small", "big"):
        fake, app = open_book(size)
        data, locator = LiveBook(fake).load()
        want, want_locator = read_book(book_files[size])
        assert _inputs(data) == _inputs(want)
        assert locator.geometries == want_locator.geometries
        # one .value read per contract table and the currency list, nothing else
        assert app.counter.snapshot() == {"reads": 7, "writes": 0, "selects": 0, "resizes": 0}


@pytest.mark.parametrize("name", list(ACTIONS))
def test_each_action_writes_what_the_file_writer_writes(name, open_book, book_files, tmp_path):
    folder = tmp_path / "file"
    folder.mkdir()
    path = folder / "billing.xlsx"
    shutil.copyfile(book_files["small"], path)
    want = ACTIONS[name](FileBook(path))
    fake, app = open_book("small")
    got = ACTIONS[name](LiveBook(fake))
    assert _errors(got) == _errors(want) == ()
    after, _ = LiveBook(fake).load()
    expected, _ = read_book(path)
    assert _inputs(after) == _inputs(expected)
    if name in ("refresh", "issue", "pay", "void"):
        sheet = fake.sheets["Milestones"]
        t = fake.table("tblMilestones")
        headers = sheet.range(t.header_row_range).value
        for header, text in formula_columns("tblMilestones").items():
            col = t.range.column + headers.index(header)
            assert sheet.formulas[(2, col)] == "=" + text


def test_audit_rows_are_appended_as_text(open_book):
    fake, app = open_book("small")
    result = pay.run(LiveBook(fake), "INV-2026-0004", "1000.00", date(2026, 11, 20), "0042")
    assert result.errors == ()
    sheet = fake.sheets["Payments"]
    t = fake.table("tblPayments")
    last = t.range.last_cell.row
    row = sheet.range((last, 1), (last, 4)).value
    assert row == [datetime(2026, 11, 20), "INV-2026-0004", 1000.0, "0042"]  # '0042' stays text
    audit = fake.table("tblAudit")
    stamp = fake.sheets["Audit"].range((audit.range.last_cell.row, 1)).value
    assert isinstance(stamp, str) and stamp[:4].isdigit()  # not turned into a date


@pytest.mark.parametrize("name", list(ACTIONS))
def test_excel_calls_do_not_grow_with_rows(name, open_book):
    counts = {}
    for size in ("small", "big"):
        fake, app = open_book(size)
        result = ACTIONS[name](LiveBook(fake))
        assert _errors(result) == ()
        counts[size] = app.counter.snapshot()
    assert counts["small"] == counts["big"]
    assert counts["small"]["reads"] <= 9   # 7 tables (6 + the currency list) and 2 more


def test_append_fills_the_placeholder_row_of_an_empty_table(open_book):
    fake, app = open_book("fresh")
    before = fake.table("tblInvoices").range.shape
    assert before[0] == 2  # header and Excel's one blank row
    result = issue.run(LiveBook(fake))
    n = len(result.issued)
    assert result.errors == () and n > 1
    assert fake.table("tblInvoices").range.shape[0] == 1 + n  # no blank row left
    data, _ = LiveBook(fake).load()
    assert [i.invoice_no for i in data.invoices] == [f"INV-2026-{k:04d}" for k in range(1, n + 1)]
    assert [i.row for i in data.invoices] == list(range(n))
    assert data.settings.next_invoice_seq == n + 1


def test_a_table_does_not_grow_over_filled_cells(open_book):
    fake, app = open_book("small")
    t = fake.table("tblPayments")
    fake.sheets["Payments"].cells[(t.range.last_cell.row + 1, 2)] = "a note"
    with pytest.raises(BookError, match=r"cannot grow .*Payments!B5 is not empty"):
        pay.run(LiveBook(fake), "INV-2026-0004", "1", None, "")
    assert app.counter.writes == 0


def test_unknown_column_or_row_is_refused_before_any_write(open_book):
    fake, app = open_book("small")
    live = LiveBook(fake)
    live.load()
    changes = Changes()
    changes.set("tblMilestones", "Flag", 0, "x")
    changes.set("tblMilestones", "No Such Column", 0, "x")
    with pytest.raises(BookError, match="no column 'No Such Column'"):
        live.apply(changes)
    changes = Changes()
    changes.set("tblMilestones", "Flag", 0, "x")
    changes.set("tblMilestones", "Approval", 999, "x")
    with pytest.raises(BookError, match="no data row 999"):
        live.apply(changes)
    assert app.counter.writes == 0


def test_sparse_updates_write_one_span_and_keep_the_rows_between(open_book):
    fake, app = open_book("small")
    live = LiveBook(fake)
    data, _ = live.load()
    changes = Changes()
    changes.set("tblMilestones", "Approval Notes", 1, "first")
    changes.set("tblMilestones", "Approval Notes", 5, "second")
    before = [m.approval_notes for m in data.milestones]
    app.counter.reset()
    live.apply(changes)
    assert app.counter.writes == 1
    kind, sheet, address, shape = app.counter.log[-1]
    assert (kind, sheet, shape) == ("write", "Milestones", (5, 1))
    after = [m.approval_notes for m in LiveBook(fake).load()[0].milestones]
    assert after == before[:1] + ["first"] + before[2:5] + ["second"] + before[6:]


def test_values_cross_into_excel_as_excel_wants_them():
    assert to_excel(Decimal("1234.50")) == 1234.5 and isinstance(to_excel(Decimal("1")), float)
    assert to_excel(Formula("SUM(A1:A3)", 6)) == "=SUM(A1:A3)"
    assert to_excel(Formula("=A1")) == "=A1"
    assert to_excel(date(2026, 11, 25)) == date(2026, 11, 25)
    for text in ("0001", "1/2", "2026-11-25", "2026-11-25 10:00:00", "=not a formula", "+44 20",
                 "TRUE", "12%", "3 Mar", "-5", "'quoted"):
        assert to_excel(text) == "'" + text, text
    for text in ("INV-2026-0001", "Paid", "M-101 (P-100) net 10.00", "Net 30", "", "#N/A"):
        assert to_excel(text) == text, text
    with pytest.raises(BookError):
        to_excel(Decimal("NaN"))
    with pytest.raises(BookError):
        to_excel(object())


def test_a_workbook_never_saved_has_no_folder_and_issue_refuses(open_book):
    fake, app = open_book("small")
    fake.fullname = "Book1"
    live = LiveBook(fake)
    assert live.saved_path is None
    with pytest.raises(BookError, match="never been saved"):
        live.folder
    with pytest.raises(BookError, match="never been saved"):
        issue.run(live)
    assert app.counter.writes == 0


def test_folder_comes_from_fullname():
    app = FakeApp()
    assert LiveBook(FakeBook(app, r"C:\Users\ann\Billing\book.xlsx")).saved_path is not None
    assert LiveBook(FakeBook(app, "/Users/ann/Billing/book.xlsx")).folder.name == "Billing"
    online = LiveBook(FakeBook(app, "https://example.sharepoint.com/sites/x/book.xlsx"))
    with pytest.raises(BookError, match="stored online"):
        online.folder
