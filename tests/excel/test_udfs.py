"""The MB_* worksheet functions run as plain Python functions (xlwings'
decorators pass through off Windows): their answers, worked by hand, and
the template's own Excel formulas as LibreOffice computes them."""
from __future__ import annotations

import inspect
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from conftest import AS_OF, portfolio_rows

from milebill_xl.excel import udfs
from milebill_xl.excel.udfs import (MB_AGING_BUCKET, MB_ALLOCATE, MB_CHARGE, MB_DAYS_OVERDUE,
                                    MB_DEPOSIT, MB_DEPOSIT_SHARES, MB_DISCOUNT, MB_DUE_DATE,
                                    MB_FLAG, MB_INVOICE, MB_RELEASE, MB_TAX)
from milebill_xl.workbook import contract as C
from milebill_xl.template import dashboard as D
from milebill_xl.workbook.reader import read_raw_tables
from milebill_xl.template.builder import build_workbook
from milebill_xl.actions.common import load
from milebill_xl.actions.issue import plan
from milebill_xl.workbook.filebook import FileBook

FUNCTIONS = [MB_ALLOCATE, MB_DUE_DATE, MB_DAYS_OVERDUE, MB_FLAG, MB_AGING_BUCKET, MB_DISCOUNT,
             MB_INVOICE, MB_CHARGE, MB_RELEASE, MB_DEPOSIT, MB_DEPOSIT_SHARES, MB_TAX]


def _serial(d: date) -> float:
    """How a date arrives from a cell not formatted as a date."""
    return float((d - date(1899, 12, 30)).days)


def _cell(d):
    """How Excel hands a date cell to a UDF (datetime) or a blank (None)."""
    return None if d is None else datetime.combine(d, datetime.min.time())


def test_functions_keep_excel_names_and_positional_signatures():
    for f in FUNCTIONS:
        assert f.__name__.startswith("MB_") and f.__doc__
        params = inspect.signature(f).parameters.values()
        # xlwings' func_sig refuses keyword-only and **kwargs parameters
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)
    assert udfs.__all__[:-1] == [f.__name__ for f in FUNCTIONS]


def test_bad_arguments_give_a_readable_message():
    assert MB_DUE_DATE(date(2026, 1, 1), "Net thirty") == \
        "#MILEBILL: unknown payment terms 'Net thirty'"
    assert MB_ALLOCATE(1000, [0.5, 0.5], "XYZ") == "#MILEBILL: unknown currency 'XYZ'"
    assert MB_ALLOCATE(1000, [50, 50], "USD").startswith(
        "#MILEBILL: percent 1 must be a fraction between 0 and 1")
    assert MB_DAYS_OVERDUE("last week", 10, AS_OF) == \
        "#MILEBILL: due_date must be a date such as 2026-11-25, got 'last week'"
    assert MB_FLAG("Done", "", "", None, None, None, None, False, AS_OF) == \
        "#MILEBILL: status 'Done' is not one of Planned, In Progress, Complete, Cancelled"
    assert MB_DISCOUNT("2/10 Net 30", None, 100, "USD") == "#MILEBILL: invoice_date is blank"
    assert MB_DISCOUNT("2/10 Net 30", AS_OF, 100, "USD", "both ways").startswith("#MILEBILL: part")
    assert MB_AGING_BUCKET(AS_OF, "#N/A").startswith("#MILEBILL: ")


def test_allocate_is_rule_1_exactly():
    assert MB_ALLOCATE(10_000_001, [[1 / 3], [1 / 3], [1 / 3]], "JPY") == [3333334.0, 3333333.0, 3333334.0]
    amounts = MB_ALLOCATE(100.0, [0.3333, 0.3333, 0.3334], "USD")
    assert amounts == [33.33, 33.33, 33.34] and round(sum(amounts), 2) == 100.0
    assert MB_ALLOCATE(45250.5, [0.5, 0.5], "KWD") == [22625.25, 22625.25]
    assert MB_ALLOCATE(1000, 0.25, "usd") == [250.0]


def test_dates_arrive_as_dates_serials_or_iso_text():
    want = date(2026, 12, 15)  # 15 days after the end of November
    for arg in (date(2026, 11, 15), datetime(2026, 11, 15), _serial(date(2026, 11, 15)), "2026-11-15"):
        assert MB_DUE_DATE(arg, "Net 15 EOM") == want
    assert MB_DUE_DATE(date(2026, 2, 10), "EOM") == date(2026, 2, 28)
    assert MB_DUE_DATE(date(2026, 2, 10), "due on receipt") == date(2026, 2, 10)
    assert MB_AGING_BUCKET(None, AS_OF) == "Current"
    assert MB_AGING_BUCKET(AS_OF - timedelta(days=91), AS_OF) == "90+"
    assert MB_DAYS_OVERDUE(None, 10, AS_OF) == 0
    assert MB_DAYS_OVERDUE(AS_OF - timedelta(days=3), 0, AS_OF) == 0
    assert MB_DAYS_OVERDUE(AS_OF - timedelta(days=3), 0.01, AS_OF) == 3


def test_discount_amount_and_deadline():
    assert MB_DISCOUNT("2/10 Net 30", date(2026, 11, 1), 29750.0, "EUR") == [595.0, date(2026, 11, 11)]
    assert MB_DISCOUNT("1.5/10 Net 30", date(2026, 11, 1), 1000, "JPY", "amount") == 15.0
    assert MB_DISCOUNT("Net 30", date(2026, 11, 1), 1000, "USD") == [0.0, ""]
    assert MB_DISCOUNT("2/10 net 30", "2026-11-01", 100, "USD", "deadline") == date(2026, 11, 11)


def _flag(status, approval="", invoice_no="", balance=None, due=None, completed=None,
          planned=None, billable=False, requested=None):
    """MB_FLAG as a cell calls it, as of AS_OF (2026-11-25), Due Soon Days 7,
    Approval SLA Days 5; dates as Excel hands them over."""
    return MB_FLAG(status, approval, invoice_no, balance, _cell(due), _cell(completed),
                   _cell(planned), billable, _cell(AS_OF), 7, 5, _cell(requested))


@pytest.mark.parametrize("args, kwargs, want", [
    (("Cancelled", "Approved", "INV-1", 100.0, date(2026, 11, 1)), {}, "Cancelled"),
    (("Complete", "Approved", "INV-1", 0.0, date(2026, 11, 1)), {}, "Paid"),
    (("Complete", "Approved", "INV-1", -5.0, date(2026, 11, 1)), {}, "Paid"),
    (("Complete", "Approved", "INV-1", 100.0, date(2026, 11, 24)), {}, "Overdue"),
    (("Complete", "Approved", "INV-1", 100.0, date(2026, 11, 25)), {}, "Due Soon"),
    (("Complete", "Approved", "INV-1", 100.0, date(2026, 12, 2)), {}, "Due Soon"),     # 7 days
    (("Complete", "Approved", "INV-1", 100.0, date(2026, 12, 3)), {}, "Invoiced"),     # 8 days
    (("Complete", "Approved", "INV-9", None, None), {}, "Invoiced"),   # no such invoice
    (("Complete", "Approved"), {"billable": True}, "Ready to Invoice"),
    (("Complete", "Approved"), {"billable": False}, "Blocked"),
    (("Complete", "Rejected"), {"completed": date(2026, 10, 1)}, "Rejected"),
    (("Complete", "Pending"), {"completed": date(2026, 11, 19)}, "Approval Overdue"),   # 6 days
    (("Complete", ""), {"completed": date(2026, 11, 20)}, "Awaiting Approval"),         # 5 days
    (("Complete", "Pending"), {"completed": date(2026, 10, 1), "requested": date(2026, 11, 22)},
     "Awaiting Approval"),                               # asked again 3 days ago
    (("Complete", "Pending"), {}, "Awaiting Approval"),  # no date to count from
    (("Planned", ""), {"planned": date(2026, 11, 24)}, "Behind Schedule"),
    (("", ""), {"planned": date(2026, 11, 24)}, "Behind Schedule"),
    (("In Progress", "Pending"), {"planned": date(2026, 11, 25)}, "Scheduled"),
    (("Planned", "Pending"), {}, "Scheduled"),
])
def test_flag_by_hand(args, kwargs, want):
    assert _flag(*args, **kwargs) == want


def test_days_overdue_by_hand():
    assert MB_DAYS_OVERDUE(_cell(date(2026, 11, 15)), 250.0, AS_OF) == 10
    assert MB_DAYS_OVERDUE(_cell(date(2026, 11, 25)), 250.0, AS_OF) == 0
    assert MB_DAYS_OVERDUE(_cell(date(2026, 12, 25)), 250.0, AS_OF) == 0
    assert MB_DAYS_OVERDUE(_cell(date(2026, 11, 15)), -20.0, AS_OF) == 0   # overpaid


@pytest.mark.parametrize("days, bucket", [
    (-30, "Current"), (0, "Current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")])
def test_aging_bucket_boundaries_by_hand(days, bucket):
    assert MB_AGING_BUCKET(_cell(AS_OF - timedelta(days=days)), _cell(AS_OF)) == bucket


def test_allocate_by_hand_in_three_currencies():
    # cumulative: 0.333 / 0.667 / 1.000 KWD of 1 KWD -> 0.333, 0.334, 0.333
    assert MB_ALLOCATE(1, [1 / 3, 1 / 3, 1 / 3], "KWD") == [0.333, 0.334, 0.333]
    # 1,005 JPY at 10/40/20/30 %: 100.5 -> 101, 502.5 -> 503, 703.5 -> 704, 1,005
    assert MB_ALLOCATE(1005, [0.1, 0.4, 0.2, 0.3], "JPY") == [101.0, 402.0, 201.0, 301.0]
    # =1/6 of 6.03 USD is 1.005 -> 1.01, as the sheet's ROUND gives it
    assert MB_ALLOCATE(6.03, [1 / 6, 5 / 6], "USD") == [1.01, 5.02]


@pytest.mark.parametrize("terms, issued, due", [
    ("Net 30", date(2026, 11, 25), date(2026, 12, 25)),
    ("Net 45 EOM", date(2026, 11, 25), date(2027, 1, 14)),    # 30 Nov + 45
    ("2/10 Net 30", date(2026, 11, 25), date(2026, 12, 25)),
    ("1.5/10 Net 45", date(2026, 12, 31), date(2027, 2, 14)),
    ("Due on receipt", date(2026, 11, 25), date(2026, 11, 25)),
    ("EOM", date(2028, 2, 3), date(2028, 2, 29)),              # leap year
    ("net  60", date(2026, 11, 1), date(2026, 12, 31)),
])
def test_due_date_by_hand(terms, issued, due):
    assert MB_DUE_DATE(_cell(issued), terms) == due


def test_invoice_paid_and_balance_count_payment_kinds():
    # issue 12: Paid counts Payment (blank) and Credit Applied rows; Balance
    # is Total + credit notes - every row
    assert MB_INVOICE(366630, [359297, 7333], ["Payment", "Discount"], None, "JPY") == \
        [359297.0, 0.0]
    assert MB_INVOICE(3600, [3599.5, 0.5], ["", "write-off"], "", "USD", "paid") == 3599.5
    assert MB_INVOICE(3600, [3599.5, 0.5], ["", "Write-off"], "", "USD", "balance") == 0.0
    # the worked example: 1,190.00 paid 500.00, voided: the client's credit
    assert MB_INVOICE(1190, [500], [None], -1190, "USD") == [500.0, -500.0]
    # ... once applied to the re-issued invoice: nothing left on the old one
    assert MB_INVOICE(1190, [500, -500], ["", "Credit Applied"], -1190, "USD") == [0.0, 0.0]
    assert MB_INVOICE(1190, [500], ["Credit Applied"], None, "USD") == [500.0, 690.0]
    assert MB_INVOICE(1190, [500], ["Refund"], None, "USD") == \
        "#MILEBILL: kind 'Refund' is not one of Payment, Discount, Write-off, Credit Applied"


def test_tax_takes_the_milestone_rate_else_the_projects():
    assert MB_TAX(1000.05, 0.055, "EUR", 0.2) == 55.0          # 55.00275
    assert MB_TAX(1000.05, None, "EUR", 0.2) == 200.01         # blank: the project's
    assert MB_TAX(1000.05, "", "EUR", "20%") == 200.01
    assert MB_TAX(1000.05, 0, "EUR", 0.2) == 0.0               # 0 is a rate
    assert MB_TAX(333333, None, "JPY", 0.1) == 33333.0
    assert MB_TAX(100, 20, "EUR").startswith("#MILEBILL: tax_rate must be a fraction")


def test_tax_matches_what_issue_invoices(tmp_path):
    """A book with a milestone at its own rate: MB_TAX on each planned
    invoice's Net gives the Tax issue computes."""
    rows = portfolio_rows(0, fresh=True)
    own = {}
    for k, m in enumerate(rows["milestones"]):
        if k % 2:
            m["Tax Rate"] = own[m["Milestone ID"]] = Decimal("0.055")
    path = build_workbook(tmp_path / "rates.xlsx", **rows)
    loaded = load(FileBook(path), AS_OF)
    issued, errors = plan(loaded)
    assert not errors and any(i.milestone_id in own for i in issued)
    rates = {p.project_id: p.tax_rate for p in loaded.data.projects}
    for item in issued:
        i = item.invoice
        got = MB_TAX(float(i.net), own.get(i.milestone_id), i.currency, float(rates[i.project_id]))
        assert Decimal(str(got)) == i.tax, i.invoice_no


def test_flag_counts_the_approval_wait_from_a_void():
    args = ("Complete", "Pending", "", None, None, _cell(date(2026, 11, 1)), None, False)
    assert MB_FLAG(*args, _cell(date(2026, 11, 30)), 7, 5) == "Approval Overdue"
    assert MB_FLAG(*args, _cell(date(2026, 11, 30)), 7, 5, _cell(date(2026, 11, 25))) == \
        "Awaiting Approval"
    assert MB_FLAG(*args, _cell(date(2026, 12, 1)), 7, 5, _cell(date(2026, 11, 25))) == \
        "Approval Overdue"


@pytest.mark.libreoffice
def test_functions_match_the_templates_own_formulas_in_libreoffice(tmp_path):
    """Row by row, each function against the column the template computes
    with native Excel formulas, as LibreOffice recalculates them."""
    from python_calamine import CalamineWorkbook

    from milebill_xl.office import recalculate
    book = build_workbook(tmp_path / "b.xlsx", **portfolio_rows(0),
                          dashboard_currencies=["USD", "EUR", "JPY", "KWD"])
    (out,) = recalculate([book], tmp_path / "lo")
    raw = read_raw_tables(out, (C.PROJECTS.name, C.MILESTONES.name, C.INVOICES.name))

    def rows(table):
        t = raw[table]
        return [dict(zip(t.geometry.headers, r)) for r in t.rows]
    projects = {p["Project ID"]: p for p in rows(C.PROJECTS.name)}
    milestones = rows(C.MILESTONES.name)
    invoices = rows(C.INVOICES.name)
    assert milestones and all(m["Flag"] for m in milestones), "LibreOffice did not compute"

    def blank(v):
        return None if v in ("", None) else v
    by_project = defaultdict(list)
    for m in milestones:
        due = blank(m["Eff Due Date"])
        balance = m["Balance"] if m["Invoice No"] else None
        flag = MB_FLAG(m["Status"], m["Approval"], m["Invoice No"], balance, due,
                       blank(m["Completed Date"]), blank(m["Planned Date"]), m["Billable"], AS_OF)
        assert flag == m["Flag"], m["Milestone ID"]
        assert MB_DAYS_OVERDUE(due, m["Balance"] or 0, AS_OF) == m["Days Overdue"], m["Milestone ID"]
        by_project[m["Project ID"]].append(m)
    checked = 0
    for pid, ms in by_project.items():
        if any(m["Invoice No"] for m in ms) or any(m["Eff Basis"] == "Fixed" for m in ms):
            continue
        live = [m for m in ms if m["Status"] != "Cancelled"]
        p = projects[pid]
        got = MB_ALLOCATE(p["Contract Value"], [m["Percent"] for m in live], p["Eff Currency"])
        assert got == [m["Amount"] for m in live], pid
        checked += 1
    assert checked >= 2
    # aging: bucket every open invoice, sum, compare with the Dashboard's formulas
    sums = defaultdict(lambda: defaultdict(float))
    for i in invoices:
        if i["Type"] == "Invoice" and i["Status"] != "Void" and (i["Balance"] or 0) > 0:
            sums[i["Currency"]][MB_AGING_BUCKET(blank(i["Due Date"]), AS_OF)] += i["Balance"]
    with CalamineWorkbook.from_path(str(out)) as wb:
        dash = wb.get_sheet_by_name(C.DASHBOARD_SHEET).to_python(skip_empty_area=False)

    def at(ref):
        col = ord(ref[0]) - 64
        return dash[int(ref[1:]) - 1][col - 1]
    compared = 0
    for s in range(8):
        cur = at(D.cell_of(("currency", s)))
        if not cur:
            continue
        for bucket in D.AGING_BUCKETS:
            native = at(D.cell_of(("aging", s, bucket))) or 0
            assert round(sums[cur][bucket], 3) == round(native, 3), (cur, bucket)
            compared += 1
    assert compared == 4 * len(D.AGING_BUCKETS)
