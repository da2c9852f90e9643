"""Issue 12: the client's money off the happy path, through the CLI.

Voids of paid invoices (credit carried to the re-issued invoice, or held as
the client's credit), early-payment discounts, write-offs, chronological
and gapless numbering, problems that block only what they touch (exit 3),
approval asked again after a void, check agreeing with issue. Every figure
is written here by hand."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import docx
import pytest

from milebill_xl.actions.common import load
from milebill_xl.workbook.filebook import FileBook
from milebill_xl.workbook.reader import read_book
from milebill_xl.xlsx.patch import Patcher

from .conftest import SELLER, cli, digest, make_book, milestones, projects

D = Decimal


def _json(res, code=0):
    assert res.exit_code == code, res.output
    return json.loads(res.output)


def _worked_example(tmp_path, **settings):
    """The issue's example: P1 bills 1,000.00 + 19 % tax = 1,190.00 in one
    milestone (M1); P2 (JPY, 2/10 Net 30) as in conftest."""
    p = projects()
    p[0].update({"Contract Value": 1000, "Tax Rate": 0.19})
    rows = milestones()
    rows[0]["Percent"] = 1.0
    del rows[1]                        # P1 is one milestone of 100 %
    return make_book(tmp_path / "billing.xlsx", settings={**SELLER, **settings},
                     projects_rows=p, milestone_rows=rows)


def _invoices(path, as_of="2026-11-25"):
    loaded = load(FileBook(path), date.fromisoformat(as_of))
    return {r.invoice_no: (r.paid, r.balance, r.status) for r in loaded.computation.invoices}


def _approve_again(path, milestone_row: int):
    p = Patcher.open(path)
    p.update_rows("tblMilestones", {milestone_row: {"Approval": "Approved", "Approved By": "J. Doe",
                                                    "Approval Date": date(2026, 11, 26)}})
    p.save()


def _doc_text(path) -> str:
    d = docx.Document(str(path))
    return "\n".join([p.text for p in d.paragraphs]
                     + [c.text for t in d.tables for row in t.rows for c in row.cells])


# ------------------------------------------------------------------ void

def test_part_paid_invoice_voided_and_reissued_asks_only_for_the_rest(tmp_path):
    book = _worked_example(tmp_path)
    issued = _json(cli("issue", book, "--json"))["issued"]
    assert (issued[0]["invoice_no"], issued[0]["total"]) == ("INV-2026-0001", "1190.00")
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "500").exit_code == 0
    out = _json(cli("void", book, "--invoice", "INV-2026-0001", "--reason", "wrong PO", "--json"))
    # the credit note reverses the whole invoice, exactly as issued
    assert out["credit_note"]["net"] == "-1000.00" and out["credit_note"]["tax"] == "-190.00"
    assert out["credit_note"]["total"] == "-1190.00" and out["credit"] == "500.00"
    assert _invoices(book)["INV-2026-0001"] == (D("500.00"), D("-500.00"), "Void")
    rep = _json(cli("report", book, "--json"))
    assert rep["unapplied_credit"] == [{"client": "Harbour Council", "currency": "USD",
                                        "amount": "500.00", "invoices": ["INV-2026-0001"]}]
    assert rep["totals"][0]["unapplied_credit"] == "500.00"

    m1 = next(m for m in read_book(book)[0].milestones if m.milestone_id == "M1")
    _approve_again(book, m1.row)
    again = _json(cli("issue", book, "--json", "--as-of", "2026-11-26"))["issued"][0]
    assert (again["invoice_no"], again["total"], again["credit_applied"], again["amount_due"]) == \
        ("INV-2026-0003", "1190.00", "500.00", "690.00")
    rows = [(p.invoice_no, p.amount, p.kind, p.reference) for p in read_book(book)[0].payments]
    assert rows == [("INV-2026-0001", D("500.00"), "Payment", ""),
                    ("INV-2026-0001", D("-500.00"), "Credit Applied", "INV-2026-0003"),
                    ("INV-2026-0003", D("500.00"), "Credit Applied", "INV-2026-0001")]
    figures = _invoices(book, "2026-11-26")
    assert figures["INV-2026-0001"] == (D("0.00"), D("0.00"), "Void")
    assert figures["INV-2026-0003"] == (D("500.00"), D("690.00"), "Partially Paid")
    text = _doc_text(book.parent / "invoices" / "INV-2026-0003.docx")
    assert "Received: 500.00 USD" in text and "Amount due: 690.00 USD" in text
    assert _json(cli("report", book, "--json", "--as-of", "2026-11-26"))["unapplied_credit"] == []


def test_fully_paid_invoice_may_be_voided_and_a_cancelled_milestone_leaves_credit(tmp_path):
    book = _worked_example(tmp_path)
    cli("issue", book)
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1190").exit_code == 0
    res = cli("void", book, "--invoice", "INV-2026-0001", "--reason", "scope dropped")
    assert res.exit_code == 0, res.output
    assert "1,190.00 USD received is the client's credit" in res.output
    m1 = next(m for m in read_book(book)[0].milestones if m.milestone_id == "M1")
    p = Patcher.open(book)   # the change order: M1 cancelled, the contract down to 0
    p.update_rows("tblMilestones", {m1.row: {"Status": "Cancelled"}})
    p.update_rows("tblProjects", {0: {"Contract Value": 0}})
    p.save()
    rep = _json(cli("report", book, "--json"))
    assert rep["unapplied_credit"] == [{"client": "Harbour Council", "currency": "USD",
                                        "amount": "1190.00", "invoices": ["INV-2026-0001"]}]
    assert _json(cli("issue", book, "--json"))["issued"] == []
    text = cli("report", book).output
    assert "Unapplied credit" in text and "1,190.00 USD" in text


def test_void_asks_for_approval_again_and_the_wait_counts_from_the_void(tmp_path):
    book = _worked_example(tmp_path)
    cli("issue", book)
    p = Patcher.open(book)
    p.update_rows("tblMilestones", {0: {"Approved By": "A. Client", "Approval Date": date(2026, 11, 2)}})
    p.save()
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "typo").exit_code == 0
    data, _ = read_book(book)
    m1 = next(m for m in data.milestones if m.milestone_id == "M1")
    assert (m1.approval, m1.approved_by, m1.approval_date, m1.approval_requested) == \
        ("Pending", "", None, date(2026, 11, 25))
    void_row = next(a for a in data.audit if a.action == "Void")
    assert "approval of M1 (Approved, by A. Client, 2026-11-02) cleared" in void_row.detail
    # completed 2026-11-01, SLA 5 days: counted from the void on 2026-11-25
    flags = {d: {m["milestone_id"]: m["flag"] for m in
                 _json(cli("check", book, "--json", "--as-of", d))["milestones"]}["M1"]
             for d in ("2026-11-30", "2026-12-01")}
    assert flags == {"2026-11-30": "Awaiting Approval", "2026-12-01": "Approval Overdue"}


# -------------------------------------------------------------- discount

def test_early_payment_within_the_window_settles_with_a_discount(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)   # INV-2026-0002: M3 JPY 333,300 + 10 % = 366,630, 2/10 Net 30
    res = cli("pay", book, "--invoice", "INV-2026-0002", "--amount", "359297",
              "--date", "2026-12-05", "--as-of", "2026-12-05")
    assert res.exit_code == 0, res.output
    assert res.output.strip() == ("Recorded 359,297 JPY on INV-2026-0002 (2026-12-05) and an "
                                  "early-payment discount of 7,333 JPY: balance 0 JPY, Paid.")
    rows = [(p.amount, p.kind) for p in read_book(book)[0].payments]
    assert rows == [(D("359297"), "Payment"), (D("7333"), "Discount")]
    assert _invoices(book, "2026-12-05")["INV-2026-0002"] == (D("359297"), D("0"), "Paid")
    late = _json(cli("check", book, "--json", "--as-of", "2027-02-01"))["milestones"]
    assert {m["milestone_id"]: (m["flag"], m["days_overdue"]) for m in late}["M3"] == ("Paid", 0)


def test_the_same_amount_a_day_late_is_a_part_payment(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)
    out = _json(cli("pay", book, "--invoice", "INV-2026-0002", "--amount", "359297",
                    "--date", "2026-12-06", "--as-of", "2026-12-06", "--json"))
    assert [(r["kind"], r["amount"]) for r in out["recorded"]] == [("Payment", "359297")]
    assert (out["balance"], out["status"]) == ("7333", "Partially Paid")


# -------------------------------------------------------------- write-off

def test_write_off_is_off_until_a_limit_is_set(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)
    before = digest(book)
    res = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "3599.50", "--write-off", "--json")
    err = _json(res, 1)["errors"]
    assert err[0]["cell"] == "Settings!B19"   # after As Of Date and Operator
    assert "leaves 0.50 USD open on INV-2026-0001, above the Write-off Limit of 0.00" in err[0]["message"]
    assert digest(book) == before


def test_write_off_within_the_limit_settles_and_above_it_is_refused(tmp_path):
    book = make_book(tmp_path / "b.xlsx", settings={**SELLER, "Write-off Limit": 1})
    cli("issue", book)
    before = digest(book)
    res = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "3598", "--write-off")
    assert res.exit_code == 1 and "leaves 2.00 USD open" in res.output
    assert digest(book) == before
    out = _json(cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "3599.50",
                    "--write-off", "--reference", "ACH 7", "--json"))
    assert [(r["kind"], r["amount"], r["reference"]) for r in out["recorded"]] == \
        [("Payment", "3599.50", "ACH 7"), ("Write-off", "0.50", "written off")]
    assert _invoices(book)["INV-2026-0001"] == (D("3599.50"), D("0.00"), "Paid")


# ------------------------------------------------------------ chronology

def test_issue_refuses_an_as_of_date_before_the_last_invoice(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)
    p = Patcher.open(book)
    p.update_rows("tblMilestones", {1: {"Status": "Complete", "Completed Date": date(2026, 11, 20),
                                        "Approval": "Approved"}})
    p.save()
    before = digest(book)
    err = _json(cli("issue", book, "--as-of", "2026-11-20", "--json"), 1)["errors"]
    assert err == [{"sheet": "Invoices", "cell": "Invoices!C2", "message":
                    "as-of date 2026-11-20 is before INV-2026-0001, issued 2026-11-25: invoice "
                    "numbers must follow their dates; use an as-of date of 2026-11-25 or later"}]
    assert digest(book) == before


def test_a_seq_that_leaves_a_gap_or_reuses_a_number_is_refused_on_its_cell(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)                 # INV-2026-0001 and -0002; Next Invoice Seq 3
    for seq, words in ((12, "12 would leave a gap after INV-2026-0002 (skipping 3 to 11)"),
                       (2, "2 would reuse INV-2026-0002")):
        p = Patcher.open(book)
        p.update_rows("tblSettings", {6: {"Value": seq}})
        p.save()
        before = digest(book)
        for command in ("check", "issue", "report"):
            err = _json(cli(command, book, "--json"), 1)["errors"]
            assert [e["cell"] for e in err] == ["Settings!B8"], (command, err)
            assert words in err[0]["message"]
        res = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "1")
        assert res.exit_code == 1 and digest(book) == before
    # a new series (2027) may start at any number
    out = _json(cli("check", book, "--json", "--as-of", "2027-01-05"))
    assert out["errors"] == []


def test_credit_note_seq_gap_is_refused(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)
    cli("void", book, "--invoice", "INV-2026-0001", "--reason", "typo")   # CN-2026-0001
    p = Patcher.open(book)
    p.update_rows("tblSettings", {8: {"Value": 5}})
    p.save()
    err = _json(cli("check", book, "--json"), 1)["errors"]
    assert [(e["cell"], e["message"]) for e in err] == [(
        "Settings!B10", "Setting Next Credit Note Seq: 5 would leave a gap after CN-2026-0001 "
        "(skipping 2 to 4); the last number of this series is CN-2026-0001, so set it to 2 "
        "(numbers must follow without gaps)")]


def test_pay_refuses_a_date_before_the_invoice_or_after_the_as_of_date(tmp_path):
    book = make_book(tmp_path / "b.xlsx")
    cli("issue", book)
    before = digest(book)
    early = _json(cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "10",
                      "--date", "2026-11-24", "--json"), 1)["errors"]
    assert early[0]["cell"] == "Invoices!C2"
    assert "payment date 2026-11-24 is before INV-2026-0001 was issued (2026-11-25)" in early[0]["message"]
    late = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "10", "--date", "2026-11-26")
    assert late.exit_code == 1 and "after the as-of date 2026-11-25" in late.output
    assert digest(book) == before


# -------------------------------------------------------- scoped problems

def _typo_in_p2(tmp_path):
    rows = milestones()
    rows[3]["Fixed Amount"] = "lots"     # M4, a future milestone of P2
    return make_book(tmp_path / "typo.xlsx", milestone_rows=rows)


def test_a_typo_in_one_project_stops_only_that_project(tmp_path):
    book = _typo_in_p2(tmp_path)
    res = cli("issue", book, "--json")
    out = _json(res, 3)
    assert [(i["invoice_no"], i["milestone_id"]) for i in out["issued"]] == [("INV-2026-0001", "M1")]
    assert [(s["milestone_id"], s["cell"]) for s in out["skipped"]] == [("M3", "Milestones!A4")]
    # the typo, and P2's schedule that no longer adds up without M4's amount
    assert [e["cell"] for e in out["errors"]] == ["Milestones!H5", "Projects!G3"]
    assert "Fixed Amount must be a number" in out["errors"][0]["message"]
    flags = {m["milestone_id"]: m["flag"] for m in out["milestones"]}
    assert flags["M3"] == "Blocked"
    # pay, refresh and report still do their part, and say what is left
    text = cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600")
    assert text.exit_code == 3 and "done in part" in text.output and "Milestones!H5" in text.output
    assert _json(cli("refresh", book, "--json"), 3)["refreshed"] is True
    rep = _json(cli("report", book, "--json"), 3)
    assert rep["totals"][0] == {"currency": "USD", "contract": "10000.00", "billed": "3000.00",
                                "unbilled": "7000.00", "collected": "600.00",
                                "outstanding": "3000.00", "overdue": "0.00",
                                "unapplied_credit": "0.00"}


def test_check_and_issue_agree_on_missing_invoice_fields(tmp_path):
    p = projects()
    p[0]["Client Address"] = None
    book = make_book(tmp_path / "b.xlsx", projects_rows=p)
    err = _json(cli("check", book, "--json"), 1)["errors"]
    assert [e["cell"] for e in err] == ["Projects!E2"]
    out = _json(cli("issue", book, "--json"), 3)
    assert [e["cell"] for e in out["errors"]] == ["Projects!E2"]
    assert [i["milestone_id"] for i in out["issued"]] == ["M3"]
    assert [s["milestone_id"] for s in out["skipped"]] == ["M1"]


def test_the_forecast_leaves_rejected_milestones_out(tmp_path):
    rows = milestones()
    rows[1].update({"Status": "Complete", "Completed Date": date(2026, 11, 20), "Approval": "Rejected"})
    book = make_book(tmp_path / "b.xlsx", milestone_rows=rows)
    forecast = _json(cli("report", book, "--json"))["forecast"]
    usd = {f["month"]: f["amount"] for f in forecast if f["currency"] == "USD"}
    # M1 (3,000.00, Ready to Invoice) in November; M2 (7,000.00, Rejected) nowhere
    assert usd == {"2026-11": "3000.00", "2026-12": "0.00", "2027-01": "0.00", "2027-02": "0.00"}


def test_json_on_every_command(tmp_path):
    book = tmp_path / "new.xlsx"
    assert _json(cli("new", book, "--json")) == {"errors": [], "created": str(book), "demo": False}
    shared = _json(cli("share", book, "--json", "--as-of", "2026-11-25"))
    assert shared["errors"] == [] and shared["written"].endswith("new (as of 2026-11-25).xlsx")
    assert _json(cli("refresh", book, "--json", "--as-of", "2026-11-25"))["refreshed"] is True


# ---------------------------------------------- a workbook made before Kind

def _rename_header(path, table: str, sheet: str, old: str, new: str) -> None:
    """What a workbook made before issue 12 looks like: the column is not
    there (renamed here, so the table keeps its shape)."""
    from reliability.corpus import edit_zip, table_part

    from milebill_xl.template.builder import table_headers
    p = Patcher.open(path)
    p.set_cells(sheet, {(1, table_headers(table).index(old) + 1): new})
    p.save()
    edit_zip(path, {table_part(path, table):
                    lambda b: b.replace(f'name="{old}"'.encode(), f'name="{new}"'.encode())})


def _older_book(tmp_path):
    book = make_book(tmp_path / "old.xlsx")
    _rename_header(book, "tblPayments", "Payments", "Kind", "Note")
    _rename_header(book, "tblMilestones", "Milestones", "Approval Requested", "Asked")
    return book


def test_a_workbook_without_kind_or_approval_requested_still_works(tmp_path):
    book = _older_book(tmp_path)
    assert _json(cli("check", book, "--json"))["errors"] == []
    assert cli("issue", book).exit_code == 0
    assert cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600").exit_code == 0
    assert _invoices(book)["INV-2026-0001"] == (D("600.00"), D("3000.00"), "Partially Paid")
    # a discount needs the Kind column: refused, with what to do
    before = digest(book)
    res = cli("pay", book, "--invoice", "INV-2026-0002", "--amount", "359297")
    assert res.exit_code == 1 and "add a column headed Kind" in res.output
    assert digest(book) == before
    # void still clears the approval (no Approval Requested to set)
    assert cli("void", book, "--invoice", "INV-2026-0001", "--reason", "typo").exit_code == 0
    m1 = next(m for m in read_book(book)[0].milestones if m.milestone_id == "M1")
    assert (m1.approval, m1.approval_requested) == ("Pending", None)


@pytest.mark.libreoffice
def test_an_older_workbook_recalculates_like_the_engine(tmp_path):
    """refresh writes formulas that do without the missing columns: no
    error value, every computed cell equal to the engine."""
    from recalc_check import engine_mismatches, error_cells

    from milebill_xl.office import recalculate
    book = _older_book(tmp_path)
    cli("issue", book)
    cli("pay", book, "--invoice", "INV-2026-0001", "--amount", "600")
    assert cli("refresh", book).exit_code == 0
    out = recalculate([book], tmp_path / "lo")[0]
    assert error_cells(out) == []
    mismatches, compared = engine_mismatches(out, date(2026, 11, 25))
    assert mismatches == [] and compared > 20


def test_import_is_not_stopped_by_a_typo_in_another_project(tmp_path):
    book = _typo_in_p2(tmp_path)
    source = tmp_path / "projects.csv"
    source.write_text("Project ID,Project,Client,Contract Value,Currency\n"
                      "P7,Pier,Harbour Council,5000,USD\n", encoding="utf-8")
    out = _json(cli("import", book, source, "--json"))
    assert out["errors"] == [] and [r["Project ID"] for r in out["rows"]] == ["P7"]
    # a workbook-wide problem still refuses it
    p = Patcher.open(book)
    p.update_rows("tblSettings", {6: {"Value": 0}})
    p.save()
    before = digest(book)
    assert cli("import", book, source).exit_code == 1 and digest(book) == before


def test_demo_json_lists_its_steps(tmp_path):
    out = _json(cli("demo", tmp_path / "d", "--as-of", "2026-11-25", "--json"))
    assert out["errors"] == [] and out["as_of"] == "2026-11-25"
    steps = {(s["day"], s["what"]) for s in out["steps"]}
    assert ("2026-10-12", "milebill void INV-2026-0001 (paid in full)") in steps
    assert ("2026-11-25", "milebill pay INV-2026-0009 87465.00") in steps
