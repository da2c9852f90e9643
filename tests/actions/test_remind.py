"""`milebill remind` (issue 14 item 3): reminder letters at each level with
the statutory interest and fee, the sheet and Audit rows they leave, and
what is never chased. Every figure is worked out by hand in a comment.

The book: P1 (Harbour Council, USD) bills M1 at 3,000.00 + 20 % = 3,600.00
and P2 (Metro KK, JPY) M3 at 333,300 + 10 % = 366,630, both issued
2026-11-25 and due 2026-12-25. Late Interest Rate 8 %, Late Fee 40.
"""
from __future__ import annotations

import email
import email.policy
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from milebill_xl.workbook.reader import read_book

from .conftest import SELLER, cli, digest, make_book, projects
from .test_ledger import _doc_text, _rename_header

D = Decimal


@pytest.fixture
def book(tmp_path):
    rows = projects()
    rows[0]["Client Email"] = "accounts@harbour.example"
    rows[1]["Client Email"] = "keiri@metro.example"
    path = make_book(tmp_path / "billing.xlsx", projects_rows=rows, settings={
        **SELLER, "Late Interest Rate": 0.08, "Late Fee": 40})
    assert cli("issue", path).exit_code == 0
    return path


def _remind(book, as_of, *options, code=0):
    res = cli("remind", book, "--as-of", as_of, "--json", *options)
    assert res.exit_code == code, res.output
    return json.loads(res.output)


def _figures(letter):
    return [(i["invoice_no"], i["days_overdue"], i["level"], i["balance"], i["interest"], i["fee"],
             i["amount_due"]) for i in letter["invoices"]]


def _reminded(book):
    return {i.invoice_no: (i.reminder_level, i.last_reminder) for i in read_book(book)[0].invoices}


def test_letters_at_each_level_with_interest_and_fee(book):
    folder = book.parent / "invoices" / "reminders"
    # 2026-12-31: 6 days late, within the first 7 days: nothing yet
    assert _remind(book, "2026-12-31")["reminders"] == []
    assert not folder.exists()

    # 2027-01-01, 7 days: level 1 for each client
    out = _remind(book, "2027-01-01")
    assert [(r["client"], r["currency"], r["title"], r["reference"]) for r in out["reminders"]] == [
        ("Harbour Council", "USD", "Payment reminder", "REM-2027-01-01-INV-2026-0001"),
        ("Metro KK", "JPY", "Payment reminder", "REM-2027-01-01-INV-2026-0002")]
    usd, jpy = out["reminders"]
    # 3,600.00 x 7 x 0.08 / 365 = 5.5233 -> 5.52
    assert _figures(usd) == [("INV-2026-0001", 7, 1, "3600.00", "5.52", "40.00", "3645.52")]
    # 366,630 x 7 x 0.08 / 365 = 205,312.8 / 365 = 562.50 -> 563 (no minor unit)
    assert _figures(jpy) == [("INV-2026-0002", 7, 1, "366630", "563", "40", "367233")]
    text = _doc_text(folder / "REM-2027-01-01-INV-2026-0001.docx")
    for expected in ("Payment reminder", "Harbour Council", "2 High Street",
                     "Reference: REM-2027-01-01-INV-2026-0001", "Amounts in USD.",
                     "INV-2026-0001", "2026-12-25", "3,600.00", "5.52", "40.00", "3,645.52",
                     "late-payment interest at 8.00% a year (actual days/365)",
                     "a fixed compensation of $40.00 per invoice",
                     "Amount due: $3,645.52", "IBAN GB00 ACME 0000 0000 01"):
        assert expected in text, expected
    assert _reminded(book) == {"INV-2026-0001": (1, date(2027, 1, 1)),
                               "INV-2026-0002": (1, date(2027, 1, 1))}

    # 600.00 paid on 2027-01-04, ten days late
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600", "--date", "2027-01-04",
               "--as-of", "2027-01-04").exit_code == 0
    # 2027-01-24, 30 days: level 2. USD: 3,000.00 open for 30 days and
    # 600.00 for the 10 days until it came: 96,000 x 0.08 / 365 = 21.0411 -> 21.04
    usd, jpy = _remind(book, "2027-01-24")["reminders"]
    assert (usd["title"], jpy["title"]) == ("Second reminder", "Second reminder")
    assert _figures(usd) == [("INV-2026-0001", 30, 2, "3000.00", "21.04", "40.00", "3061.04")]
    # 366,630 x 30 x 0.08 / 365 = 2,410.72 -> 2,411
    assert _figures(jpy) == [("INV-2026-0002", 30, 2, "366630", "2411", "40", "369081")]

    # 2027-02-23, 60 days: the final reminder.
    # USD: (3,000.00 x 60 + 600.00 x 10) x 0.08 / 365 = 40.767 -> 40.77
    # JPY: 366,630 x 60 x 0.08 / 365 = 4,821.44 -> 4,821
    usd, jpy = _remind(book, "2027-02-23")["reminders"]
    assert (usd["title"], usd["level"]) == ("Final reminder", 3)
    assert _figures(usd) == [("INV-2026-0001", 60, 3, "3000.00", "40.77", "40.00", "3080.77")]
    assert _figures(jpy) == [("INV-2026-0002", 60, 3, "366630", "4821", "40", "371491")]
    text = _doc_text(folder / "REM-2027-02-23-INV-2026-0002.docx")
    for expected in ("Final reminder", "This is our final reminder", "Amounts in JPY.",
                     "366,630", "4,821", "371,491", "Amount due: ¥371,491"):
        assert expected in text, expected

    # after the final reminder no more letters
    assert _remind(book, "2027-04-01")["reminders"] == []
    assert sorted(p.name for p in folder.iterdir()) == [
        f"REM-{day}-INV-2026-000{n}.docx"
        for day in ("2027-01-01", "2027-01-24", "2027-02-23") for n in (1, 2)]

    audit = openpyxl.load_workbook(book)["Audit"]
    rows = [[c.value for c in row] for row in audit.iter_rows(min_row=2)]
    reminders = [r for r in rows if r[2] == "Reminder"]
    assert [r[3] for r in reminders] == [f"REM-{day}-INV-2026-000{n}" for day in
                                         ("2027-01-01", "2027-01-24", "2027-02-23") for n in (1, 2)]
    assert reminders[4][4].startswith(
        "Final reminder (level 3) to Harbour Council: INV-2026-0001 3,000.00 (60 days, level 3); "
        "interest 40.77, fee 40.00, amount due 3,080.77 USD; "
        "reminders/REM-2027-02-23-INV-2026-0001.docx SHA-256 ")
    assert cli("verify", book).exit_code == 0


def test_running_again_the_same_day_changes_nothing(book):
    _remind(book, "2027-01-01")
    before = digest(book)
    res = cli("remind", book, "--as-of", "2027-01-01")
    assert res.exit_code == 0
    assert "no reminder due as of 2027-01-01" in res.output
    assert digest(book) == before
    # nor a later day that reaches no new level
    assert _remind(book, "2027-01-23")["reminders"] == []
    assert digest(book) == before


def test_paid_void_and_not_yet_due_invoices_are_never_chased(book):
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "3600", "--date",
               "2026-12-01", "--as-of", "2026-12-01").exit_code == 0
    assert cli("void", book, "--invoice", "INV-2026-0002", "--reason", "disputed",
               "--as-of", "2026-12-01").exit_code == 0
    assert _remind(book, "2027-03-01")["reminders"] == []
    assert _remind(book, "2026-12-24")["reminders"] == []


def test_a_problem_in_one_client_s_rows_skips_its_letter_only(book):
    from milebill_xl.xlsx.patch import Patcher
    p = Patcher.open(book)
    p.update_rows("tblProjects", {1: {"Tax Rate": "ten"}})        # P2's row
    p.save()
    out = _remind(book, "2027-01-01", code=3)
    assert [r["client"] for r in out["reminders"]] == ["Harbour Council"]
    assert [(s["client"], s["invoices"]) for s in out["skipped"]] == [("Metro KK", ["INV-2026-0002"])]
    assert [e["cell"] for e in out["errors"]] == ["Projects!I3"]
    assert _reminded(book)["INV-2026-0002"] == (None, None)


def test_settings_are_checked_on_their_cell(book):
    from milebill_xl.workbook import contract as C
    from milebill_xl.xlsx.patch import Patcher
    p = Patcher.open(book)
    p.update_rows("tblSettings", {C.SETTING_KEYS.index("Reminder Days"): {"Value": "30, 7"}})
    p.save()
    before = digest(book)
    out = _remind(book, "2027-01-01", code=1)
    assert out["errors"] == [{
        "sheet": "Settings", "cell": "Settings!B20",
        "message": "Reminder Days must increase from one count to the next, got '30, 7'; "
                   "enter whole days in increasing order, such as 7, 30, 60"}]
    assert digest(book) == before


def test_an_older_workbook_without_the_reminder_columns(tmp_path):
    book = make_book(tmp_path / "old.xlsx")
    _rename_header(book, "tblInvoices", "Invoices", "Reminder Level", "Level")
    _rename_header(book, "tblInvoices", "Invoices", "Last Reminder", "Sent")
    assert cli("check", book).exit_code == 0
    assert cli("issue", book).exit_code == 0
    before = digest(book)
    out = _remind(book, "2027-01-01", code=1)
    assert out["errors"] == [{
        "sheet": "Invoices", "cell": "Invoices",
        "message": "the Invoices table has no column 'Reminder Level' or 'Last Reminder', where "
                   "the reminders sent are kept; add columns headed Reminder Level and Last "
                   "Reminder at the right end of the table"}]
    assert digest(book) == before


def test_email_drafts_of_the_letters(book):
    out = _remind(book, "2027-01-01", "--email")
    usd = out["reminders"][0]
    msg = email.message_from_bytes(open(usd["email"], "rb").read(), policy=email.policy.default)
    assert (msg["To"], msg["From"], msg["X-Unsent"]) == (
        "accounts@harbour.example", "billing@acme.test", "1")
    assert msg["Subject"] == ("Payment reminder from Acme Engineering Ltd: INV-2026-0001, "
                              "3,645.52 USD overdue since 2026-12-25")
    body = msg.get_body(("plain",)).get_content()
    assert "Dear Harbour Council," in body and "REM-2027-01-01-INV-2026-0001" in body
    assert [a.get_filename() for a in msg.iter_attachments()] == [
        "REM-2027-01-01-INV-2026-0001.docx"]
    attached = next(msg.iter_attachments()).get_content()
    assert attached == open(usd["document"], "rb").read()


@pytest.mark.libreoffice
def test_pdf_letters_in_one_batch_attached_to_the_drafts(book):
    out = _remind(book, "2027-01-01", "--pdf", "--email")
    for letter in out["reminders"]:
        msg = email.message_from_bytes(open(letter["email"], "rb").read(),
                                       policy=email.policy.default)
        names = [a.get_filename() for a in msg.iter_attachments()]
        assert names == [f"{letter['reference']}.pdf"]
        assert next(msg.iter_attachments()).get_content()[:5] == b"%PDF-"
