"""The demo runs the whole cycle; what it leaves is consistent, and
LibreOffice, opening the workbook our commands wrote, computes the same
figures as the engine."""
from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from rich.console import Console

from milebill_xl.actions import demo
from milebill_xl.core.engine import compute
from milebill_xl.office import recalculate
from milebill_xl.workbook.reader import read_book
from recalc_check import cached_mismatches, engine_mismatches, error_cells

AS_OF = date(2026, 11, 25)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    console = Console(file=open(folder / "out.txt", "w"), width=200)
    result = demo.run(folder / "run", AS_OF, console)
    console.file.close()
    return result, (folder / "out.txt").read_text()


def test_demo_cycle_leaves_every_state(demo_run):
    result, printed = demo_run
    data, _ = read_book(result.workbook)
    comp = compute(data, AS_OF)
    flags = {r.flag for r in comp.milestones}
    assert flags >= {"Paid", "Overdue", "Due Soon", "Invoiced", "Ready to Invoice", "Rejected",
                     "Approval Overdue", "Awaiting Approval", "Behind Schedule", "Scheduled",
                     "Cancelled"}
    statuses = {r.status for r in comp.invoices}
    assert statuses >= {"Paid", "Partially Paid", "Open", "Void", "Applied"}
    currencies = {p.currency for p in data.projects}
    assert {"JPY", "KWD"} <= currencies
    assert comp.problems == ()
    # the story's last day is pinned, so the workbook shows it on any day
    assert data.settings.as_of_date == date(2026, 11, 25)
    # gapless, unique numbering in both series
    # a Retention Release takes the next invoice number
    invoices = [i.invoice_no for i in data.invoices if i.type in ("Invoice", "Retention Release")]
    credits = [i.invoice_no for i in data.invoices if i.type == "Credit Note"]
    assert invoices == [f"INV-2026-{n:04d}" for n in range(1, len(invoices) + 1)]
    # issue 12: the demo also voids M-101's paid invoice (CN-2026-0001)
    assert credits == ["CN-2026-0001", "CN-2026-0002"]
    assert data.settings.next_invoice_seq == len(invoices) + 1
    # one document per issued document, nothing else
    docs = sorted(p.name for p in (result.folder / "invoices").iterdir() if p.is_file())
    assert docs == sorted(i.document for i in data.invoices)
    # issue 14: M-102's invoice, 26,000.00 open ten days after its due date:
    # 26,000.00 x 10 x 10.15 % / 365 = 72.30, and the fee of 40.00
    assert sorted(p.name for p in (result.folder / "invoices" / "reminders").iterdir()) == [
        "REM-2026-11-25-INV-2026-0006.docx", "REM-2026-11-25-INV-2026-0006.eml"]
    assert ("milebill remind --email: Payment reminder REM-2026-11-25-INV-2026-0006 to Acme "
            "Retail Inc.: INV-2026-0006 10 days late, 26,000.00 + interest 72.30 + fee 40.00 "
            "= 26,112.30 USD") in printed
    inv = next(i for i in data.invoices if i.invoice_no == "INV-2026-0006")
    assert (inv.reminder_level, inv.last_reminder) == (1, AS_OF)
    # the change order kept the issued amount and re-spread the rest (rule 10)
    p400 = comp.project("P-400")
    assert p400.allocated == p400.contract_value and p400.schedule_ok
    # the refused issue left the book unchanged and said why
    assert re.search(r"issue: refused, workbook unchanged: Project P-500", printed)
    assert "Ready to Invoice" in printed


def test_demo_construction_project_withholds_retention_recovers_its_deposit_and_releases(demo_run):
    """P-600 (80,000.00 USD, 8 % tax, 10 % retention, 15 % deposit; the
    figures of sample.construction_project): every invoice asks for its own
    amount due, the deposit is recovered 3,000 / 3,000 / 6,000, the
    retention released at handover, and the client pays the contract and
    its tax, 86,400.00, in all."""
    result, printed = demo_run
    data, _ = read_book(result.workbook)
    comp = compute(data, AS_OF)
    rows = [(i.invoice_no, i.type, i.milestone_id, i.net, i.retention, i.deposit_applied, i.tax,
             i.total) for i in data.invoices if i.project_id == "P-600"]
    expected = [
        ("INV-2026-0002", "Invoice", "M-600", "12000.00", "0.00", "0.00", "960.00", "12960.00"),
        ("INV-2026-0007", "Invoice", "M-601", "20000.00", "2000.00", "3000.00", "1200.00", "16200.00"),
        ("INV-2026-0011", "Invoice", "M-602", "20000.00", "2000.00", "3000.00", "1200.00", "16200.00"),
        ("INV-2026-0013", "Invoice", "M-603", "40000.00", "4000.00", "6000.00", "2400.00", "32400.00"),
        ("INV-2026-0014", "Retention Release", "", "8000.00", "0.00", "0.00", "640.00", "8640.00"),
    ]
    assert rows == [(*r[:3], *(Decimal(x) for x in r[3:])) for r in expected]
    assert sum(r[-1] for r in rows) == Decimal("86400.00")
    p600 = comp.project("P-600")
    assert (str(p600.billed), str(p600.unbilled), str(p600.retention_held)) == (
        "80000.00", "0.00", "0.00")
    paid = {r.invoice_no: r.status for r in comp.invoices if r.project_id == "P-600"}
    assert paid["INV-2026-0002"] == "Paid" and paid["INV-2026-0007"] == "Paid"
    assert ("INV-2026-0007 (M-601, 16,200.00 USD; retention withheld 2,000.00; "
            "deposit recovered 3,000.00)") in printed
    assert "INV-2026-0014: retention 8,000.00 + tax 640.00 = 8,640.00 USD" in printed


def test_demo_takes_a_discount_re_bills_a_paid_void_and_writes_off(demo_run):
    result, printed = demo_run
    data, _ = read_book(result.workbook)
    rows = [(p.invoice_no, p.amount, p.kind, p.reference) for p in data.payments
            if p.kind != "Payment"]
    assert rows == [
        ("INV-2026-0001", Decimal("-24000.00"), "Credit Applied", "INV-2026-0005"),
        ("INV-2026-0005", Decimal("24000.00"), "Credit Applied", "INV-2026-0001"),
        ("INV-2026-0003", Decimal("0.500"), "Write-off", "written off"),
        ("INV-2026-0009", Decimal("1785.00"), "Discount", "early-payment discount"),
    ]
    statuses = {r.invoice_no: (str(r.paid), str(r.balance), r.status)
                for r in compute(data, AS_OF).invoices}
    assert statuses["INV-2026-0001"] == ("0.00", "0.00", "Void")
    assert statuses["INV-2026-0005"] == ("24000.00", "0.00", "Paid")
    assert statuses["INV-2026-0003"] == ("11999.500", "0.000", "Paid")
    assert statuses["INV-2026-0009"] == ("87465.00", "0.00", "Paid")
    assert "INV-2026-0005 (M-101, 24,000.00 USD; 24,000.00 already received, Credit Applied)" in printed


@pytest.mark.libreoffice
def test_libreoffice_recalculates_demo_workbook_like_the_engine(demo_run, tmp_path):
    result, _ = demo_run
    out = recalculate([result.workbook], tmp_path)[0]
    assert error_cells(out) == []
    mismatches, compared = engine_mismatches(out, AS_OF)
    assert compared > 100
    assert mismatches == []
    # every formula cell our commands wrote carries what LibreOffice computes
    cached, formulas = cached_mismatches(result.workbook, out)
    assert cached == []
    assert formulas > 1000
    # the Dashboard's cash metrics, as LibreOffice computes them from the
    # native formulas (the figures of test_report_gives_the_cash_metrics...)
    from milebill_xl.template.dashboard import cell_of
    import openpyxl
    dash = openpyxl.load_workbook(out, data_only=True)["Dashboard"]
    slots = {dash[cell_of(("currency", s))].value: s for s in range(9)}
    usd, kwd = slots["USD"], slots["KWD"]
    assert dash[cell_of(("dso", usd))].value == pytest.approx(40.2)
    assert dash[cell_of(("dso", kwd))].value == pytest.approx(30.0)
    assert dash[cell_of(("approved_unbilled", usd))].value == pytest.approx(36000.00)
    assert dash[cell_of(("longest_wait", usd))].value == 0        # M-103 approved today
    assert dash[cell_of(("days_to_payment", 0))].value == pytest.approx(13.8)


def test_report_gives_the_cash_metrics_of_the_demo(demo_run):
    from milebill_xl.actions import report
    from milebill_xl.workbook.filebook import FileBook
    result, _ = demo_run
    metrics = report.to_json(report.run(FileBook(result.workbook), AS_OF))["metrics"]
    # USD: 26,000.00 (M-102) + 20,000.00 (M-501) + P-600's 16,200.00 (M-602),
    # 32,400.00 (M-603) and 8,640.00 (release) = 103,240.00 open; sold
    # 77,240.00 in the newest 30 days (M-501, M-602, M-603, the release) and
    # 76,200.00 in the 30 before (M-101 re-billed 24,000.00, M-102 36,000.00,
    # M-601 16,200.00): 30 + 30 x 26,000/76,200 = 40.2 (43.0 before P-600)
    assert metrics["dso"]["USD"]["days"] == "40.2"
    assert metrics["dso"]["KWD"]["days"] == "30.0"
    assert metrics["dso"]["JPY"] == {"days": "0", "beyond_90_days": False, "receivables": "0",
                                     "sales_by_30_days": ["0", "0", "0"]}
    # the deposit INV-0002 8, M-401's INV-0003 25, INV-0005 (paid by Credit
    # Applied on its issue day) 0, M-601's INV-0007 26 and M-202's INV-0009
    # (discount, day 10) 10 days: 69 / 5; INV-0001 is void
    assert metrics["days_issue_to_payment"] == "13.8"
    assert metrics["approved_unbilled"]["USD"]["amount"] == "36000.00"
